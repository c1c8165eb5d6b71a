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
    /// From the last training forward: the normalised input and each channel's 1 / sqrt(var + eps).
    private var normalized: [Float] = []
    private var inverseDeviation: [Float] = []
    private var shape: [Int] = []

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
            let y = x.values.withUnsafeBufferPointer { xb in
                nonisolated(unsafe) let x = xb.baseAddress!
                return RowChunks.array(rows: rows, width: c) { range, y in
                    for r in range {
                        let (row, out) = (x + r &* c, y + r &* c)
                        for j in 0..<c { out[j] = row[j] * scale[j] + shift[j] }
                    }
                }
            }
            return Tensor(shape: x.shape, values: y)
        }
        let (mean, variance) = Self.moments(x.values, rows: rows, channels: c)
        inverseDeviation = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        let meanF = mean.map { Float($0) }
        let (g, b, inv) = (gamma.value, beta.value, inverseDeviation)
        var y: [Float] = []
        normalized = x.values.withUnsafeBufferPointer { xb in
            nonisolated(unsafe) let x = xb.baseAddress!
            let normalized = RowChunks.array(rows: rows, width: c) { range, n in
                for r in range {
                    let (row, out) = (x + r &* c, n + r &* c)
                    for j in 0..<c { out[j] = (row[j] - meanF[j]) * inv[j] }
                }
            }
            y = normalized.withUnsafeBufferPointer { nb in
                nonisolated(unsafe) let n = nb.baseAddress!
                return RowChunks.array(rows: rows, width: c) { range, y in
                    for r in range {
                        let (row, out) = (n + r &* c, y + r &* c)
                        for j in 0..<c { out[j] = row[j] * g[j] + b[j] }
                    }
                }
            }
            return normalized
        }
        for j in 0..<c {
            movingMean.value[j] = movingMean.value[j] * momentum + Float(mean[j]) * (1 - momentum)
            movingVariance.value[j] = movingVariance.value[j] * momentum + Float(variance[j]) * (1 - momentum)
        }
        shape = x.shape
        return Tensor(shape: x.shape, values: y)
    }

    /// Each channel's mean and biased variance (two passes, in double) over `rows` rows.
    static func moments(_ values: [Float], rows: Int, channels c: Int) -> (mean: [Double], variance: [Double]) {
        values.withUnsafeBufferPointer { xb in
            nonisolated(unsafe) let x = xb.baseAddress!
            let mean = RowChunks.columnSums(rows: rows, columns: c) { range, sum in
                for r in range {
                    let row = x + r &* c
                    for j in 0..<c { sum[j] += Double(row[j]) }
                }
            }.map { $0 / Double(rows) }
            let squares = RowChunks.columnSums(rows: rows, columns: c) { range, sum in
                for r in range {
                    let row = x + r &* c
                    for j in 0..<c {
                        let d = Double(row[j]) - mean[j]
                        sum[j] += d * d
                    }
                }
            }
            return (mean, squares.map { $0 / Double(rows) })
        }
    }

    /// `dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x̂ mean(dy x̂))`, the gradient through the
    /// batch statistics.
    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        let c = channels
        let rows = gradient.values.count / c
        var dx: [Float]?
        gradient.values.withUnsafeBufferPointer { dyb in
            normalized.withUnsafeBufferPointer { nb in
                nonisolated(unsafe) let (dy, normalized) = (dyb.baseAddress!, nb.baseAddress!)
                let dBeta = RowChunks.columnSums(rows: rows, columns: c) { range, sum in
                    for r in range {
                        let row = dy + r &* c
                        for j in 0..<c { sum[j] += Double(row[j]) }
                    }
                }
                let dGamma = RowChunks.columnSums(rows: rows, columns: c) { range, sum in
                    for r in range {
                        let (row, n) = (dy + r &* c, normalized + r &* c)
                        for j in 0..<c { sum[j] += Double(row[j]) * Double(n[j]) }
                    }
                }
                for j in 0..<c {
                    beta.gradient[j] += Float(dBeta[j])
                    gamma.gradient[j] += Float(dGamma[j])
                }
                guard needsInputGradient else { return }
                let count = Double(rows)
                let scale = (0..<c).map { gamma.value[$0] * inverseDeviation[$0] }
                let meanDy = dBeta.map { Float($0 / count) }
                let meanDyX = dGamma.map { Float($0 / count) }
                dx = RowChunks.array(rows: rows, width: c) { range, dx in
                    for r in range {
                        let (g, n, out) = (dy + r &* c, normalized + r &* c, dx + r &* c)
                        for j in 0..<c { out[j] = scale[j] * (g[j] - meanDy[j] - n[j] * meanDyX[j]) }
                    }
                }
            }
        }
        return dx.map { Tensor(shape: shape, values: $0) }
    }
}
