/// A file's audio as mono float samples at a chosen rate, a block at a time: decoded with
/// libsndfile (integer formats as int / 32768, as librosa loads them), channels averaged,
/// converted with libsamplerate when the rates differ. Memory does not depend on the file's
/// length or on what its header claims.
public final class MonoStream {
    public let file: SoundFile
    /// The rate of the samples handed out.
    public let rate: Int
    /// Frames decoded from the file so far.
    public private(set) var sourceFrames = 0
    /// Samples that were NaN, infinite or absurdly large (they are handed out as they are).
    public private(set) var nonFiniteSamples = 0
    private let resampler: StreamingResampler?
    private var interleaved: [Float]
    private var finished = false

    /// Sees every block of a 16-bit file's interleaved samples as decoded, before they become
    /// floats (a probe measuring the file in the same pass). Set, the stream reads 16-bit
    /// integers and scales them by 1/32768 itself, which gives the floats libsndfile gives.
    public var int16Tap: ((UnsafeBufferPointer<Int16>) -> Void)? {
        didSet { shorts = int16Tap == nil ? [] : [Int16](repeating: 0, count: interleaved.count) }
    }
    private var shorts: [Int16] = []

    /// Frames decoded per block.
    public static let blockFrames = 65536

    /// - Parameters:
    ///   - file: an open file.
    ///   - rate: the rate wanted (the file's own when nil).
    /// - Throws: `AudioError.unusable` when the file's rate cannot be converted.
    public init(_ file: SoundFile, rate: Int? = nil) throws(AudioError) {
        self.file = file
        self.rate = rate ?? file.sampleRate
        resampler =
            self.rate == file.sampleRate
            ? nil : try StreamingResampler(from: file.sampleRate, to: self.rate, name: file.name)
        interleaved = [Float](repeating: 0, count: Self.blockFrames * file.channels)
    }

    /// How the audio is converted, in words (`2 channels mixed down to mono`, `resampled ...`).
    public var conversions: [String] {
        var notes: [String] = []
        if file.channels > 1 { notes.append("\(file.channels) channels mixed down to mono") }
        if resampler != nil {
            notes.append(
                "resampled \(file.sampleRate) Hz -> \(rate) Hz (libsamplerate, \(Resampler.converterName))")
        }
        return notes
    }

    /// The next block of mono samples; empty once the file is exhausted.
    public func next() throws(AudioError) -> [Float] {
        var block: [Float] = []
        try next(appendingTo: &block)
        return block
    }

    /// Appends the next block of mono samples to `samples` (a caller gathering segments keeps
    /// one array, with no block array to copy into it); returns how many, 0 once the file is
    /// exhausted.
    @discardableResult
    public func next(appendingTo samples: inout [Float]) throws(AudioError) -> Int {
        let before = samples.count
        while !finished {
            let channels = file.channels
            let n = readBlock()
            finished = n == 0
            sourceFrames += n
            let decoded = { (all: UnsafeBufferPointer<Float>) in UnsafeBufferPointer(rebasing: all[0..<n * channels]) }
            if let resampler {
                let mono = interleaved.withUnsafeBufferPointer { Resampler.mixdown(decoded($0), channels: channels) }
                nonFiniteSamples += mono.withUnsafeBufferPointer { Self.countAbsurd($0) }
                samples += try resampler.process(mono, last: finished)
            } else {
                interleaved.withUnsafeBufferPointer {
                    Resampler.mixdown(decoded($0), channels: channels, appendingTo: &samples)
                }
                nonFiniteSamples += samples.withUnsafeBufferPointer {
                    Self.countAbsurd(UnsafeBufferPointer(rebasing: $0[before...]))
                }
            }
            if samples.count > before { return samples.count - before }
        }
        return 0
    }

    /// Samples that are NaN, infinite or past `AudioProbe.absurdAmplitude`: one comparison each
    /// (`!(|x| <= limit)` is true for all three), in a loop the compiler vectorises.
    static func countAbsurd(_ samples: UnsafeBufferPointer<Float>) -> Int {
        let limit = Float(AudioProbe.absurdAmplitude)
        var count = 0
        for x in samples where !(abs(x) <= limit) { count &+= 1 }
        return count
    }

    /// Reads the next block into `interleaved`; returns the frames read.
    private func readBlock() -> Int {
        guard let int16Tap, file.sampleKind == .int16 else {
            return interleaved.withUnsafeMutableBufferPointer { file.read($0.baseAddress!, frames: Self.blockFrames) }
        }
        let n = shorts.withUnsafeMutableBufferPointer { file.read($0.baseAddress!, frames: Self.blockFrames) }
        let count = n * file.channels
        shorts.withUnsafeBufferPointer { s in
            int16Tap(UnsafeBufferPointer(rebasing: s[0..<count]))
            interleaved.withUnsafeMutableBufferPointer { f in
                for i in 0..<count { f[i] = Float(s[i]) * (1 / 32768) }
            }
        }
        return n
    }

    /// Seconds decoded from the file so far.
    public var seconds: Double { Double(sourceFrames) / Double(file.sampleRate) }
}

extension Sndfile {
    /// Decodes a file to 32-bit float samples, interleaved, a block at a time (integer formats
    /// as int / 32768, as librosa loads 16-bit audio).
    /// - Parameter maxFrames: decoding stops here, whatever the file holds.
    /// - Returns: the samples `[frames * channels]`, the sample rate and the channel count.
    public static func decodeFloat(path: String, maxFrames: Int = 1 << 26) throws(AudioError) -> (
        samples: [Float], sampleRate: Int, channels: Int
    ) {
        let file = try SoundFile(path: path)
        var samples: [Float] = []
        var block = [Float](repeating: 0, count: MonoStream.blockFrames * file.channels)
        var frames = 0
        while frames < maxFrames {
            let want = min(MonoStream.blockFrames, maxFrames - frames)
            let n = block.withUnsafeMutableBufferPointer { file.read($0.baseAddress!, frames: want) }
            if n == 0 { break }
            samples += block[0..<n * file.channels]
            frames += n
        }
        return (samples, file.sampleRate, file.channels)
    }
}
