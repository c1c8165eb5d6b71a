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
/// whole signal, orthonormal DCT-II, first `nMFCC` coefficients. Each stage is usable alone,
/// as librosa's are: `powerSpectrogram`, `melspectrogram(S:)`, `powerToDB`, `mfcc(S:)`
/// (`melPower` and `mfcc(samples:)` run them fused, with the same numbers).
///
/// An extractor owns its work buffers and FFT plans: make one per thread.
public final class MFCCExtractor {
    public let parameters: MFCCParameters
    public let filterbank: MelFilterbank
    let window: [Float]
    /// The orthonormal DCT-II, transposed and padded to eight columns at a time:
    /// `[nMels, ceil(nMFCC / 8) * 8]`.
    let dctColumns: [Float]
    private lazy var blockFFT = BatchFFT(size: parameters.nFFT, frames: Self.block)
    /// One block's power spectrum, `[bins]` of eight frames each (`melPower`).
    private var tile: [SIMD8<Float>] = []
    private var powerT: [Float] = []

    public init(parameters: MFCCParameters = MFCCParameters()) {
        self.parameters = parameters
        filterbank = MelFilterbank(
            sampleRate: parameters.sampleRate, nFFT: parameters.nFFT, nMels: parameters.nMels, fMin: parameters.fMin,
            fMax: parameters.fMax)
        window = Spectral.hann(parameters.nFFT)
        let dct = Self.dctII(size: parameters.nMels, rows: parameters.nMFCC)
        let width = (parameters.nMFCC + 7) / 8 * 8
        var columns = [Float](repeating: 0, count: parameters.nMels * width)
        for c in 0..<parameters.nMFCC {
            for i in 0..<parameters.nMels { columns[i * width + c] = dct[c * parameters.nMels + i] }
        }
        dctColumns = columns

    }

    /// The power spectrogram, `np.abs(librosa.stft(y, n_fft, hop_length, window="hann",
    /// center, pad_mode="constant"))**2`, transposed.
    /// - Parameter samples: mono audio, float (int16 / 32768).
    /// - Returns: `[frames, nFFT / 2 + 1]`, row-major.
    public func powerSpectrogram(_ samples: UnsafeBufferPointer<Float>) -> [Float] {
        let bins = parameters.nFFT / 2 + 1
        var power = [Float](repeating: 0, count: max(parameters.frames(samples: samples.count), 0) * bins)
        power.withUnsafeMutableBufferPointer { power in
            spectra(samples) { first, count, fft in
                for lane in 0..<count {
                    let spectrum = fft.output + lane * fft.outputStride
                    let row = power.baseAddress! + (first + lane) * bins
                    for k in 0..<bins {
                        let re = spectrum[2 &* k]
                        let im = spectrum[2 &* k &+ 1]
                        row[k] = re * re + im * im
                    }
                }
            }
        }
        return power
    }

    /// The mel spectrogram of a power spectrogram, `librosa.feature.melspectrogram(S=...)`.
    /// - Parameter power: `[frames, nFFT / 2 + 1]`, as `powerSpectrogram` returns it.
    /// - Returns: `[frames, nMels]`.
    public func melspectrogram(S power: [Float]) -> [Float] {
        let bins = parameters.nFFT / 2 + 1
        let frames = power.count / bins
        return melFromTransposedPower(frames: frames) { powerT, stride in
            for t in 0..<frames { for k in 0..<bins { powerT[k &* stride &+ t] = power[t * bins + k] } }
        }
    }

    /// The mel power spectrogram, `librosa.feature.melspectrogram(y=..., power=2)`: the same
    /// numbers as `melspectrogram(S: powerSpectrogram(samples))`, without the intermediate array.
    /// - Parameter samples: mono audio, float (int16 / 32768).
    /// - Returns: `[frames, nMels]`, row-major.
    public func melPower(_ samples: UnsafeBufferPointer<Float>) -> [Float] {
        let frames = parameters.frames(samples: samples.count)
        guard frames > 0 else { return [] }
        let bins = parameters.nFFT / 2 + 1
        let nMels = parameters.nMels
        if tile.count < bins { tile = [SIMD8<Float>](repeating: .zero, count: bins) }
        var mel = [Float](repeating: 0, count: frames * nMels)
        tile.withUnsafeMutableBufferPointer { tile in
            let tile = tile.baseAddress!
            mel.withUnsafeMutableBufferPointer { out in
                spectra(samples) { first, count, fft in
                    Self.power(of: fft, frames: count, bins: bins, into: tile)
                    filterbank.apply(tile, chunks: 1, frames: count, into: out.baseAddress! + first * nMels)
                }
            }
        }
        return mel
    }

