import Foundation

/// The feature parameters, named and defaulted as librosa's (`n_fft` is `nFFT`, and so on); the
/// defaults are the reference pipeline's.
public struct MFCCParameters: Codable, Sendable, Equatable {
    public var sampleRate = 22050
    public var nFFT = 2048
    public var hopLength = 512
    public var nMels = 128
    public var nMFCC = 13
    public var fMin = 0.0
    /// `nil` is `sampleRate / 2`.
    public var fMax: Double?
    /// Centre frames on the hop positions, with zero padding of `nFFT / 2` on each side.
    public var center = true
    /// `power_to_db(ref=1, amin=1e-10, top_db=80)`.
    public var amin = 1e-10
    public var topDB = 80.0

    public init() {}

    /// Frames of a signal of `samples` samples: `1 + samples / hopLength` when centred.
    public func frames(samples: Int) -> Int {
        center ? 1 + samples / hopLength : 1 + (samples - nFFT) / hopLength
    }
}

/// MFCCs exactly as `librosa.feature.mfcc` (0.11) computes them: periodic Hann window, centred
/// frames with zero padding, |STFT|^2 (FFTW), Slaney mel filterbank, `power_to_db` over the
/// whole signal, orthonormal DCT-II, first `nMFCC` coefficients.
///
/// An extractor owns its work buffers and FFT plans: make one per thread.
public final class MFCCExtractor {
    public let parameters: MFCCParameters
    public let filterbank: MelFilterbank
    let window: [Float]
    /// `[nMFCC, nMels]` orthonormal DCT-II rows.
    let dct: [Float]
    private var ffts: [Int: BatchFFT] = [:]

    public init(parameters: MFCCParameters = MFCCParameters()) {
        self.parameters = parameters
        filterbank = MelFilterbank(
            sampleRate: parameters.sampleRate, nFFT: parameters.nFFT, nMels: parameters.nMels, fMin: parameters.fMin,
            fMax: parameters.fMax)
        window = Spectral.hann(parameters.nFFT)
        dct = Self.dctII(size: parameters.nMels, rows: parameters.nMFCC)
    }

    /// The mel power spectrogram, `librosa.feature.melspectrogram(power=2)`.
    /// - Parameter samples: mono audio, float (int16 / 32768).
    /// - Returns: `[frames, nMels]`, row-major.
    public func melPower(_ samples: UnsafeBufferPointer<Float>) -> [Float] {
        let p = parameters
        let frames = p.frames(samples: samples.count)
        guard frames > 0 else { return [] }
        let fft = plan(frames: frames)
        let pad = p.center ? p.nFFT / 2 : 0
        // Windowed frames: frame t holds padded[t * hop ..< t * hop + nFFT], zeros outside the signal.
        window.withUnsafeBufferPointer { w in
            for t in 0..<frames {
                let row = fft.input + t * p.nFFT
                let begin = t * p.hopLength - pad
                for j in 0..<p.nFFT {
                    let s = begin + j
                    row[j] = s >= 0 && s < samples.count ? samples[s] * w[j] : 0
                }
            }
        }
        fft.execute()
        let bins = p.nFFT / 2 + 1
        var mel = [Float](repeating: 0, count: frames * p.nMels)
        var power = [Float](repeating: 0, count: bins)
        mel.withUnsafeMutableBufferPointer { out in
            for t in 0..<frames {
                let spectrum = fft.output + 2 * bins * t
                for k in 0..<bins {
                    let re = spectrum[2 * k]
                    let im = spectrum[2 * k + 1]
                    power[k] = re * re + im * im
                }
                for (m, band) in filterbank.bands.enumerated() {
                    var sum: Float = 0
                    for (j, w) in band.weights.enumerated() { sum += w * power[band.start + j] }
                    out[t * p.nMels + m] = sum
                }
            }
        }
        return mel
    }

    /// `power_to_db(mel, ref=1.0, amin, top_db)` over the whole array, in place.
    /// - Parameter mel: `[frames, nMels]`.
    public func powerToDB(_ mel: inout [Float]) {
        let amin = Float(parameters.amin)
        var peak = -Float.infinity
        for i in mel.indices {
            let db = 10 * log10(max(amin, mel[i]))
            mel[i] = db
            peak = max(peak, db)
        }
        let floor = peak - Float(parameters.topDB)
        for i in mel.indices where mel[i] < floor { mel[i] = floor }
    }

    /// MFCCs from a log-mel spectrogram (`librosa.feature.mfcc(S=...)`).
    /// - Parameter logMel: `[frames, nMels]` in dB.
    /// - Returns: `[frames, nMFCC]`.
    public func mfcc(logMel: [Float]) -> [Float] {
        let n = parameters.nMels
        let k = parameters.nMFCC
        let frames = logMel.count / n
        var out = [Float](repeating: 0, count: frames * k)
        logMel.withUnsafeBufferPointer { x in
            dct.withUnsafeBufferPointer { d in
                for t in 0..<frames {
                    for c in 0..<k {
                        var sum: Float = 0
                        for i in 0..<n { sum += d[c * n + i] * x[t * n + i] }
                        out[t * k + c] = sum
                    }
                }
            }
        }
        return out
    }

    /// MFCCs of mono audio.
    /// - Returns: `[frames, nMFCC]`.
    public func mfcc(samples: UnsafeBufferPointer<Float>) -> [Float] {
        var mel = melPower(samples)
        powerToDB(&mel)
        return mfcc(logMel: mel)
    }

    public func mfcc(samples: [Float]) -> [Float] {
        samples.withUnsafeBufferPointer { mfcc(samples: $0) }
    }

    /// The first `rows` rows of the orthonormal DCT-II matrix of `size` (scipy's
    /// `dct(type=2, norm="ortho")`): `cos(pi k (2i + 1) / 2N)`, scaled by `sqrt(1/N)` for k = 0
    /// and `sqrt(2/N)` otherwise. Computed in double.
    /// - Returns: `[rows, size]`.
    static func dctII(size: Int, rows: Int) -> [Float] {
        let n = Double(size)
        var matrix: [Float] = []
        for k in 0..<rows {
            let scale = (k == 0 ? 1 / n : 2 / n).squareRoot()
            for i in 0..<size {
                let angle = Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * n)
                matrix.append(Float(cos(angle) * scale))
            }
        }
        return matrix
    }

    private func plan(frames: Int) -> BatchFFT {
        if let fft = ffts[frames] { return fft }
        let fft = BatchFFT(size: parameters.nFFT, frames: frames)
        ffts[frames] = fft
        return fft
    }
}
