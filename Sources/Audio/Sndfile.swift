import CSndfile
import Zlib

/// Why audio could not be decoded or encoded.
public enum AudioError: Error, CustomStringConvertible, Equatable, Sendable {
    /// libsndfile cannot open or decode the data.
    case undecodable(path: String, message: String)
    /// Encoding to a format failed.
    case encodeFailed(format: String, message: String)

    public var description: String {
        switch self {
        case .undecodable(let path, let message): "\(path): cannot decode audio (\(message))"
        case .encodeFailed(let format, let message): "cannot encode \(format) audio (\(message))"
        }
    }
}

/// What libsndfile says about a file, and what decoding every sample of it found.
public struct AudioProbe: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Container, e.g. `WAV`, `AU`, `AIFF`, `FLAC`.
    public var container: String
    /// Sample encoding, e.g. `PCM_16`, `FLOAT`, `ULAW`.
    public var encoding: String
    /// Frames libsndfile can decode (it quietly shortens files whose header promises more).
    public var frames: Int
    /// Frames actually decoded when every sample was read.
    public var decodedFrames: Int
    /// Frames the header declares, when libsndfile's log shows the header promising more audio
    /// data than the file holds.
    public var declaredFrames: Int?
    /// Largest absolute sample, as a 16-bit value (0...32768).
    public var peak: Int
    /// Root mean square of all samples, full scale = 1.
    public var rms: Double
    /// Samples at the 16-bit full-scale limits (-32768 or 32767).
    public var fullScaleSamples: Int
    /// Fingerprint of the decoded 16-bit samples: CRC-32 and Adler-32 (zlib) and the frame count.
    public var fingerprint: AudioFingerprint

    public var seconds: Double { sampleRate > 0 ? Double(decodedFrames) / Double(sampleRate) : 0 }
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

/// Decoding, probing and encoding with libsndfile. The only file that imports `CSndfile`.
public enum Sndfile {
    /// libsndfile's version string, e.g. `libsndfile-1.2.0`.
    public static var version: String { String(cString: sf_version_string()) }

    /// Opens audio held in memory, decodes every sample and measures it.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - name: the file's name, for messages.
    /// - Throws: `AudioError.undecodable` when libsndfile cannot open the data.
    public static func probe(bytes: [UInt8], name: String) throws(AudioError) -> AudioProbe {
        let file = VirtualFile(bytes: bytes)
        return try withVirtualIO(file, mode: Int32(SFM_READ), name: name) { handle, info throws(AudioError) in
            try measure(handle, info: info, name: name)
        }
    }

    /// Opens a file on disk, decodes every sample and measures it.
    public static func probe(path: String) throws(AudioError) -> AudioProbe {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw .undecodable(path: path, message: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(handle) }
        return try measure(handle, info: info, name: path)
    }

