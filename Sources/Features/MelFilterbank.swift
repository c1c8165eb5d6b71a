import Foundation

/// Frequency scales and windows as librosa computes them (librosa 0.11).
public enum Spectral {
    /// The periodic Hann window `scipy.signal.get_window("hann", n, fftbins=True)`:
    /// `0.5 - 0.5 cos(2 pi k / n)`, computed in double and rounded to float.
    /// - Returns: `[n]`.
    public static func hann(_ n: Int) -> [Float] {
        (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
    }

    /// `librosa.hz_to_mel(f, htk=False)`: the Slaney scale, linear below 1 kHz, logarithmic above.
    public static func hzToMel(_ hz: Double) -> Double {
        let fSp = 200.0 / 3
        let minLogHz = 1000.0
        let minLogMel = minLogHz / fSp
        let logStep = log(6.4) / 27
        return hz >= minLogHz ? minLogMel + log(hz / minLogHz) / logStep : hz / fSp
    }

    /// `librosa.mel_to_hz(m, htk=False)`.
    public static func melToHz(_ mel: Double) -> Double {
        let fSp = 200.0 / 3
        let minLogHz = 1000.0
        let minLogMel = minLogHz / fSp
        let logStep = log(6.4) / 27
        return mel >= minLogMel ? minLogHz * exp(logStep * (mel - minLogMel)) : fSp * mel
    }
}

/// `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm="slaney")`: triangular
/// filters on the Slaney mel scale, area-normalised, held sparsely (each band covers a few bins).
public struct MelFilterbank: Sendable {
    public let nMels: Int
    public let nBins: Int
    /// For band m: the first bin with a non-zero weight, and the weights from there on.
    public let bands: [(start: Int, weights: [Float])]
    /// The same, flattened for the inner loop: band m's weights are
    /// `weights[offsets[m] ..< offsets[m + 1]]`, applied from bin `starts[m]`.
    let starts: [Int]
    let offsets: [Int]
    let weights: [Float]

    /// - Parameters: as librosa; `fMax` defaults to `sampleRate / 2`.
    public init(sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double = 0, fMax: Double? = nil) {
        self.nMels = nMels
        nBins = nFFT / 2 + 1
        // np.fft.rfftfreq(n_fft, 1 / sr)
        let step = 1 / (Double(nFFT) * (1 / Double(sampleRate)))
        let fftFreqs = (0..<nBins).map { Double($0) * step }
        // mel_frequencies(n_mels + 2, fmin, fmax): np.linspace over mels, then back to Hz.
        let lo = Spectral.hzToMel(fMin)
        let hi = Spectral.hzToMel(fMax ?? Double(sampleRate) / 2)
        let count = nMels + 2
        let melStep = (hi - lo) / Double(count - 1)
        let melF = (0..<count).map { i in Spectral.melToHz(i == count - 1 ? hi : lo + Double(i) * melStep) }
        var bands: [(Int, [Float])] = []
        for m in 0..<nMels {
            let lowerWidth = melF[m + 1] - melF[m]
            let upperWidth = melF[m + 2] - melF[m + 1]
            // Slaney normalisation: 2 / (upper edge - lower edge), applied to the float32 weights
            // in double, as `weights *= enorm[:, None]` does in numpy.
            let norm = 2 / (melF[m + 2] - melF[m])
            var start = -1
            var weights: [Float] = []
            for k in 0..<nBins {
                let lower = -(melF[m] - fftFreqs[k]) / lowerWidth
                let upper = (melF[m + 2] - fftFreqs[k]) / upperWidth
                let triangle = Float(max(0, min(lower, upper)))  // stored as float32 by librosa
                let w = Float(Double(triangle) * norm)
                if w != 0 {
                    if start < 0 { start = k }
                    weights.append(contentsOf: repeatElement(0, count: k - start - weights.count))
                    weights.append(w)
                }
            }
            bands.append((max(start, 0), weights))
        }
        self.bands = bands
        starts = bands.map(\.0)
        offsets = bands.reduce(into: [0]) { $0.append($0.last! + $1.1.count) }
        weights = bands.flatMap(\.1)
    }

    /// Mel power of many frames: `out[t, m]` is the sum of `weight * power[bin, t]` over band
    /// m's bins, in bin order, computed for eight frames at a time.
    /// - Parameters:
    ///   - power: `[nBins, chunks]` of eight-frame vectors.
    ///   - frames: frames to write (at most `chunks * 8`).
    ///   - out: `[frames, nMels]`.
    func apply(
        _ power: UnsafePointer<SIMD8<Float>>, chunks: Int, frames: Int, into out: UnsafeMutablePointer<Float>
    ) {
        starts.withUnsafeBufferPointer { starts in
            offsets.withUnsafeBufferPointer { offsets in
                weights.withUnsafeBufferPointer { weights in
                    for m in 0..<nMels {
                        let first = offsets[m]
                        let count = offsets[m &+ 1] &- first
                        let rows = power + starts[m] &* chunks
                        for c in 0..<chunks {
                            var sum = SIMD8<Float>.zero
                            for j in 0..<count {
                                sum += SIMD8(repeating: weights[first &+ j]) * rows[j &* chunks &+ c]
                            }
                            for lane in 0..<min(8, frames &- c &* 8) { out[(c &* 8 &+ lane) &* nMels &+ m] = sum[lane] }
                        }
                    }
                }
            }
        }
    }

    /// The dense matrix `[nMels, nBins]`, as librosa returns it.
    public var dense: [Float] {
        var out = [Float](repeating: 0, count: nMels * nBins)
        for (m, band) in bands.enumerated() {
            for (j, w) in band.weights.enumerated() { out[m * nBins + band.start + j] = w }
        }
        return out
    }
}
