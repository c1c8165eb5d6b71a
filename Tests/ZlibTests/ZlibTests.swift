import CZlib
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

/// libdeflate computes the checksums and inflates; zlib is the reference for both.
@Suite struct DeflateAgainstZlibTests {
    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test(arguments: [0, 1, 15, 64, 1000, 65_537, 1_000_003])
    func checksumsEqualZlibs(count: Int) {
        let bytes = Self.noise(count, seed: UInt64(count))
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            #expect(Zlib.crc32(raw) == UInt32(CZlib.crc32(0, base, UInt32(count))))
            #expect(Zlib.adler32(raw) == UInt32(CZlib.adler32(1, base, UInt32(count))))
            // Continuing from a previous value, as the probes do block by block.
            let half = count / 2
            let first = UnsafeRawBufferPointer(rebasing: raw[..<half])
            let second = UnsafeRawBufferPointer(rebasing: raw[half...])
            #expect(Zlib.crc32(second, continuing: Zlib.crc32(first)) == Zlib.crc32(raw))
            #expect(Zlib.adler32(second, continuing: Zlib.adler32(first)) == Zlib.adler32(raw))
        }
    }

    /// What zlib deflates at any level, libdeflate inflates back; only an exact fit is accepted.
    @Test(arguments: [Int32(0), 1, 6, 9])
    func rawInflaterReadsZlibsStreams(level: Int32) throws {
        let plain = Self.noise(200_000, seed: 5) + [UInt8](repeating: 7, count: 300_000)
        let packed = try Zlib.deflate(plain, level: level, wrapper: .raw)
        let inflater = RawInflater()
        func inflate(_ input: [UInt8], size: Int) -> [UInt8]? {
            var out = [UInt8](repeating: 0, count: size)
            let ok = input.withUnsafeBytes { i in out.withUnsafeMutableBytes { inflater.inflate(i, into: $0) } }
            return ok ? out : nil
        }
        #expect(inflate(packed, size: plain.count) == plain)
        #expect(inflate(packed, size: plain.count - 1) == nil, "a buffer one byte short")
        #expect(inflate(packed, size: plain.count + 1) == nil, "a buffer one byte long")
        #expect(inflate(packed + [0], size: plain.count) == nil, "a byte after the stream")
        #expect(inflate(Array(packed.dropLast()), size: plain.count) == nil, "a stream cut short")
        #expect(inflate([], size: 0) == nil, "no stream at all")
        #expect(inflate(try Zlib.deflate([], wrapper: .raw), size: 0) == [])
    }
}
