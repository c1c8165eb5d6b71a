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
            let scale = (0..<c).map { gamma.value[$0] / (movingVariance.value[$0] + epsilon).squareRoot() }
            let shift = (0..<c).map { beta.value[$0] - movingMean.value[$0] * scale[$0] }
            x.values.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { y in
                    for r in 0..<rows { for j in 0..<c { y[r * c + j] = x[r * c + j] * scale[j] + shift[j] } }
                }
            }
            return Tensor(shape: x.shape, values: y)
        }
        var sum = [Double](repeating: 0, count: c)
        var squares = [Double](repeating: 0, count: c)
        x.values.withUnsafeBufferPointer { x in
            sum.withUnsafeMutableBufferPointer { sum in
                for r in 0..<rows { for j in 0..<c { sum[j] += Double(x[r * c + j]) } }
            }
            let mean = sum.map { $0 / Double(rows) }
            squares.withUnsafeMutableBufferPointer { squares in
                for r in 0..<rows {
                    for j in 0..<c {
                        let d = Double(x[r * c + j]) - mean[j]
                        squares[j] += d * d
                    }
                }
            }
        }
        let mean = sum.map { $0 / Double(rows) }
        let variance = squares.map { $0 / Double(rows) }
        inverseDeviation = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        normalized = [Float](repeating: 0, count: x.values.count)
        let meanF = mean.map { Float($0) }
        let (g, b, inv) = (gamma.value, beta.value, inverseDeviation)
        x.values.withUnsafeBufferPointer { x in
            normalized.withUnsafeMutableBufferPointer { normalized in
                y.withUnsafeMutableBufferPointer { y in
                    for r in 0..<rows {
                        for j in 0..<c {
                            let n = (x[r * c + j] - meanF[j]) * inv[j]
                            normalized[r * c + j] = n
                            y[r * c + j] = n * g[j] + b[j]
                        }
                    }
                }
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
        gradient.values.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { normalized in
                dBeta.withUnsafeMutableBufferPointer { dBeta in
                    dGamma.withUnsafeMutableBufferPointer { dGamma in
                        for r in 0..<rows {
                            for j in 0..<c {
                                let v = Double(dy[r * c + j])
                                dBeta[j] += v
                                dGamma[j] += v * Double(normalized[r * c + j])
                            }
                        }
                    }
                }
            }
        }
        for j in 0..<c {
            beta.gradient[j] += Float(dBeta[j])
            gamma.gradient[j] += Float(dGamma[j])
        }
        guard needsInputGradient else { return nil }
        var dx = [Float](repeating: 0, count: gradient.values.count)
        let n = Double(rows)
        let scale = (0..<c).map { gamma.value[$0] * inverseDeviation[$0] }
        let meanDy = dBeta.map { Float($0 / n) }
        let meanDyX = dGamma.map { Float($0 / n) }
        gradient.values.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { normalized in
                dx.withUnsafeMutableBufferPointer { dx in
                    for r in 0..<rows {
                        for j in 0..<c {
                            let i = r * c + j
                            dx[i] = scale[j] * (dy[i] - meanDy[j] - normalized[i] * meanDyX[j])
                        }
                    }
                }
            }
        }
        return Tensor(shape: shape, values: dx)
    }
}
