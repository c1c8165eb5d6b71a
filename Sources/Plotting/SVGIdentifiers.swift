/// cairo names each surface in an SVG `surfaceN` from a counter shared by the whole process, so
/// the same figure drawn twice would differ in that number. Renumbering the names in order of
/// first appearance makes the bytes depend on the figure alone.
enum SVGIdentifiers {
    static let prefix = Array("surface".utf8)

    static func renumber(_ svg: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(svg.count)
        var names: [ArraySlice<UInt8>: Int] = [:]
        var i = 0
        while i < svg.count {
            guard svg[i] == prefix[0], svg[i...].starts(with: prefix) else {
                out.append(svg[i])
                i += 1
                continue
            }
            var end = i + prefix.count
            while end < svg.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(svg[end]) { end += 1 }
            out.append(contentsOf: prefix)
            if end > i + prefix.count {
                let number = names[svg[(i + prefix.count)..<end]] ?? names.count + 1
                names[svg[(i + prefix.count)..<end]] = number
                out.append(contentsOf: Array(String(number).utf8))
            }
            i = end
        }
        return out
    }
}
