import Foundation
import Testing
import Zlib

@Suite struct ZlibTests {
    /// The standard check values of the two checksums.
    @Test func knownAnswers() {
        #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Array("Wikipedia".utf8).withUnsafeBytes { Zlib.adler32($0) } == 0x11E6_0398)
        // Continuing over two pieces equals one pass.
        let whole = Array("hello, world".utf8)
        #expect(Zlib.crc32(Array(whole[6...]), continuing: Zlib.crc32(Array(whole[..<6]))) == Zlib.crc32(whole))
    }

    @Test func deflateCompressesWithGzipFraming() throws {
        let input = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 / 7) }
        let packed = try Zlib.deflate(input, wrapper: .gzip)
        #expect(packed.count < input.count / 4)
        #expect(packed.prefix(2) == [0x1F, 0x8B])
    }
}
