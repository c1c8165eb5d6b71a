import Basics
import Formats
import Foundation
import TestSupport
import Testing

@Suite struct SafetensorsTests {
    let tensors: [String: Tensor] = [
        "lstm.kernel": Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
        "dense0.bias": Tensor(shape: [2], values: [-0.5, 0.25]),
    ]

    @Test func writeReadRoundTrip() throws {
        let dir = TemporaryDirectory()
        try Safetensors.write(tensors, metadata: ["recipe": "lstm-seed"], to: dir.file("w.safetensors"))
        let (back, metadata) = try Safetensors.read(path: dir.file("w.safetensors"))
        #expect(back == tensors)
        #expect(metadata == ["recipe": "lstm-seed"])
        #expect(dir.tree() == ["w.safetensors"])
    }

    /// The published layout: 8-byte little-endian header length, JSON header with dtype, shape
    /// and data_offsets, data in order right after the header.
    @Test func publishedLayout() throws {
        let bytes = Safetensors.encode(tensors)
        let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) })
        #expect((8 + length) % 8 == 0)
        let header = try #require(
            try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + length])) as? [String: [String: Any]])
        #expect(header["dense0.bias"]?["dtype"] as? String == "F32")
        #expect(header["dense0.bias"]?["shape"] as? [Int] == [2])
        #expect(header["dense0.bias"]?["data_offsets"] as? [Int] == [0, 8])
        #expect(header["lstm.kernel"]?["data_offsets"] as? [Int] == [8, 32])
        let data = Array(bytes[(8 + length)...])
        #expect(data.count == 32)
        #expect(data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } == [-0.5, 0.25, 1, 2, 3, 4, 5, 6])
        #expect(Safetensors.encode(tensors) == bytes, "same tensors, same bytes")
    }

    @Test func malformedFilesAreRefused() {
        var bytes = Safetensors.encode(tensors)
        #expect(throws: FormatError.self) { try Safetensors.decode(Array(bytes.prefix(5))) }
        #expect(throws: FormatError.self) { try Safetensors.decode(Array(bytes.dropLast(4))) }
        bytes[0] = 0xFF
        #expect(throws: FormatError.self) { try Safetensors.decode(bytes) }
    }
}

@Suite struct SafetensorsCompatibility {
    /// A file written by the Python package (`safetensors.numpy.save_file`, version 0.4+).
    @Test func readsWhatPythonWrites() throws {
        let path = Fixtures.pythonWrittenSafetensors
        let (tensors, metadata) = try Safetensors.read(path: path)
        #expect(tensors["lstm.kernel"] == Tensor(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]))
        #expect(tensors["dense0.bias"] == Tensor(shape: [2], values: [-0.5, 0.25]))
        #expect(metadata == ["made_by": "safetensors.numpy.save_file"])
    }
}
