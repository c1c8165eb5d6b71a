import Foundation

/// The reference notebook's `extracted_data.json`: `{"mapping": [genres], "labels": [label per
/// segment], "mfcc": [[[coefficients] per frame] per segment]}`, for existing Keras notebooks.
/// Numbers are written as Python's `json.dump` writes them (the shortest text that reads back as
/// the same double), streamed to the file, so memory stays flat however large it is.
enum ExtractedJSON {
    static func write(
        genres: [String], tracks: [Preparer.Chosen], features: [[Float]], perSegment: Int, nMFCC: Int,
        to path: String
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
        emit("], \"mfcc\": [")
        first = true
        for values in features {
            for start in stride(from: 0, to: values.count, by: perSegment) {
                emit(first ? "[" : ", [")
                first = false
                for frame in stride(from: start, to: start + perSegment, by: nMFCC) {
                    let row = values[frame..<frame + nMFCC].map { Double($0).description }.joined(separator: ", ")
                    emit(frame == start ? "[\(row)]" : ", [\(row)]")
                }
                emit("]")
            }
        }
        emit("]}")
        flush()
        guard ferror(file) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}
