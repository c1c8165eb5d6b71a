import Zlib

/// Why audio could not be read, decoded or encoded. Each `description` is one line naming the
/// file.
public enum AudioError: Error, CustomStringConvertible, Codable, Equatable, Sendable {
    /// The file cannot be opened: missing, unreadable, or not a regular file.
    case unreadable(path: String, message: String)
    /// libsndfile cannot open or decode the data.
    case undecodable(path: String, message: String)
    /// The audio decodes but cannot be used as it is (too short, an unusable sample rate).
    case unusable(path: String, message: String)
    /// Encoding to a format failed.
    case encodeFailed(format: String, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let message): "\(path): cannot read it (\(message))"
        case .undecodable(let path, let message): "\(path): cannot decode audio (\(message))"
        case .unusable(let path, let message): "\(path): \(message)"
        case .encodeFailed(let format, let message): "cannot encode \(format) audio (\(message))"
        }
    }
}

/// What libsndfile says about a file, and what decoding every sample of it, in its own sample
/// format, found.
public struct AudioProbe: Codable, Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Container, e.g. `WAV`, `AU`, `AIFF`, `FLAC`.
    public var container: String
    /// Sample encoding, e.g. `PCM_16`, `FLOAT`, `ULAW`.
    public var encoding: String
    /// Frames the header promises; nil when it does not say (a FLAC with `total_samples` 0).
    public var frames: Int?
    /// Frames actually decoded when every sample was read.
    public var decodedFrames: Int
    /// Frames the header declares, when libsndfile's log shows the header promising more audio
    /// data than the file holds.
    public var declaredFrames: Int?
    /// Largest absolute finite sample, full scale = 1.
    public var peak: Double
    /// Root mean square of the finite samples, full scale = 1.
    public var rms: Double
    /// Samples at the format's full-scale limits (integer formats), or at or past 1 (float).
    public var fullScaleSamples: Int
    /// NaN, infinite, or absurdly large (`|x| > AudioProbe.absurdAmplitude`) float samples.
    public var nonFiniteSamples: Int
    /// Fingerprint of the decoded samples at full precision: CRC-32 and Adler-32 (zlib) of
    /// their bytes and the frame count.
    public var fingerprint: AudioFingerprint

    public var seconds: Double { sampleRate > 0 ? Double(decodedFrames) / Double(sampleRate) : 0 }

    /// Float samples beyond this (60 dB over full scale) are not audio but damage.
    public static let absurdAmplitude = 1000.0
}

/// Identifies decoded audio: two tracks with equal fingerprints hold the same samples (the odds
/// of two different 30 s tracks sharing both checksums and the length are about 2^-64).
public struct AudioFingerprint: Hashable, Sendable, Codable, CustomStringConvertible {
    public var crc32: UInt32
    public var adler32: UInt32
    public var frames: Int
    public var description: String {
        "\(String(crc32, radix: 16))-\(String(adler32, radix: 16))-\(frames)"
    }
}

extension Sndfile {
    /// Opens audio held in memory, decodes every sample and measures it.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - name: the file's name, for messages.
    /// - Throws: `AudioError.undecodable` when libsndfile cannot open the data.
    public static func probe(bytes: [UInt8], name: String) throws(AudioError) -> AudioProbe {
        ProbeMeter.measure(try SoundFile(bytes: bytes, name: name))
    }

    /// Opens a file on disk, decodes every sample and measures it.
    public static func probe(path: String) throws(AudioError) -> AudioProbe {
        ProbeMeter.measure(try SoundFile(path: path))
    }
}

/// Measures a file a block at a time in its own sample format: 16-bit files as 16-bit integers
/// (so WAV and AU copies of the same audio share a fingerprint), 24- and 32-bit as 32-bit
/// integers, float files as floats (a float file read as 16-bit would round quiet music to 0).
struct ProbeMeter {
    static let blockFrames = 16384

    var peak = 0.0
    var sumSquares = 0.0
    var fullScale = 0
    var nonFinite = 0
    var crc: UInt32 = 0
    var adler: UInt32 = 1

    static func measure(_ file: SoundFile) -> AudioProbe {
        var meter = ProbeMeter()
        let decoded: Int
        switch file.sampleKind {
        case .int16:
            decoded = meter.run(file, Int16.self, read: file.read, level: int16Level)
        case .int32:
            decoded = meter.run(file, Int32.self, read: file.read) { s in
                (Double(s) / 2_147_483_648, s >= Int32.max - 255 || s == .min)
            }
        case .float32:
            decoded = meter.run(file, Float.self, read: file.read) { s in (Double(s), abs(s) >= 1) }
        case .float64:
            decoded = meter.run(file, Double.self, read: file.read) { s in (s, abs(s) >= 1) }
        }
        return meter.probe(of: file, decoded: decoded)
    }

