import Audio
import Features

/// Decodes an audio file (any format libsndfile reads) to mono float samples at its own rate,
/// as `librosa.load(path, sr=None, mono=True)` does: integer formats as int / 32768, channels
/// averaged.
/// - Returns: the samples and their rate; at most 2^26 frames (50 minutes at 22050 Hz) are read.
/// - Throws: `GenreKitError` naming the file when it cannot be read or decoded.
public func load(_ path: String) throws(GenreKitError) -> (y: [Float], sr: Int) {
    try wrapped {
        let (interleaved, rate, channels) = try Sndfile.decodeFloat(path: path)
        guard channels > 1 else { return (interleaved, rate) }
        let frames = interleaved.count / channels
        let y = (0..<frames).map { f in
            interleaved[(f * channels)..<((f + 1) * channels)].reduce(0, +) / Float(channels)
        }
        return (y, rate)
    }
}

/// A feature matrix: one row per frame, `width` values per row (MFCC coefficients or mel
/// bands), row-major, as `genrekit prepare` stores one segment (`[frames, width]`; librosa's
/// arrays are the transpose, `[width, frames]`).
public struct FeatureMatrix: Sendable, Equatable {
    public let frames: Int
    public let width: Int
    /// `frames * width` values, frame after frame.
    public let values: [Float]

    /// The value of `column` in `frame`.
    public subscript(frame: Int, column: Int) -> Float { values[frame * width + column] }
}

/// The MFCCs of `y`, as `librosa.feature.mfcc(y=y, sr=sr, n_mfcc=nMFCC, n_fft=nFFT,
/// hop_length=hopLength, n_mels=nMels)` computes them (Slaney mel filters, `power_to_db` with
/// `ref=1.0, amin=1e-10, top_db=80`, DCT type 2 with orthonormal scaling, centred frames with
/// zero padding), within 1e-3 of librosa 0.11.
/// - Parameters:
///   - y: mono samples, full scale 1.
///   - sr: their sample rate in Hz (no resampling is done here).
///   - nMFCC: coefficients per frame.
///   - nFFT: the FFT length (a Hann window of this length).
///   - hopLength: samples between frames.
///   - nMels: mel bands before the DCT.
/// - Returns: `[1 + y.count / hopLength, nMFCC]`.
/// - Throws: `GenreKitError` for parameters out of GenreKit's bounds.
public func mfcc(
    y: [Float], sr: Int = 22050, nMFCC: Int = 13, nFFT: Int = 2048, hopLength: Int = 512, nMels: Int = 128
) throws(GenreKitError) -> FeatureMatrix {
    let p = try parameters(sr: sr, nFFT: nFFT, hopLength: hopLength, nMels: nMels, nMFCC: nMFCC, count: y.count)
    let values = MFCCExtractor(parameters: p).mfcc(samples: y)
    return FeatureMatrix(frames: p.frames(samples: y.count), width: nMFCC, values: values)
}

/// The log-mel spectrogram of `y` in dB, as `librosa.power_to_db(librosa.feature.melspectrogram(
/// y=y, sr=sr, n_fft=nFFT, hop_length=hopLength, n_mels=nMels), ref=1.0, amin=1e-10,
/// top_db=80.0)` computes it, within 0.01 dB of librosa 0.11.
/// - Parameters:
///   - y: mono samples, full scale 1.
///   - sr: their sample rate in Hz (no resampling is done here).
///   - nFFT: the FFT length (a Hann window of this length).
///   - hopLength: samples between frames.
///   - nMels: mel bands.
/// - Returns: `[1 + y.count / hopLength, nMels]`.
/// - Throws: `GenreKitError` for parameters out of GenreKit's bounds.
public func logMel(
    y: [Float], sr: Int = 22050, nFFT: Int = 2048, hopLength: Int = 512, nMels: Int = 128
) throws(GenreKitError) -> FeatureMatrix {
    let p = try parameters(sr: sr, nFFT: nFFT, hopLength: hopLength, nMels: nMels, nMFCC: 13, count: y.count)
    let values = y.withUnsafeBufferPointer { MFCCExtractor(parameters: p).logMel(samples: $0) }
    return FeatureMatrix(frames: p.frames(samples: y.count), width: nMels, values: values)
}

private func parameters(sr: Int, nFFT: Int, hopLength: Int, nMels: Int, nMFCC: Int, count: Int) throws(GenreKitError)
    -> MFCCParameters
{
    var p = MFCCParameters()
    (p.sampleRate, p.nFFT, p.hopLength, p.nMels, p.nMFCC) = (sr, nFFT, hopLength, nMels, nMFCC)
    do { try p.check() } catch { throw GenreKitError(error) }
    guard count <= 1 << 30 else { throw GenreKitError(message: "y: \(count) samples; at most 2^30 are taken at once") }
    return p
}
