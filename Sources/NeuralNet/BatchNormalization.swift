import Basics
import Foundation

/// Keras's `BatchNormalization(momentum, epsilon)` over the last axis (channels last).
///
/// Training: each channel is normalised by the batch's mean and (biased) variance over every
/// other axis, then scaled by `gamma` and shifted by `beta`; the moving statistics move toward
/// the batch's, `moving = moving * momentum + batch * (1 - momentum)`. Inference: the moving
/// statistics instead. Weights as Keras names them: `gamma`, `beta` (trained), `moving_mean`,
/// `moving_variance` (not trained: updated here, saved with the weights), each `[channels]`.
/// Channel sums are taken in double, so they do not depend on how the batch is split.
public final class BatchNormalization: Layer {
    public let name: String
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let gamma: Parameter
    public let beta: Parameter
    public let movingMean: Parameter
    public let movingVariance: Parameter
    /// From the last training forward: its input (kept, not copied), each channel's batch mean
    /// and 1 / sqrt(var + eps). The backward pass normalises the input again as it reads it,
    /// instead of reading a stored normalised copy: one pass over the activations less each way.
    private var input: [Float] = []
    /// The last training forward's output, when `rectifies` (the mask of the ReLU's gradient;
    /// pooled, when it has a `pooling`).
    private var output: [Float] = []
    private var mean: [Float] = []
    private var inverseDeviation: [Float] = []
    private var shape: [Int] = []
    /// Applies the ReLU that follows it in a `Sequential` (which then passes values through):
    /// the pair is one pass over the activations each way instead of two.
    var rectifies = false
    /// The `MaxPooling2D` after that ReLU, when a `Sequential` has it pool here too: the pooling
    /// compares the normalised values as they are computed, so they are never stored, and
    /// backward takes each value's gradient from the pooled output it fed.
    var pooling: MaxPooling2D?

    public init(channels: Int, momentum: Float = 0.99, epsilon: Float = 1e-3, name: String) {
        self.name = name
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter("\(name).gamma", shape: [channels], value: [Float](repeating: 1, count: channels))
        beta = Parameter("\(name).beta", shape: [channels])
        movingMean = Parameter("\(name).moving_mean", shape: [channels], trainable: false)
        movingVariance = Parameter(
            "\(name).moving_variance", shape: [channels], value: [Float](repeating: 1, count: channels),
            trainable: false)
    }

    public var parameters: [Parameter] { [gamma, beta, movingMean, movingVariance] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let c = channels
        precondition(x.shape.last == c, "\(name): input \(x.shape) has not \(c) channels")
        let rows = x.values.count / c
        guard training else {
            let scale = (0..<c).map { gamma.value[$0] / (movingVariance.value[$0] + epsilon).squareRoot() }
            let shift = (0..<c).map { beta.value[$0] - movingMean.value[$0] * scale[$0] }
            return affine(x, scale: scale, shift: shift)
        }
        let (mean, variance) = Self.moments(x.values, rows: rows, channels: c)
        inverseDeviation = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        self.mean = mean.map { Float($0) }
        // As TensorFlow's batch_normalization: x * scale + (beta - mean * scale).
        let scale = (0..<c).map { gamma.value[$0] * inverseDeviation[$0] }
        let shift = (0..<c).map { beta.value[$0] - self.mean[$0] * scale[$0] }
        let y = affine(x, scale: scale, shift: shift)
        for j in 0..<c {
            movingMean.value[j] = movingMean.value[j] * momentum + Float(mean[j]) * (1 - momentum)
            movingVariance.value[j] = movingVariance.value[j] * momentum + Float(variance[j]) * (1 - momentum)
        }
        input = x.values
        output = rectifies ? y.values : []
        shape = x.shape
        return y
    }

    /// `x * scale + shift` per channel, max(0, ...) when it `rectifies`, then pooled when it has a `pooling`.
    private func affine(_ x: Tensor, scale: [Float], shift: [Float]) -> Tensor {
        let c = channels
        let coefficients = scale + shift
        return x.values.withUnsafeBufferPointer { xb in
            coefficients.withUnsafeBufferPointer { kb in
                let values = Affine(x: xb.baseAddress!, coefficients: kb.baseAddress!, channels: c, rectify: rectifies)
                if let pooling { return pooling.pool(values, shape: x.shape) }
                let y = RowChunks.array(rows: x.values.count / c, width: c) { range, y in
                    for r in range {
                        let at = r &* c
                        for j in stride(from: 0, to: Lanes.whole(c), by: Lanes.width) {
                            Lanes.store(values.lanes(at &+ j, channel: j), y, at &+ j)
                        }
                        for j in Lanes.whole(c)..<c { y[at &+ j] = values.scalar(at &+ j, channel: j) }
                    }
                }
                return Tensor(shape: x.shape, values: y)
            }
        }
    }