    /// Decodes a file to 32-bit float samples, interleaved, the way librosa loads 16-bit audio
    /// (sample / 32768).
    /// - Returns: the samples `[frames * channels]`, the sample rate and the channel count.
    public static func decodeFloat(path: String) throws(AudioError) -> (
        samples: [Float], sampleRate: Int, channels: Int
    ) {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw .undecodable(path: path, message: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(handle) }
        // Integer formats scale by 1 / 0x8000 (librosa's int16 / 32768); explicit, though the default.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        let count = Int(info.frames) * Int(info.channels)
        var samples = [Float](repeating: 0, count: count)
        let read = samples.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, info.frames) }
        samples.removeSubrange(Int(read) * Int(info.channels)..<count)
        return (samples, Int(info.samplerate), Int(info.channels))
    }

    /// Audio containers GenreKit writes (GTZAN's WAV and AU, and for tests of `predict` the other
    /// formats people bring: AIFF, FLAC, Ogg Vorbis).
    public enum Container: String, Sendable, CaseIterable {
        case wav = "WAV"
        case au = "AU"
        case aiff = "AIFF"
        case flac = "FLAC"
        case ogg = "OGG"
        /// libsndfile's format code; Ogg is always Vorbis, whatever the encoding asked.
        func format(_ encoding: Encoding) -> Int32 {
            switch self {
            case .wav: Int32(SF_FORMAT_WAV) | encoding.subtype
            case .au: Int32(SF_FORMAT_AU) | encoding.subtype
            case .aiff: Int32(SF_FORMAT_AIFF) | encoding.subtype
            case .flac: Int32(SF_FORMAT_FLAC) | (encoding == .float ? Int32(SF_FORMAT_PCM_24) : encoding.subtype)
            case .ogg: Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)
            }
        }
    }

    /// Sample encodings GenreKit writes.
    public enum Encoding: String, Sendable {
        case pcm16 = "PCM_16"
        case pcm24 = "PCM_24"
        case float = "FLOAT"
        var subtype: Int32 {
            switch self {
            case .pcm16: Int32(SF_FORMAT_PCM_16)
            case .pcm24: Int32(SF_FORMAT_PCM_24)
            case .float: Int32(SF_FORMAT_FLOAT)
            }
        }
    }

    /// Encodes 16-bit samples into a complete file in memory.
    /// - Parameters:
    ///   - samples: `[frames * channels]`, interleaved.
    ///   - sampleRate: in Hz.
    ///   - channels: 1 for mono.
    ///   - container: WAV (little-endian), AU (Sun/NeXT, big-endian, as in the Marsyas GTZAN), or
    ///     AIFF, FLAC, Ogg Vorbis.
    ///   - encoding: how samples are stored (16-bit PCM, as GTZAN, unless testing other formats).
    /// - Returns: the file's bytes.
    public static func encode(
        samples: [Int16], sampleRate: Int, channels: Int = 1, container: Container = .wav,
        encoding: Encoding = .pcm16
    ) throws(AudioError) -> [UInt8] {
        let file = VirtualFile(bytes: [])
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = container.format(encoding)
        var virtualIO = VirtualFile.callbacks
        let user = Unmanaged.passUnretained(file).toOpaque()
        guard let handle = sf_open_virtual(&virtualIO, Int32(SFM_WRITE), &info, user) else {
            throw .encodeFailed(format: container.rawValue, message: String(cString: sf_strerror(nil)))
        }
        let frames = samples.count / max(channels, 1)
        let written = samples.withUnsafeBufferPointer { sf_writef_short(handle, $0.baseAddress, sf_count_t(frames)) }
        sf_close(handle)
        guard written == frames else {
            throw .encodeFailed(format: container.rawValue, message: "wrote \(written) of \(frames) frames")
        }
        return withExtendedLifetime(file) { file.bytes }
    }

    private static func withVirtualIO<T>(
        _ file: VirtualFile, mode: Int32, name: String,
        _ body: (OpaquePointer, SF_INFO) throws(AudioError) -> T
    ) throws(AudioError) -> T {
        var info = SF_INFO()
        var virtualIO = VirtualFile.callbacks
        let user = Unmanaged.passUnretained(file).toOpaque()
        guard let handle = sf_open_virtual(&virtualIO, mode, &info, user) else {
            throw .undecodable(path: name, message: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(handle) }
        return try withExtendedLifetime(file) { () throws(AudioError) -> T in try body(handle, info) }
    }

    private static let chunkFrames = 16384

    private static func measure(_ handle: OpaquePointer, info: SF_INFO, name: String) throws(AudioError) -> AudioProbe {
        let channels = Int(info.channels)
        var buffer = [Int16](repeating: 0, count: chunkFrames * max(channels, 1))
        var decoded = 0
        var peak = 0
        var sumSquares = 0.0
        var fullScale = 0
        var crc: UInt32 = 0
        var adler: UInt32 = 1
        while true {
            let n = buffer.withUnsafeMutableBufferPointer {
                Int(sf_readf_short(handle, $0.baseAddress, sf_count_t(chunkFrames)))
            }
            if n <= 0 { break }
            decoded += n
            let samples = n * channels
            buffer.withUnsafeBufferPointer { buf in
                var localPeak: Int32 = 0
                var localSquares: Int64 = 0
                var localFull = 0
                for i in 0..<samples {
                    let s = Int32(buf[i])
                    let a = s < 0 ? -s : s
                    localPeak = max(localPeak, a)
                    localSquares &+= Int64(s * s)
                    localFull &+= (s == 32767 || s == -32768) ? 1 : 0
                }
                peak = max(peak, Int(localPeak))
                sumSquares += Double(localSquares)
                fullScale += localFull
                let bytes = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[0..<samples]))
                crc = Zlib.crc32(bytes, continuing: crc)
                adler = Zlib.adler32(bytes, continuing: adler)
            }
        }
        let totalSamples = decoded * channels
        let rms = totalSamples > 0 ? (sumSquares / Double(totalSamples)).squareRoot() / 32768 : 0
        let bytesPerFrame = bytesPerSample(Int(info.format) & SF_FORMAT_SUBMASK).map { $0 * channels }
        let declared = declaredDataBytes(handle).flatMap { bytes in bytesPerFrame.map { bytes / $0 } }
        return AudioProbe(
            sampleRate: Int(info.samplerate), channels: channels,
            container: containerName(Int(info.format) & SF_FORMAT_TYPEMASK),
            encoding: encodingName(Int(info.format) & SF_FORMAT_SUBMASK),
            frames: Int(info.frames), decodedFrames: decoded, declaredFrames: declared,
            peak: peak, rms: rms, fullScaleSamples: fullScale,
            fingerprint: AudioFingerprint(crc32: crc, adler32: adler, frames: decoded))
    }

    /// The audio data size a header declares, when libsndfile logged that the file holds less:
    /// its log shows `data : 1323000 (should be 812000)` (WAV), `Data Size : ... (should be ...)`
    /// (AU) or `SSND : ... (should be ...)` (AIFF).
    static func declaredDataBytes(_ handle: OpaquePointer) -> Int? {
        var log = [CChar](repeating: 0, count: 8192)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            let key = trimmed.prefix { $0 != ":" }.trimmingSuffix(" ").lowercased()
            guard key == "data" || key == "data size" || key == "ssnd", trimmed.contains("(should be") else {
                continue
            }
            let numbers = trimmed.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if numbers.count >= 2, numbers[0] > numbers[1] { return numbers[0] }
        }
        return nil
    }

    static func bytesPerSample(_ subtype: Int) -> Int? {
        switch subtype {
        case SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8, SF_FORMAT_ULAW, SF_FORMAT_ALAW: 1
        case SF_FORMAT_PCM_16: 2
        case SF_FORMAT_PCM_24: 3
        case SF_FORMAT_PCM_32, SF_FORMAT_FLOAT: 4
        case SF_FORMAT_DOUBLE: 8
        default: nil
        }
    }

    static func containerName(_ major: Int) -> String {
        switch major {
        case SF_FORMAT_WAV: "WAV"
        case SF_FORMAT_AU: "AU"
        case SF_FORMAT_AIFF: "AIFF"
        case SF_FORMAT_FLAC: "FLAC"
        case SF_FORMAT_OGG: "OGG"
        case SF_FORMAT_W64: "W64"
        case SF_FORMAT_RF64: "RF64"
        default: "format 0x\(String(major, radix: 16))"
        }
    }

    static func encodingName(_ subtype: Int) -> String {
        switch subtype {
        case SF_FORMAT_PCM_S8: "PCM_S8"
        case SF_FORMAT_PCM_U8: "PCM_U8"
        case SF_FORMAT_PCM_16: "PCM_16"
        case SF_FORMAT_PCM_24: "PCM_24"
        case SF_FORMAT_PCM_32: "PCM_32"
        case SF_FORMAT_FLOAT: "FLOAT"
        case SF_FORMAT_DOUBLE: "DOUBLE"
        case SF_FORMAT_ULAW: "ULAW"
        case SF_FORMAT_ALAW: "ALAW"
        case SF_FORMAT_VORBIS: "VORBIS"
        case SF_FORMAT_OPUS: "OPUS"
        default: "encoding 0x\(String(subtype, radix: 16))"
        }
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ character: Character) -> Substring {
        var s = self
        while s.last == character { s = s.dropLast() }
        return s
    }
}

