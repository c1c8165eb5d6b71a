import Zlib

/// Zips and tars written byte by byte, for the hostile and damaged archives no honest writer
/// makes: overlapping zip entries, bad tar checksums, missing end blocks, names that are not UTF-8.
public enum RawZip {
    public struct Entry {
        public var name: [UInt8]
        public var data: [UInt8]
        public var deflate: Bool
        public init(_ name: String, _ data: [UInt8], deflate: Bool = true) {
            self.name = Array(name.utf8)
            self.data = data
            self.deflate = deflate
        }
        public init(rawName: [UInt8], _ data: [UInt8]) {
            name = rawName
            self.data = data
            deflate = false
        }
    }

    /// A well-formed zip of `entries` (local headers, data, central directory, end record).
    public static func make(_ entries: [Entry]) throws -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for e in entries {
            let compressed = e.deflate ? try Zlib.deflate(e.data, wrapper: .raw) : e.data
            let fields = Fields(
                name: e.name, crc: Zlib.crc32(e.data), compressed: compressed.count, uncompressed: e.data.count,
                method: e.deflate ? 8 : 0)
            directory += centralHeader(fields, localOffset: out.count)
            out += localHeader(fields) + compressed
        }
        return out + directory + endRecord(entries: entries.count, directorySize: directory.count, offset: out.count)
    }

    /// David Fifield's "quoted overlap" zip bomb: entry i's deflate stream starts with a stored
    /// block that quotes entry i+1's local header and then runs on into entry i+1's data, so every
    /// entry inflates the same kernel again. Each entry on its own is an honest deflate stream
    /// with a correct CRC; only their byte ranges overlap.
    /// - Parameters:
    ///   - names: the entries, in file order.
    ///   - kernel: what the last entry holds (every entry ends with it).
    public static func overlapping(names: [String], kernel: [UInt8]) throws -> [UInt8] {
        let kernelStream = try Zlib.deflate(kernel, level: 9, wrapper: .raw)
        var data = kernelStream
        var plain = kernel
        var headers: [[UInt8]] = []
        for (i, name) in names.enumerated().reversed() {
            if i < names.count - 1 {
                let quoted = headers[0]
                let length = UInt16(quoted.count)
                data = [0x00] + le(length) + le(~length) + quoted + data
                plain = quoted + plain
            }
            let fields = Fields(
                name: Array(name.utf8), crc: Zlib.crc32(plain), compressed: data.count, uncompressed: plain.count,
                method: 8)
            headers.insert(localHeader(fields), at: 0)
        }
        // The file: header 0 followed by entry 0's data, which holds every later header.
        var out = headers[0] + data
        var directory: [UInt8] = []
        var offset = 0
        var rest = data
        var plainRest = plain
        for (i, name) in names.enumerated() {
            let fields = Fields(
                name: Array(name.utf8), crc: Zlib.crc32(plainRest), compressed: rest.count,
                uncompressed: plainRest.count, method: 8)
            directory += centralHeader(fields, localOffset: offset)
            if i + 1 < names.count {
                let next = headers[i + 1]
                offset += headers[i].count + 5
                rest = Array(rest.dropFirst(5 + next.count))
                plainRest = Array(plainRest.dropFirst(next.count))
            }
        }
        let cdOffset = out.count
        out += directory + endRecord(entries: names.count, directorySize: directory.count, offset: cdOffset)
        return out
    }

    struct Fields {
        var name: [UInt8]
        var crc: UInt32
        var compressed: Int
        var uncompressed: Int
        var method: UInt16
    }

    static func localHeader(_ f: Fields) -> [UInt8] {
        le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0)) + le(f.method) + le(UInt32(0)) + le(f.crc)
            + le(UInt32(f.compressed)) + le(UInt32(f.uncompressed)) + le(UInt16(f.name.count)) + le(UInt16(0))
            + f.name
    }

    static func centralHeader(_ f: Fields, localOffset: Int) -> [UInt8] {
        le(UInt32(0x0201_4B50)) + le(UInt16(20)) + le(UInt16(20)) + le(UInt16(0)) + le(f.method) + le(UInt32(0))
            + le(f.crc) + le(UInt32(f.compressed)) + le(UInt32(f.uncompressed)) + le(UInt16(f.name.count))
            + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0))
            + le(UInt32(localOffset)) + f.name
    }

    static func endRecord(entries: Int, directorySize: Int, offset: Int) -> [UInt8] {
        le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(entries)) + le(UInt16(entries))
            + le(UInt32(directorySize)) + le(UInt32(offset)) + le(UInt16(0))
    }
}

/// POSIX ustar archives, block by block.
public enum RawTar {
    public struct Member {
        public var name: [UInt8]
        public var data: [UInt8]
        /// `0` file, `5` directory.
        public var type: UInt8
        /// Write a wrong checksum (a damaged header).
        public var badChecksum: Bool
        public init(_ name: String, _ data: [UInt8] = [], type: UInt8 = UInt8(ascii: "0"), badChecksum: Bool = false) {
            self.init(rawName: Array(name.utf8), data, type: type, badChecksum: badChecksum)
        }
        public init(rawName: [UInt8], _ data: [UInt8] = [], type: UInt8 = UInt8(ascii: "0"), badChecksum: Bool = false)
        {
            name = rawName
            self.data = data
            self.type = type
            self.badChecksum = badChecksum
        }
    }

    /// The archive, with the two end-of-archive blocks unless `endBlocks` is false.
    public static func make(_ members: [Member], endBlocks: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for m in members {
            out += header(m)
            out += m.data + [UInt8](repeating: 0, count: (512 - m.data.count % 512) % 512)
        }
        return endBlocks ? out + [UInt8](repeating: 0, count: 1024) : out
    }

    /// One 512-byte ustar header.
    public static func header(_ m: Member) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { h.replaceSubrange(offset..<offset + bytes.count, with: bytes) }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
        }
        put(Array(m.name.prefix(100)), at: 0)
        put(octal(m.type == UInt8(ascii: "5") ? 0o755 : 0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(m.data.count, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        h[156] = m.type
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put([UInt8](repeating: 0x20, count: 8), at: 148)
        let sum = h.reduce(0) { $0 + Int($1) } + (m.badChecksum ? 1 : 0)
        put(octal(sum, width: 7) + [0x20], at: 148)
        return h
    }
}

func le(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