    /// Each channel's mean and biased variance over `rows` rows, from sums of the values and of
    /// their squares taken in one pass, in double (exact enough for float inputs that
    /// E[x^2] - E[x]^2 loses nothing a float keeps).
    static func moments(_ values: [Float], rows: Int, channels c: Int) -> (mean: [Double], variance: [Double]) {
        let sums = values.withUnsafeBufferPointer { xb in
            nonisolated(unsafe) let x = xb.baseAddress!
            return RowChunks.columnSums(rows: rows, columns: 2 &* c) { range, sum in
                for r in range {
                    let at = r &* c
                    for j in stride(from: 0, to: Lanes.whole(c), by: Lanes.width) {
                        let v = Lanes.double(Lanes.load(x, at &+ j))
                        Lanes.add(v, sum, j)
                        Lanes.add(v * v, sum, c &+ j)
                    }
                    for j in Lanes.whole(c)..<c {
                        let v = Double(x[at &+ j])
                        sum[j] += v
                        sum[c &+ j] += v * v
                    }
                }
            }
        }
        let count = Double(rows)
        let mean = (0..<c).map { sums[$0] / count }
        return (mean, (0..<c).map { max(0, sums[c + $0] / count - mean[$0] * mean[$0]) })
    }

    /// `dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x̂ mean(dy x̂))`, the gradient through the
    /// batch statistics.
    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        let c = channels
        let rows = input.count / c
        let sums = withBackwardRows(gradient.values) { reads in
            // sum(dy) in the first c columns (beta's gradient), sum(dy x̂) in the next (gamma's).
            RowChunks.columnSums(rows: rows, columns: 2 &* c) { range, sum in
                var walk = reads.walk(range.lowerBound)
                for _ in range {
                    let (at, source) = walk.next()
                    for j in stride(from: 0, to: Lanes.whole(c), by: Lanes.width) {
                        let (g, normalized) = reads.lanes(at, source, j)
                        let gd = Lanes.double(g)
                        Lanes.add(gd, sum, j)
                        Lanes.add(gd * Lanes.double(normalized), sum, c &+ j)
                    }
                    for j in Lanes.whole(c)..<c {
                        let (g, normalized) = reads.scalar(at, source, j)
                        sum[j] += Double(g)
                        sum[c &+ j] += Double(g) * Double(normalized)
                    }
                }
            }
        }
        for j in 0..<c {
            beta.gradient[j] += Float(sums[j])
            gamma.gradient[j] += Float(sums[c + j])
        }
        guard needsInputGradient else { return nil }
        let count = Double(rows)
        // dx = scale * (g - meanDy - x̂ meanDyX), coefficients side by side.
        let k =
            (0..<c).map { gamma.value[$0] * inverseDeviation[$0] } + (0..<c).map { Float(sums[$0] / count) }
            + (0..<c).map { Float(sums[c + $0] / count) }
        let dx = withBackwardRows(gradient.values) { reads in
            k.withUnsafeBufferPointer { kb in
                nonisolated(unsafe) let k = kb.baseAddress!
                return RowChunks.array(rows: rows, width: c) { range, dx in
                    var walk = reads.walk(range.lowerBound)
                    for _ in range {
                        let (at, source) = walk.next()
                        for j in stride(from: 0, to: Lanes.whole(c), by: Lanes.width) {
                            let (g, normalized) = reads.lanes(at, source, j)
                            let (scale, meanDy, meanDyX) = (
                                Lanes.load(k, j), Lanes.load(k, c &+ j), Lanes.load(k, 2 &* c &+ j)
                            )
                            Lanes.store(scale * (g - meanDy - normalized * meanDyX), dx, at &+ j)
                        }
                        for j in Lanes.whole(c)..<c {
                            let (g, normalized) = reads.scalar(at, source, j)
                            dx[at &+ j] = k[j] * (g - k[c &+ j] - normalized * k[2 &* c &+ j])
                        }
                    }
                }
            }
        }
        return Tensor(shape: shape, values: dx)
    }

    /// `body` with what both backward passes read, for as long as it runs.
    private func withBackwardRows<R>(_ gradient: [Float], _ body: (BackwardRows) -> R) -> R {
        let statistics = mean + inverseDeviation
        // Without the fused ReLU there is no mask to read; the input stands in, unread.
        let mask = rectifies ? output : input
        let argmax = pooling?.argmax ?? []
        return gradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                mask.withUnsafeBufferPointer { out in
                    statistics.withUnsafeBufferPointer { st in
                        argmax.withUnsafeBufferPointer { from in
                            body(
                                BackwardRows(
                                    dy: dy.baseAddress!, x: x.baseAddress!, out: out.baseAddress!,
                                    statistics: st.baseAddress!, channels: channels, rectify: rectifies,
                                    pooled: pooling.map { _ in (from, shape[1], shape[2]) }))
                        }
                    }
                }
            }
        }
    }
}

