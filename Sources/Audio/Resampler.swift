internal import CSamplerate

/// Sample-rate conversion with libsamplerate's best sinc interpolator (SRC_SINC_BEST_QUALITY).
public enum Resampler {
    public static var converterName: String {
        String(cString: src_get_name(Int32(SRC_SINC_BEST_QUALITY)))
    }

    /// libsamplerate's version string.
    public static var version: String { String(cString: src_get_version()) }

    /// Source rates GenreKit converts from. Below 8 kHz a file is not music at a usable rate (a
    /// 2 MB WAV at 100 Hz would become 880 MB at 22050 Hz), and libsamplerate's ratio is at most
    /// 256 either way.
    public static let supportedRates = 8000...384_000

    /// Converts mono samples from one rate to another in one pass.
    /// - Parameters:
    ///   - samples: mono, `[frames]`.
    ///   - from: their sample rate in Hz.
    ///   - to: the rate wanted in Hz.
    ///   - name: the file, for the error.
    /// - Returns: `round(frames * to / from)` samples (libsamplerate's count), or `samples`
    ///   unchanged when the rates are equal.
    /// - Throws: `AudioError.unusable` for a rate outside `supportedRates`.
    public static func resample(_ samples: [Float], from: Int, to: Int, name: String) throws(AudioError) -> [Float] {
        guard from != to, !samples.isEmpty else { return samples }
        let converter = try StreamingResampler(from: from, to: to, name: name)
        return try converter.process(samples, last: true)
    }

    /// The mean of the channels of interleaved samples (librosa's `to_mono`).
    /// - Parameters:
    ///   - samples: `[frames * channels]`, interleaved.
    ///   - channels: at least 1.
    /// - Returns: `[frames]`.
    public static func mixdown(_ samples: [Float], channels: Int) -> [Float] {
        samples.withUnsafeBufferPointer { mixdown($0, channels: channels) }
    }

    /// The mean of the channels of interleaved samples, summed in channel order.
    public static func mixdown(_ samples: UnsafeBufferPointer<Float>, channels: Int) -> [Float] {
        var mono: [Float] = []
        mixdown(samples, channels: channels, appendingTo: &mono)
        return mono
    }

    /// `mixdown`, appended to `mono` (no array of its own for the caller to copy).
    public static func mixdown(_ samples: UnsafeBufferPointer<Float>, channels: Int, appendingTo mono: inout [Float]) {
        guard channels > 1 else { return mono.append(contentsOf: samples) }
        let frames = samples.count / channels
        mono.reserveCapacity(mono.count + frames)
        for f in 0..<frames {
            var sum: Float = 0
            for c in 0..<channels { sum += samples[f * channels + c] }
            mono.append(sum / Float(channels))
        }
    }
}

/// A rate converter fed a block at a time (libsamplerate's `src_process`), so a long file never
/// has to be in memory at once. Output is what one `src_simple` call over the whole input gives.
public final class StreamingResampler {
    private let state: OpaquePointer
    private let ratio: Double
    private let name: String

    /// - Throws: `AudioError.unusable` when `from` is outside `Resampler.supportedRates` or
    ///   libsamplerate refuses the ratio.
    public init(from: Int, to: Int, name: String) throws(AudioError) {
        guard Resampler.supportedRates.contains(from), to > 0 else {
            throw .unusable(
                path: name,
                message:
                    "sample rate \(from) Hz: GenreKit converts audio of \(Resampler.supportedRates.lowerBound) to \(Resampler.supportedRates.upperBound) Hz"
            )
        }
        ratio = Double(to) / Double(from)
        var error: Int32 = 0
        guard src_is_valid_ratio(ratio) != 0, let s = src_new(Int32(SRC_SINC_BEST_QUALITY), 1, &error) else {
            throw .unusable(path: name, message: "cannot resample \(from) Hz to \(to) Hz")
        }
        state = s
        self.name = name
    }

    deinit { src_delete(state) }

    /// Converts the next block; `last` flushes what the filter still holds.
    public func process(_ input: [Float], last: Bool) throws(AudioError) -> [Float] {
        var output: [Float] = []
        output.reserveCapacity(Int((Double(input.count) * ratio).rounded(.up)) + 64)
        var consumed = 0
        var chunk = [Float](repeating: 0, count: 8192)
        while true {
            var data = SRC_DATA()
            var status: Int32 = 0
            var generated = 0
            var used = 0
            input.withUnsafeBufferPointer { inBuf in
                chunk.withUnsafeMutableBufferPointer { out in
                    data.data_in = inBuf.baseAddress.map { $0 + consumed }
                    data.input_frames = inBuf.count - consumed
                    data.data_out = out.baseAddress
                    data.output_frames = out.count
                    data.src_ratio = ratio
                    data.end_of_input = last ? 1 : 0
                    status = src_process(state, &data)
                    generated = data.output_frames_gen
                    used = data.input_frames_used
                }
            }
            guard status == 0 else {
                throw .unusable(path: name, message: "libsamplerate: \(String(cString: src_strerror(status)))")
            }
            consumed += used
            output += chunk[0..<generated]
            if consumed >= input.count && (generated == 0 || !last) { break }
        }
        return output
    }
}
