internal import CSndfile
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Decoding and encoding with libsndfile. The only file that imports `CSndfile`.
public enum Sndfile {
    /// libsndfile's version string, e.g. `libsndfile-1.2.0`.
    public static var version: String { String(cString: sf_version_string()) }

    /// Audio containers GenreKit writes (GTZAN's WAV and AU, and for tests of `predict` the other
    /// formats people bring: AIFF, FLAC, Ogg Vorbis).
    public enum Container: String, Sendable, CaseIterable {
        case wav = "WAV"
        case au = "AU"
        case aiff = "AIFF"
        case flac = "FLAC"
        case ogg = "OGG"
        /// MPEG-1 Layer III, encoded by LAME through libsndfile.
        case mp3 = "MP3"
        /// libsndfile's format code; Ogg is always Vorbis, whatever the encoding asked.
        func format(_ encoding: Encoding) -> Int32 {
            switch self {
            case .wav: Int32(SF_FORMAT_WAV) | encoding.subtype
            case .au: Int32(SF_FORMAT_AU) | encoding.subtype
            case .aiff: Int32(SF_FORMAT_AIFF) | encoding.subtype
            case .flac: Int32(SF_FORMAT_FLAC) | (encoding == .float ? Int32(SF_FORMAT_PCM_24) : encoding.subtype)
            case .ogg: Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)
            case .mp3: Int32(SF_FORMAT_MPEG) | Int32(SF_FORMAT_MPEG_LAYER_III)
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
    ///   - software: the file's "software" tag (WAV's INFO `ISFT`), when given.
    public static func encode(
        samples: [Int16], sampleRate: Int, channels: Int = 1, container: Container = .wav,
        encoding: Encoding = .pcm16, software: String? = nil
    ) throws(AudioError) -> [UInt8] {
        // libsndfile 1.2's stereo 16-bit MP3 writer copies half of each block and leaves the rest
        // stale (libsndfile PR #1106): the file is half noise, and not the same twice. Its float
        // writer is right, and every 16-bit sample is exact as a float.
        if container == .mp3, channels > 1 {
            let floats = samples.map { Float($0) / 32768 }
            return try encode(
                count: floats.count, sampleRate: sampleRate, channels: channels, container: container,
                encoding: encoding, software: software
            ) { handle, frames in floats.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, frames) } }
        }
        return try encode(
            count: samples.count, sampleRate: sampleRate, channels: channels, container: container, encoding: encoding,
            software: software
        ) {
            handle, frames in samples.withUnsafeBufferPointer { sf_writef_short(handle, $0.baseAddress, frames) }
        }
    }

    /// Encodes float samples (full scale 1) into a complete file in memory; with `.float`, the
    /// values are stored as they are (NaN and out-of-range values included).
    public static func encode(
        floats samples: [Float], sampleRate: Int, channels: Int = 1, container: Container = .wav,
        encoding: Encoding = .float
    ) throws(AudioError) -> [UInt8] {
        try encode(
            count: samples.count, sampleRate: sampleRate, channels: channels, container: container, encoding: encoding
        ) {
            handle, frames in samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, frames) }
        }
    }

    private static func encode(
        count: Int, sampleRate: Int, channels: Int, container: Container, encoding: Encoding, software: String? = nil,
        write: (OpaquePointer, sf_count_t) -> sf_count_t
    ) throws(AudioError) -> [UInt8] {
        let file = VirtualFile(bytes: [])
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = container.format(encoding)
        var virtualIO = VirtualFile.callbacks
        let user = Unmanaged.passUnretained(file).toOpaque()
        let opened = SndfileOpen.open { sf_open_virtual(&virtualIO, Int32(SFM_WRITE), &info, user) }
        guard case .success(let handle) = opened else {
            throw .encodeFailed(format: container.rawValue, message: opened.failureMessage)
        }
        // Float data is written as it is, not clipped to full scale.
        sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_FALSE))
        if let software { sf_set_string(handle, Int32(SF_STR_SOFTWARE), software) }
        let frames = count / max(channels, 1)
        let written = write(handle, sf_count_t(frames))
        sf_close(handle)
        guard written == frames else {
            throw .encodeFailed(format: container.rawValue, message: "wrote \(written) of \(frames) frames")
        }
        return withExtendedLifetime(file) { file.bytes }
    }
}

