import CSamplerate

/// Sample-rate conversion with libsamplerate.
public enum Resampler {
    /// The converter used: libsamplerate's best sinc interpolator (SRC_SINC_BEST_QUALITY).
    public static var converterName: String {
        String(cString: src_get_name(Int32(SRC_SINC_BEST_QUALITY)))
    }

    /// libsamplerate's version string.
    public static var version: String { String(cString: src_get_version()) }

    /// Converts mono samples from one rate to another in one call (`src_simple`).
    /// - Parameters:
    ///   - samples: mono, `[frames]`.
    ///   - from: their sample rate in Hz.
    ///   - to: the rate wanted in Hz.
    ///   - name: the file, for the error.
    /// - Returns: `round(frames * to / from)` samples (libsamplerate's count), or `samples`
    ///   unchanged when the rates are equal.
    /// - Throws: `AudioError.undecodable` with libsamplerate's message.
    public static func resample(_ samples: [Float], from: Int, to: Int, name: String) throws(AudioError) -> [Float] {
        guard from != to, !samples.isEmpty else { return samples }
        let ratio = Double(to) / Double(from)
        guard from > 0, to > 0, src_is_valid_ratio(ratio) != 0 else {
            throw .undecodable(path: name, message: "cannot resample \(from) Hz to \(to) Hz")
        }
        var output = [Float](repeating: 0, count: Int((Double(samples.count) * ratio).rounded(.up)) + 16)
        var status: Int32 = 0
        var generated = 0
        samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var data = SRC_DATA()
                data.data_in = input.baseAddress
                data.input_frames = input.count
                data.data_out = out.baseAddress
                data.output_frames = out.count
                data.src_ratio = ratio
                data.end_of_input = 1
                status = src_simple(&data, Int32(SRC_SINC_BEST_QUALITY), 1)
                generated = data.output_frames_gen
            }
        }
        guard status == 0 else {
            throw .undecodable(path: name, message: "libsamplerate: \(String(cString: src_strerror(status)))")
        }
        output.removeSubrange(generated...)
        return output
    }

    /// The mean of the channels of interleaved samples (librosa's `to_mono`).
    /// - Parameters:
    ///   - samples: `[frames * channels]`, interleaved.
    ///   - channels: at least 1.
    /// - Returns: `[frames]`.
    public static func mixdown(_ samples: [Float], channels: Int) -> [Float] {
        guard channels > 1 else { return samples }
        return stride(from: 0, to: samples.count - channels + 1, by: channels).map { start in
            samples[start..<start + channels].reduce(0, +) / Float(channels)
        }
    }
}