/// The backward passes' reads for the input row at offset `at`, channel `j`: the upstream
/// gradient and the normalised input `(x - mean) * inv` (`statistics`: the means, then the
/// inverse deviations). The gradient is read at `source`: `at` itself, or, when the pooling is
/// fused, the offset of the pooled output the row fed (-1 when it fed none: a dropped odd row or
/// column); it is zero where the fused ReLU passed 0 (read from its output, pooled or not) and,
/// pooled, where the window's value came from elsewhere (`from`, the pooling's argmax).
private struct BackwardRows: @unchecked Sendable {
    let dy, x, out, statistics: UnsafePointer<Float>
    let channels: Int
    let rectify: Bool
    /// When the pooling is fused: its argmax, and the input's height and width.
    let pooled: (from: UnsafeBufferPointer<Int32>, height: Int, width: Int)?
    let iota = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)

    /// The input rows (one position's channels) in order from `row`, each with its source.
    @inline(__always) func walk(_ row: Int) -> RowWalk {
        RowWalk(row: row, channels: channels, height: pooled?.height ?? 0, width: pooled?.width ?? 0)
    }

    @inline(__always) func lanes(_ at: Int, _ source: Int, _ j: Int) -> (g: SIMD8<Float>, normalized: SIMD8<Float>) {
        let normalized = (Lanes.load(x, at &+ j) - Lanes.load(statistics, j)) * Lanes.load(statistics, channels &+ j)
        guard source >= 0 else { return (SIMD8(), normalized) }
        var g = Lanes.load(dy, source &+ j)
        if rectify { g.replace(with: 0, where: Lanes.load(out, source &+ j) .<= 0) }
        if let from = pooled?.from.baseAddress {
            let here = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: at &+ j)) &+ iota
            let came = UnsafeRawPointer(from + (source &+ j)).loadUnaligned(as: SIMD8<Int32>.self)
            g.replace(with: 0, where: came .!= here)
        }
        return (g, normalized)
    }

    @inline(__always) func scalar(_ at: Int, _ source: Int, _ j: Int) -> (g: Float, normalized: Float) {
        let normalized = (x[at &+ j] - statistics[j]) * statistics[channels &+ j]
        guard source >= 0 else { return (0, normalized) }
        let masked =
            (rectify && out[source &+ j] <= 0) || (pooled.map { Int($0.from[source &+ j]) != at &+ j } ?? false)
        return (masked ? 0 : dy[source &+ j], normalized)
    }
}

/// Input rows in order with where each one's gradient is read (`BackwardRows`): the row's own
/// offset, or, when the pooling is fused, the pooled output it fed (-1: none).
private struct RowWalk {
    let channels: Int
    /// Input height and width, pooled height and width; zero when not pooled.
    let (height, width, pooledHeight, pooledWidth): (Int, Int, Int, Int)
    var (row, line, column, sourceLine): (Int, Int, Int, Int)

    /// `height` and `width` are the input's when pooled, zero when not.
    init(row: Int, channels: Int, height h: Int, width w: Int) {
        self.channels = channels
        (height, width, pooledHeight, pooledWidth) = (h, w, h / 2, w / 2)
        self.row = row
        (line, column) = w == 0 ? (0, 0) : row.quotientAndRemainder(dividingBy: w)
        sourceLine = 0
        sourceLine = lineSource()
    }

    /// The offset of the pooled row that image row `line` (example n, row i) feeds, -1 for none.
    private func lineSource() -> Int {
        guard width > 0 else { return 0 }
        let (n, i) = line.quotientAndRemainder(dividingBy: height)
        return i < 2 &* pooledHeight ? (n &* pooledHeight &+ i / 2) &* pooledWidth &* channels : -1
    }

    @inline(__always) mutating func next() -> (at: Int, source: Int) {
        let at = row &* channels
        row &+= 1
        guard width > 0 else { return (at, at) }
        let source = sourceLine >= 0 && column < 2 &* pooledWidth ? sourceLine &+ (column / 2) &* channels : -1
        column &+= 1
        if column == width {
            (line, column) = (line &+ 1, 0)
            sourceLine = lineSource()
        }
        return (at, source)
    }
}

/// The normalised values `x * scale + shift` (`coefficients`: the scales, then the shifts), at
/// zero where they are negative when `rectify`: what `affine` writes and the fused pooling
/// compares, the same expression for both.
private struct Affine: PooledValues, @unchecked Sendable {
    let x, coefficients: UnsafePointer<Float>
    let channels: Int
    let rectify: Bool

    @inline(__always) func lanes(_ at: Int, channel j: Int) -> SIMD8<Float> {
        var v = Lanes.load(x, at) * Lanes.load(coefficients, j) + Lanes.load(coefficients, channels &+ j)
        if rectify { v.replace(with: 0, where: v .< 0) }
        return v
    }

    @inline(__always) func scalar(_ at: Int, channel j: Int) -> Float {
        let v = x[at] * coefficients[j] + coefficients[channels &+ j]
        return rectify && v < 0 ? 0 : v
    }
}
