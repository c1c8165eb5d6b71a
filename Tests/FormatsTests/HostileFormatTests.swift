import Basics
import Formats
import TestSupport
import Testing

/// Files anyone can edit: every size, count and offset in a `.npy` or safetensors header is
/// checked before it is used (issue: hostile and unlucky inputs).
@Suite struct HostileFormatTests {
    static func npy(_ header: String, data: Int = 0) -> [UInt8] {
        var h = header
        let unpadded = 10 + h.utf8.count + 1
        h += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let bytes =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count & 0xFF), UInt8(h.utf8.count >> 8)]
            + Array(h.utf8) + [UInt8](repeating: 0, count: data)
        FuzzSeeds.keep(bytes, as: .npy)
        return bytes
    }

    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 130, 13), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 9223372036854775807), }",
        "{'descr': '<f4', 'fortran_order': True, 'shape': (-3, 130, -13), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, x, 13), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': 12, }",
        "{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': False, }",
        "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
    ])
    func lyingNPYHeadersAreRefused(header: String) {
        #expect(throws: FormatError.self) { try NPY.decode(Self.npy(header, data: 8), name: "x.npy") }
    }

    @Test func honestNPYStillReads() throws {
        let a = try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data: 24))
        #expect(a.shape == [2, 3])
        let scalar = try NPY.decode(Self.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", data: 8))
        #expect(scalar.shape == [] && scalar.count == 1)
        let empty = try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 130, 13), }"))
        #expect(empty.count == 0)
    }

    static func safetensors(_ header: String, data: Int) -> [UInt8] {
        let json = Array(header.utf8)
        let bytes =
            (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json
            + [UInt8](repeating: 0, count: data)
        FuzzSeeds.keep(bytes, as: .safetensors)
        return bytes
    }

    @Test(arguments: [
        #"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}"#,
        #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#,
        #"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, -8]}}"#,
        #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [9223372036854775800, 9223372036854775807]}}"#,
        #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "v": {"dtype": "F32", "shape": [2305843009213693951], "data_offsets": [4, 9223372036854775808]}}"#,
        #"{"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}"#,
    ])
    func lyingSafetensorsAreRefused(header: String) {
        #expect(throws: FormatError.self) { try Safetensors.decode(Self.safetensors(header, data: 8)) }
    }

    @Test func lyingHeaderLengthIsRefused() {
        var bytes = Self.safetensors(#"{}"#, data: 0)
        for i in 0..<8 { bytes[i] = 0xFF }
        #expect(throws: FormatError.self) { try Safetensors.decode(bytes) }
    }
}