/// A file in memory for libsndfile's virtual I/O: reads from `bytes`, writes into it.
final class VirtualFile {
    var bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    static func from(_ user: UnsafeMutableRawPointer?) -> VirtualFile {
        Unmanaged<VirtualFile>.fromOpaque(user!).takeUnretainedValue()
    }

    static let callbacks = SF_VIRTUAL_IO(
        get_filelen: { user in sf_count_t(VirtualFile.from(user).bytes.count) },
        seek: { offset, whence, user in
            let file = VirtualFile.from(user)
            let base =
                switch whence {
                case SEEK_CUR: file.position
                case SEEK_END: file.bytes.count
                default: 0
                }
            file.position = max(0, base + Int(offset))
            return sf_count_t(file.position)
        },
        read: { pointer, count, user in
            let file = VirtualFile.from(user)
            let n = max(0, min(Int(count), file.bytes.count - file.position))
            if n > 0, let pointer {
                file.bytes.withUnsafeBytes { src in
                    pointer.copyMemory(from: src.baseAddress! + file.position, byteCount: n)
                }
            }
            file.position += n
            return sf_count_t(n)
        },
        write: { pointer, count, user in
            let file = VirtualFile.from(user)
            let n = Int(count)
            let end = file.position + n
            if end > file.bytes.count { file.bytes.append(contentsOf: repeatElement(0, count: end - file.bytes.count)) }
            if n > 0, let pointer {
                file.bytes.withUnsafeMutableBytes { dst in
                    (dst.baseAddress! + file.position).copyMemory(from: pointer, byteCount: n)
                }
            }
            file.position = end
            return sf_count_t(n)
        },
        tell: { user in sf_count_t(VirtualFile.from(user).position) }
    )
}
