import Basics
import Foundation

/// The safetensors format (as the Python `safetensors` package reads it): an 8-byte little-endian
/// header length, a JSON header mapping each tensor name to `dtype`, `shape` and `data_offsets`
/// (relative to the end of the header), an optional `__metadata__` of strings, then the data.
/// GenreKit writes float32 (`F32`) tensors in name order, the header padded with spaces so the
/// data starts on an 8-byte boundary, keys sorted: the same tensors give the same bytes.
public enum Safetensors {
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]]
            offset += 4 * t.values.count
        }
        var json = Array(
            try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) } + json
        bytes.reserveCapacity(bytes.count + offset)
        for name in names { tensors[name]!.values.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// Writes atomically (a temporary name in the same folder, then rename).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(Data(encode(tensors, metadata: metadata)), to: path)
    }

    /// Parses a file's bytes: every tensor and the metadata.
    /// - Throws: `FormatError` for a short or malformed header, a dtype other than F32,
    ///   offsets that do not match the shapes or that overlap, leave gaps or run past the end.
    public static func decode(_ bytes: [UInt8], path: String = "weights.safetensors") throws(FormatError)
        -> (tensors: [String: Tensor], metadata: [String: String])
    {
        func bad(_ message: String) -> FormatError { FormatError(.safetensors, path: path, message) }
        guard bytes.count >= 8 else { throw bad("shorter than the 8-byte header length") }
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard length <= UInt64(bytes.count - 8), length <= 100_000_000 else {
            throw bad("header length \(length) past the end")
        }
        let start = 8 + Int(length)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<start])) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw bad("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw bad("entry '\(name)' lacks dtype, shape or data_offsets") }
            guard dtype == "F32" else { throw bad("entry '\(name)' is \(dtype); GenreKit reads F32") }
            // Every number is checked before arithmetic: sizes that overflow or run backwards.
            guard shape.count <= 8, shape.allSatisfy({ $0 >= 0 }), let size = Self.byteSize(shape),
                offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == size
            else { throw bad("entry '\(name)' has offsets \(offsets) for shape \(shape)") }
            entries.append((name, shape, offsets[0], offsets[1]))
            guard entries.count <= 10_000 else { throw bad("more than 10000 tensors") }
        }
        entries.sort { $0.begin < $1.begin }
        var expected = 0
        for e in entries {
            guard e.begin == expected else { throw bad("entry '\(e.name)' starts at \(e.begin), expected \(expected)") }
            expected = e.end
        }
        guard bytes.count - start == expected else {
            throw bad("the data is \(bytes.count - start) bytes, the header describes \(expected)")
        }
        var tensors: [String: Tensor] = [:]
        for e in entries {
            let values = bytes[(start + e.begin)..<(start + e.end)].withUnsafeBytes { raw in
                (0..<(e.end - e.begin) / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
            }
            tensors[e.name] = Tensor(shape: e.shape, values: values)
        }
        return (tensors, metadata)
    }

    /// Bytes of a float32 tensor of `shape`, or nil if that overflows.
    static func byteSize(_ shape: [Int]) -> Int? {
        var total = 4
        for d in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    public static func read(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError.io(path: path, message: "cannot read the file")
        }
        return try decode(Array(data), path: path)
    }
}