/// An open audio file, read a block of frames at a time: nothing is allocated from what the
/// header says. Only regular files are opened (a FIFO would block the reader forever).
public final class SoundFile {
    /// The file's name, for messages.
    public let name: String
    public let sampleRate: Int
    public let channels: Int
    /// Frames the header promises; nil when unknown (a FLAC with `total_samples` 0) or absurd.
    public let frames: Int?
    /// Container, e.g. `WAV`, `AU`, `AIFF`, `FLAC`.
    public let container: String
    /// Sample encoding, e.g. `PCM_16`, `FLOAT`, `ULAW`.
    public let encoding: String
    /// The widest type that holds the file's samples exactly.
    public let sampleKind: SampleKind
    private let handle: OpaquePointer
    private let memory: VirtualFile?

    /// How samples are read at their full precision.
    public enum SampleKind: Sendable, Equatable {
        /// 8- and 16-bit PCM, μ-law, A-law: 16-bit integers.
        case int16
        /// 24- and 32-bit PCM: 32-bit integers (24-bit ones left-aligned).
        case int32
        /// Float PCM and the lossy codecs (Vorbis, Opus, MP3), which decode to float.
        case float32
        case float64
    }

    /// Opens a file on disk.
    /// - Throws: `AudioError.undecodable` naming the file: not a regular file, or libsndfile
    ///   cannot read it.
    public convenience init(path: String) throws(AudioError) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, message: String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .unreadable(path: path, message: "not a regular file")
        }
        _ = fcntl(fd, F_SETFL, 0)
        var info = SF_INFO()
        let opened = SndfileOpen.open { sf_open_fd(fd, Int32(SFM_READ), &info, Int32(SF_TRUE)) }
        guard case .success(let handle) = opened else {
            close(fd)
            throw .undecodable(path: path, message: opened.failureMessage)
        }
        try self.init(handle: handle, info: info, name: path, memory: nil)
    }

    /// Opens audio held in memory.
    public convenience init(bytes: [UInt8], name: String) throws(AudioError) {
        let file = VirtualFile(bytes: bytes)
        var info = SF_INFO()
        var virtualIO = VirtualFile.callbacks
        let user = Unmanaged.passUnretained(file).toOpaque()
        let opened = SndfileOpen.open { sf_open_virtual(&virtualIO, Int32(SFM_READ), &info, user) }
        guard case .success(let handle) = opened else {
            throw .undecodable(path: name, message: opened.failureMessage)
        }
        try self.init(handle: handle, info: info, name: name, memory: file)
    }

    private init(handle: OpaquePointer, info: SF_INFO, name: String, memory: VirtualFile?) throws(AudioError) {
        self.handle = handle
        self.memory = memory
        self.name = name
        guard info.channels >= 1, info.channels <= Self.maxChannels, info.samplerate >= 1 else {
            sf_close(handle)
            throw .undecodable(path: name, message: "\(info.channels) channels at \(info.samplerate) Hz")
        }
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        frames = info.frames > 0 && info.frames < Int64.max / 1024 ? Int(info.frames) : nil
        let major = Int(info.format) & SF_FORMAT_TYPEMASK
        let subtype = Int(info.format) & SF_FORMAT_SUBMASK
        container = Self.containerName(major)
        encoding = Self.encodingName(subtype)
        sampleKind = Self.kind(subtype)
        bytesPerSample = Self.bytesPerSample(subtype)
        software = sf_get_string(handle, Int32(SF_STR_SOFTWARE)).map { String(String(cString: $0).prefix(200)) }
        // Integer formats scale by 1 / 0x8000 for 16-bit (librosa's int16 / 32768).
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        sf_command(handle, Int32(SFC_SET_NORM_DOUBLE), nil, Int32(SF_TRUE))
    }

    deinit { sf_close(handle) }

    /// More channels than this are refused (a header could claim millions; block buffers scale
    /// with it).
    public static let maxChannels: Int32 = 256

    /// Bytes per stored sample, for the formats whose data size says how many frames there are.
    let bytesPerSample: Int?

    /// The file's "software" tag (WAV's INFO `ISFT`, and the like), at most 200 characters:
    /// `genrekit synth ...` marks the synthetic GTZAN.
    public let software: String?

    /// Reads up to `frames` frames (interleaved) into `buffer`, which holds at least
    /// `frames * channels` values; returns the frames read, 0 at the end.
    public func read(_ buffer: UnsafeMutablePointer<Int16>, frames: Int) -> Int {
        max(0, Int(sf_readf_short(handle, buffer, sf_count_t(frames))))
    }
    public func read(_ buffer: UnsafeMutablePointer<Int32>, frames: Int) -> Int {
        max(0, Int(sf_readf_int(handle, buffer, sf_count_t(frames))))
    }
    public func read(_ buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        max(0, Int(sf_readf_float(handle, buffer, sf_count_t(frames))))
    }
    public func read(_ buffer: UnsafeMutablePointer<Double>, frames: Int) -> Int {
        max(0, Int(sf_readf_double(handle, buffer, sf_count_t(frames))))
    }

    /// The frames a header declares when libsndfile logged that the file holds less: its log
    /// shows `data : 1323000 (should be 812000)` (WAV), `Data Size : ... (should be ...)` (AU)
    /// or `SSND : ... (should be ...)` (AIFF).
    public var declaredFramesBeyondData: Int? {
        guard let size = bytesPerSample else { return nil }
        var log = [CChar](repeating: 0, count: 8192)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            let key = trimmed.prefix { $0 != ":" }.trimmingSuffix(" ").lowercased()
            guard key == "data" || key == "data size" || key == "ssnd", trimmed.contains("(should be") else {
                continue
            }
            // Numbers too large for Int are not a size this file can have: skipped, not trapped on.
            let numbers = trimmed.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if numbers.count >= 2, numbers[0] > numbers[1] { return numbers[0] / (size * channels) }
        }
        return nil
    }

    static func kind(_ subtype: Int) -> SampleKind {
        switch subtype {
        case SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8, SF_FORMAT_PCM_16, SF_FORMAT_ULAW, SF_FORMAT_ALAW: .int16
        case SF_FORMAT_PCM_24, SF_FORMAT_PCM_32: .int32
        case SF_FORMAT_DOUBLE: .float64
        default: .float32
        }
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
        case SF_FORMAT_MPEG: "MPEG"
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
        case SF_FORMAT_MPEG_LAYER_III: "MP3"
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

/// A file in memory for libsndfile's virtual I/O: reads from `bytes`, writes into it. Offsets
/// come from headers libsndfile parses (an RF64 `ds64` size can be 2^63 - 1): every sum is
/// checked, and a seek outside `0...Int32.max` past the data fails instead of trapping.
final class VirtualFile {
    var bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    static func from(_ user: UnsafeMutableRawPointer?) -> VirtualFile {
        Unmanaged<VirtualFile>.fromOpaque(user!).takeUnretainedValue()
    }

    /// Where a seek lands, or nil when it overflows or lands before the start.
    func target(_ offset: sf_count_t, whence: Int32) -> Int? {
        let base =
            switch whence {
            case SEEK_CUR: position
            case SEEK_END: bytes.count
            default: 0
            }
        let (sum, overflow) = Int64(base).addingReportingOverflow(offset)
        guard !overflow, sum >= 0, sum <= Int64(bytes.count) + Int64(Int32.max) else { return nil }
        return Int(sum)
    }

    static let callbacks = SF_VIRTUAL_IO(
        get_filelen: { user in sf_count_t(VirtualFile.from(user).bytes.count) },
        seek: { offset, whence, user in
            let file = VirtualFile.from(user)
            guard let target = file.target(offset, whence: whence) else { return -1 }
            file.position = target
            return sf_count_t(target)
        },
        read: { pointer, count, user in
            let file = VirtualFile.from(user)
            guard count > 0, file.position < file.bytes.count else { return 0 }
            let n = Int(min(Int64(count), Int64(file.bytes.count - file.position)))
            if let pointer {
                file.bytes.withUnsafeBytes { src in
                    pointer.copyMemory(from: src.baseAddress! + file.position, byteCount: n)
                }
            }
            file.position += n
            return sf_count_t(n)
        },
        write: { pointer, count, user in
            let file = VirtualFile.from(user)
            guard count >= 0, count <= Int64(Int32.max), let pointer else { return 0 }
            let n = Int(count)
            let end = file.position + n
            if end > file.bytes.count { file.bytes.append(contentsOf: repeatElement(0, count: end - file.bytes.count)) }
            file.bytes.withUnsafeMutableBytes { dst in
                (dst.baseAddress! + file.position).copyMemory(from: pointer, byteCount: n)
            }
            file.position = end
            return sf_count_t(n)
        },
        tell: { user in sf_count_t(VirtualFile.from(user).position) }
    )
}

/// libsndfile keeps why an open failed in one process-wide error (`sf_strerror(NULL)`), which any
/// other thread's open overwrites ("No Error."): every open and the reading of its error go
/// through one lock, so a failed open's message is its own, the same run to run.
enum SndfileOpen {
    private static let lock = Mutex(())

    struct Failure: Error {
        let message: String
    }

    static func open(_ body: () -> OpaquePointer?) -> Result<OpaquePointer, Failure> {
        lock.withLock { _ in
            guard let handle = body() else { return .failure(Failure(message: String(cString: sf_strerror(nil)))) }
            return .success(handle)
        }
    }
}

extension Result where Failure == SndfileOpen.Failure {
    var failureMessage: String {
        if case .failure(let f) = self { return f.message }
        return ""
    }
}