    /// The block's power `re * re + im * im`, bin by bin with its frames side by side (the
    /// filterbank's input): eight bins of each frame at a time, turned into eight frames of each
    /// bin by an 8 x 8 transpose. Frames past `frames` (a last, short block) are zeros.
    private static func power(
        of fft: BatchFFT, frames: Int, bins: Int, into tile: UnsafeMutablePointer<SIMD8<Float>>
    ) {
        var k = 0
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 8) { rows in
            let rows = rows.baseAddress!
            rows.initialize(repeating: .zero, count: 8)
            while k &+ 8 <= bins {
                for lane in 0..<frames {
                    let offset: Int = lane &* fft.outputStride &+ 2 &* k
                    let pairs = UnsafeRawPointer(fft.output + offset).loadUnaligned(as: SIMD16<Float>.self)
                    let re = pairs.evenHalf
                    let im = pairs.oddHalf
                    rows[lane] = re * re + im * im
                }
                Self.transpose8(rows, into: tile + k)
                k &+= 8
            }
        }
        // The bins left over (1 for nFFT 2048), one at a time.
        while k < bins {
            var column = SIMD8<Float>.zero
            for lane in 0..<frames {
                let spectrum = fft.output + lane &* fft.outputStride
                let re = spectrum[2 &* k]
                let im = spectrum[2 &* k &+ 1]
                column[lane] = re * re + im * im
            }
            tile[k] = column
            k &+= 1
        }
    }

    /// `out[j][i] = rows[i][j]` for an 8 x 8 block: three rounds of taking the even then the odd
    /// elements of the 64 values (each round moves the index's lowest bit to the top; three
    /// rounds swap its row and column bits).
    @inline(__always)
    private static func transpose8(
        _ rows: UnsafeMutablePointer<SIMD8<Float>>, into out: UnsafeMutablePointer<SIMD8<Float>>
    ) {
        var a = (rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7])
        for _ in 0..<3 {
            let p0 = SIMD16(lowHalf: a.0, highHalf: a.1)
            let p1 = SIMD16(lowHalf: a.2, highHalf: a.3)
            let p2 = SIMD16(lowHalf: a.4, highHalf: a.5)
            let p3 = SIMD16(lowHalf: a.6, highHalf: a.7)
            a = (p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf, p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf)
        }
        out[0] = a.0
        out[1] = a.1
        out[2] = a.2
        out[3] = a.3
        out[4] = a.4
        out[5] = a.5
        out[6] = a.6
        out[7] = a.7
    }

    /// Frames go through the FFT this many at a time: windowed, transformed and squared while
    /// their buffers are in cache. Eight: one block is one `SIMD8` of the filterbank's input.
    static let block = 8

    /// Windows the centred, zero-padded frames of `samples` a block at a time, transforms them
    /// (FFTW) and hands each block to `body`: its first frame, its frame count, and the plan
    /// holding its spectra (row `i` of `output` is frame `first + i`).
    private func spectra(
        _ samples: UnsafeBufferPointer<Float>, _ body: (_ first: Int, _ count: Int, _ fft: BatchFFT) -> Void
    ) {
        let p = parameters
        let frames = p.frames(samples: samples.count)
        guard frames > 0, let base = samples.baseAddress else { return }
        let fft = blockFFT
        let pad = p.center ? p.nFFT / 2 : 0
        let n = p.nFFT
        window.withUnsafeBufferPointer { w in
            let w = w.baseAddress!
            for first in stride(from: 0, to: frames, by: Self.block) {
                let count = min(Self.block, frames - first)
                // Frame t holds padded[t * hop ..< t * hop + nFFT], zeros outside the signal.
                for lane in 0..<count {
                    let row = fft.input + lane * fft.inputStride
                    let begin = (first + lane) * p.hopLength - pad
                    if begin >= 0, begin + n <= samples.count {
                        let source = base + begin
                        for j in 0..<n { row[j] = source[j] * w[j] }
                    } else {
                        for j in 0..<n {
                            let s = begin + j
                            row[j] = s >= 0 && s < samples.count ? base[s] * w[j] : 0
                        }
                    }
                }
                fft.execute(rows: count)
                body(first, count, fft)
            }
        }
    }

    /// The filterbank over a power spectrogram that `fill` writes laid out `[bins, frames]`
    /// (frames padded to a multiple of 8, the row stride it is given), so the filterbank runs
    /// over eight frames at once; each sum still goes over its bins in order.
    private func melFromTransposedPower(
        frames: Int, fill: (UnsafeMutablePointer<Float>, _ stride: Int) -> Void
    ) -> [Float] {
        let bins = parameters.nFFT / 2 + 1
        let chunks = (frames + 7) / 8
        let stride = chunks * 8
        if powerT.count < bins * stride { powerT = [Float](repeating: 0, count: bins * stride) }
        var mel = [Float](repeating: 0, count: frames * parameters.nMels)
        powerT.withUnsafeMutableBufferPointer { powerT in
            let powerT = powerT.baseAddress!
            fill(powerT, stride)
            mel.withUnsafeMutableBufferPointer { out in
                filterbank.apply(
                    UnsafeRawPointer(powerT).assumingMemoryBound(to: SIMD8<Float>.self), chunks: chunks, frames: frames,
                    into: out.baseAddress!)
            }
        }
        return mel
    }

    /// `power_to_db(mel, ref=1.0, amin, top_db)` over the whole array, in place (eight values
    /// at a time, `VectorLog`).
    /// - Parameter mel: `[frames, nMels]`.
    public func powerToDB(_ mel: inout [Float]) {
        let amin = SIMD8<Float>(repeating: Float(parameters.amin))
        var peak = SIMD8<Float>(repeating: -.infinity)
        let ten = SIMD8<Float>(repeating: 10)
        let count = mel.count
        mel.withUnsafeMutableBufferPointer { m in
            guard let base = m.baseAddress else { return }
            let raw = UnsafeMutableRawPointer(base)
            for i in stride(from: 0, to: count, by: 8) {
                let n = min(8, count - i)
                var v = amin
                if n == 8 {
                    v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                } else {
                    for j in 0..<n { v[j] = base[i + j] }
                }
                let db = ten * VectorLog.log10(v.replacing(with: amin, where: .!(v .> amin)))
                if n == 8 {
                    raw.storeBytes(of: db, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                    peak.replace(with: db, where: db .> peak)
                } else {
                    for j in 0..<n {
                        base[i + j] = db[j]
                        peak[0] = max(peak[0], db[j])
                    }
                }
            }
        }
        let floor = peak.max() - Float(parameters.topDB)
        mel.withUnsafeMutableBufferPointer { m in
            for i in m.indices where m[i] < floor { m[i] = floor }
        }
    }

    /// MFCCs from a log-power mel spectrogram (`librosa.feature.mfcc(S=...)`).
    /// - Parameter logMel: `[frames, nMels]` in dB, as `powerToDB` leaves it.
    /// - Returns: `[frames, nMFCC]`.
    public func mfcc(S logMel: [Float]) -> [Float] {
        let n = parameters.nMels
        let k = parameters.nMFCC
        let chunks = dctColumns.count / (n * 8)
        let frames = logMel.count / n
        var out = [Float](repeating: 0, count: frames * k)
        // out[c] = sum over i of dct[c, i] * x[i], i in order, eight coefficients at a time. Four
        // frames share each column load, and their sums stay in registers: four independent
        // chains instead of one (each sum's order, and so its value, is unchanged).
        logMel.withUnsafeBufferPointer { x in
            dctColumns.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { out in
                    let x = x.baseAddress!
                    let out = out.baseAddress!
                    let columns = UnsafeRawPointer(d.baseAddress!).assumingMemoryBound(to: SIMD8<Float>.self)
                    var t = 0
                    while t < frames {
                        let group = min(4, frames &- t)
                        // A short last group repeats its last frame; only `group` frames are written.
                        let r0 = x + t &* n
                        let r1 = x + (t &+ min(1, group &- 1)) &* n
                        let r2 = x + (t &+ min(2, group &- 1)) &* n
                        let r3 = x + (t &+ min(3, group &- 1)) &* n
                        for c in 0..<chunks {
                            var s0 = SIMD8<Float>.zero
                            var s1 = SIMD8<Float>.zero
                            var s2 = SIMD8<Float>.zero
                            var s3 = SIMD8<Float>.zero
                            for i in 0..<n {
                                let column = columns[i &* chunks &+ c]
                                s0 += SIMD8(repeating: r0[i]) * column
                                s1 += SIMD8(repeating: r1[i]) * column
                                s2 += SIMD8(repeating: r2[i]) * column
                                s3 += SIMD8(repeating: r3[i]) * column
                            }
                            let lanes = min(8, k &- c &* 8)
                            func store(_ sum: SIMD8<Float>, _ g: Int) {
                                guard g < group else { return }
                                for lane in 0..<lanes { out[(t &+ g) &* k &+ c &* 8 &+ lane] = sum[lane] }
                            }
                            store(s0, 0)
                            store(s1, 1)
                            store(s2, 2)
                            store(s3, 3)
                        }
                        t &+= group
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
        return mfcc(S: mel)
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
}
