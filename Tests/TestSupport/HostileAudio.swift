import Audio
import Zlib

/// Audio files whose headers lie or whose samples are damaged, made byte by byte from honest
/// ones, for the hostile-input tests.
public enum HostileAudio {
    /// An RF64 WAV of 16-bit mono `samples` whose `ds64` chunk declares `dataSize` bytes of audio.
    public static func rf64(samples: [Int16], rate: Int = 22050, dataSize: UInt64) -> [UInt8] {
        let data = samples.flatMap { le(UInt16(bitPattern: $0)) }
        let ds64 =
            Array("ds64".utf8) + le(UInt32(28)) + le(UInt64(data.count + 80)) + le(dataSize)
            + le(UInt64(samples.count)) + le(UInt32(0))
        let fmt =
            Array("fmt ".utf8) + le(UInt32(16)) + le(UInt16(1)) + le(UInt16(1)) + le(UInt32(rate))
            + le(UInt32(rate * 2)) + le(UInt16(2)) + le(UInt16(16))
        return Array("RF64".utf8) + le(UInt32.max) + Array("WAVE".utf8) + ds64 + fmt + Array("data".utf8)
            + le(UInt32.max) + data
    }

    /// A FLAC file whose STREAMINFO says `totalSamples` (36 bits; 0 means "unknown" in the
    /// FLAC format).
    public static func flac(samples: [Int16], rate: Int = 22050, totalSamples: UInt64) throws -> [UInt8] {
        var bytes = try Sndfile.encode(samples: samples, sampleRate: rate, container: .flac)
        // "fLaC", a 4-byte block header, then STREAMINFO: the 36-bit count starts in the low
        // nibble of its byte 13 (file offset 21).
        precondition(Array(bytes.prefix(4)) == Array("fLaC".utf8) && bytes[4] & 0x7F == 0)
        bytes[21] = (bytes[21] & 0xF0) | UInt8(truncatingIfNeeded: totalSamples >> 32) & 0x0F
        for i in 0..<4 { bytes[22 + i] = UInt8(truncatingIfNeeded: totalSamples >> (8 * UInt64(3 - i))) }
        return bytes
    }

    /// An Ogg Vorbis file whose last page claims `granule` samples (what libsndfile reads as the
    /// length), its page checksum recomputed so the lie is well-formed.
    public static func ogg(samples: [Int16], rate: Int = 22050, granule: UInt64) throws -> [UInt8] {
        var bytes = try Sndfile.encode(samples: samples, sampleRate: rate, container: .ogg)
        let capture = Array("OggS".utf8)
        var last = 0
        var i = 0
        while i + 27 <= bytes.count {
            if Array(bytes[i..<i + 4]) == capture { last = i }
            i += 1
        }
        for k in 0..<8 { bytes[last + 6 + k] = UInt8(truncatingIfNeeded: granule >> (8 * UInt64(k))) }
        let segments = Int(bytes[last + 26])
        let body = (0..<segments).reduce(0) { $0 + Int(bytes[last + 27 + $1]) }
        let end = last + 27 + segments + body
        for k in 0..<4 { bytes[last + 22 + k] = 0 }
        let crc = oggCRC(Array(bytes[last..<end]))
        for k in 0..<4 { bytes[last + 22 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        return bytes
    }

    /// Ogg's page checksum: CRC-32 with polynomial 0x04C11DB7, not reflected, initial value 0.
    static func oggCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for b in bytes {
            crc ^= UInt32(b) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        return crc
    }

    /// A float WAV of a sine at `amplitude` (full scale 1), seeded noise added so two seeds
    /// differ.
    public static func floatTone(seconds: Double, amplitude: Float, frequency: Double = 440, seed: UInt64 = 1)
        -> [Float]
    {
        Fixtures.tone(seconds: seconds, frequency: frequency, amplitude: 1, seed: seed).map {
            Float($0) / 32767 * amplitude
        }
    }
}
