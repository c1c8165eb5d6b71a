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
        var y = [Float](repeating: 0, count: x.values.count)
        guard training else {
            for j in 0..<c {
                let scale = gamma.value[j] / (movingVariance.value[j] + epsilon).squareRoot()
                let shift = beta.value[j] - movingMean.value[j] * scale
                for r in 0..<rows { y[r * c + j] = x.values[r * c + j] * scale + shift }
            }
            return Tensor(shape: x.shape, values: y)
        }
        var sum = [Double](repeating: 0, count: c)
        for r in 0..<rows { for j in 0..<c { sum[j] += Double(x.values[r * c + j]) } }
        let mean = sum.map { $0 / Double(rows) }
        var squares = [Double](repeating: 0, count: c)
        for r in 0..<rows {
            for j in 0..<c {
                let d = Double(x.values[r * c + j]) - mean[j]
                squares[j] += d * d
            }
        }
        let variance = squares.map { $0 / Double(rows) }
        inverseDeviation = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        normalized = [Float](repeating: 0, count: x.values.count)
        for r in 0..<rows {
            for j in 0..<c {
                let n = (x.values[r * c + j] - Float(mean[j])) * inverseDeviation[j]
                normalized[r * c + j] = n
                y[r * c + j] = n * gamma.value[j] + beta.value[j]
            }
        }
        for j in 0..<c {
            movingMean.value[j] = movingMean.value[j] * momentum + Float(mean[j]) * (1 - momentum)
            movingVariance.value[j] = movingVariance.value[j] * momentum + Float(variance[j]) * (1 - momentum)
        }
        shape = x.shape
        return Tensor(shape: x.shape, values: y)
    }

    /// `dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x̂ mean(dy x̂))`, the gradient through the
    /// batch statistics.
    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        let c = channels
        let rows = gradient.values.count / c
        var dBeta = [Double](repeating: 0, count: c)
        var dGamma = [Double](repeating: 0, count: c)
        for r in 0..<rows {
            for j in 0..<c {
                let dy = Double(gradient.values[r * c + j])
                dBeta[j] += dy
                dGamma[j] += dy * Double(normalized[r * c + j])
            }
        }
        for j in 0..<c {
            beta.gradient[j] += Float(dBeta[j])
            gamma.gradient[j] += Float(dGamma[j])
        }
        guard needsInputGradient else { return nil }
        var dx = [Float](repeating: 0, count: gradient.values.count)
        let n = Double(rows)
        for j in 0..<c {
            let scale = gamma.value[j] * inverseDeviation[j]
            let meanDy = Float(dBeta[j] / n)
            let meanDyX = Float(dGamma[j] / n)
            for r in 0..<rows {
                let i = r * c + j
                dx[i] = scale * (gradient.values[i] - meanDy - normalized[i] * meanDyX)
            }
        }
        return Tensor(shape: shape, values: dx)
    }
}