    /// What the meter measured over `decoded` frames of `file`.
    func probe(of file: SoundFile, decoded: Int) -> AudioProbe {
        let samples = decoded * file.channels - nonFinite
        return AudioProbe(
            sampleRate: file.sampleRate, channels: file.channels, container: file.container, encoding: file.encoding,
            frames: file.frames, decodedFrames: decoded, declaredFrames: file.declaredFramesBeyondData,
            peak: peak, rms: samples > 0 ? (sumSquares / Double(samples)).squareRoot() : 0,
            fullScaleSamples: fullScale, nonFiniteSamples: nonFinite,
            fingerprint: AudioFingerprint(crc32: crc, adler32: adler, frames: decoded))
    }

    /// A 16-bit sample's level and whether it is at full scale.
    static func int16Level(_ s: Int16) -> (Double, Bool) { (Double(s) / 32768, s == .max || s == .min) }

    /// Reads every block and accumulates; `level` gives a sample's value (full scale 1) and
    /// whether it sits at full scale. Returns the frames decoded.
    mutating func run<T>(
        _ file: SoundFile, _: T.Type, read: (UnsafeMutablePointer<T>, Int) -> Int, level: (T) -> (Double, Bool)
    ) -> Int {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: Self.blockFrames * file.channels)
        defer { buffer.deallocate() }
        var decoded = 0
        while true {
            let n = read(buffer.baseAddress!, Self.blockFrames)
            if n <= 0 { break }
            decoded += n
            accumulate(UnsafeBufferPointer(rebasing: buffer[0..<n * file.channels]), level: level)
        }
        return decoded
    }

    /// Adds one block (at most `blockFrames` frames) to the measures.
    mutating func accumulate<T>(_ block: UnsafeBufferPointer<T>, level: (T) -> (Double, Bool)) {
        var localPeak = 0.0
        var localSquares = 0.0
        for s in block {
            let (x, full) = level(s)
            guard x.isFinite, abs(x) <= AudioProbe.absurdAmplitude else {
                nonFinite += 1
                continue
            }
            localPeak = max(localPeak, abs(x))
            localSquares += x * x
            fullScale += full ? 1 : 0
        }
        peak = max(peak, localPeak)
        sumSquares += localSquares
        let bytes = UnsafeRawBufferPointer(block)
        crc = Zlib.crc32(bytes, continuing: crc)
        adler = Zlib.adler32(bytes, continuing: adler)
    }
}

/// The probe of a 16-bit file measured from the blocks another reader decodes
/// (`MonoStream.int16Tap`), so a file is decoded once for both its features and its probe. The
/// samples are summed in the probe's own blocks of `ProbeMeter.blockFrames` frames, so the result
/// equals `Sndfile.probe`'s.
public final class StreamProbe {
    let file: SoundFile
    var meter = ProbeMeter()
    var decoded = 0
    /// The block being filled.
    let block: UnsafeMutableBufferPointer<Int16>
    var filled = 0

    /// Whether `file`'s samples can be measured from a reader's 16-bit blocks: 16-bit samples
    /// whose decoding does not depend on how much is asked for at a time. libsndfile's FLAC
    /// decoder, on a damaged stream, returns different audio for 64 Ki-frame reads than for the
    /// probe's 16 Ki-frame ones (a fuzzed file decoded 53,248 frames one way and 20,480 the other),
    /// so compressed files are probed in a pass of their own, as `validate` reads them.
    public static func canMeasure(_ file: SoundFile) -> Bool {
        file.sampleKind == .int16 && file.container != "FLAC" && !file.encoding.hasPrefix("ALAC")
    }

    public init(_ file: SoundFile) {
        precondition(Self.canMeasure(file), "only 16-bit files are measured from a reader's blocks")
        self.file = file
        block = .allocate(capacity: ProbeMeter.blockFrames * file.channels)
    }

    deinit { block.deallocate() }

    /// Adds interleaved samples as the file's reader decoded them, in order.
    public func add(_ interleaved: UnsafeBufferPointer<Int16>) {
        var start = 0
        while start < interleaved.count {
            let take = min(block.count - filled, interleaved.count - start)
            _ = UnsafeMutableBufferPointer(rebasing: block[filled..<filled + take]).initialize(
                from: interleaved[start..<start + take])
            filled += take
            start += take
            if filled == block.count { flush() }
        }
    }

    /// The probe, once every frame of the file was added.
    public func probe() -> AudioProbe {
        flush()
        return meter.probe(of: file, decoded: decoded)
    }

    private func flush() {
        guard filled > 0 else { return }
        decoded += filled / file.channels
        meter.accumulate(UnsafeBufferPointer(rebasing: block[0..<filled]), level: ProbeMeter.int16Level)
        filled = 0
    }
}
