import Features
import Foundation

/// The reference notebook's `extracted_data.json`: `{"mapping": [genres], "labels": [label per
/// segment], "mfcc": [[[coefficients] per frame] per segment]}`, for existing Keras notebooks
/// (with `mel` features, the key is `mel` and each frame holds its bands).
/// Numbers are written as Python's `json.dump` writes them (the shortest text that reads back as
/// the same double), streamed to the file, so memory stays flat however large it is.
enum ExtractedJSON {
    /// - Parameter segment: puts segment `d` (counted within the track) of track `t` into the buffer.
    static func write(
        genres: [String], tracks: [Preparer.Chosen], perSegment: Int, kind: FeatureKind, width: Int,
        to path: String,
        segment: (_ t: Int, _ d: Int, UnsafeMutableBufferPointer<Float>) throws -> Void
    ) throws {
        guard let file = fopen(path, "w") else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        defer { fclose(file) }
        var buffer = ""
        func emit(_ text: String) {
            buffer += text
            if buffer.utf8.count > 1 << 20 { flush() }
        }
        func flush() {
            fputs(buffer, file)
            buffer = ""
        }
        let quoted = genres.map { "\"\($0)\"" }.joined(separator: ", ")
        emit("{\"mapping\": [\(quoted)], \"labels\": [")
        var first = true
        for track in tracks {
            for _ in track.segments {
                emit(first ? "\(track.label)" : ", \(track.label)")
                first = false
            }
        }
        emit("], \"\(kind.rawValue)\": [")
        first = true
        var values = [Float](repeating: 0, count: perSegment)
        for (t, track) in tracks.enumerated() {
            for d in track.segments.indices {
                try values.withUnsafeMutableBufferPointer { try segment(t, d, $0) }
                emit(first ? "[" : ", [")
                first = false
                for frame in stride(from: 0, to: perSegment, by: width) {
                    let row = values[frame..<frame + width].map { Double($0).description }.joined(separator: ", ")
                    emit(frame == 0 ? "[\(row)]" : ", [\(row)]")
                }
                emit("]")
            }
        }
        emit("]}")
        flush()
        guard ferror(file) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}
