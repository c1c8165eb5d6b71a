import Basics
import Foundation

/// Softmax over the last axis with sparse categorical cross-entropy averaged over the batch.
public enum SoftmaxCrossEntropy {
    /// - Parameters:
    ///   - logits: `[batch, classes]`.
    ///   - labels: `[batch]`, each below `classes`.
    /// - Returns: the probabilities, the mean loss, and its gradient with respect to the logits
    ///   (`(p - onehot) / batch`).
    public static func evaluate(logits: Tensor, labels: [Int]) -> (probabilities: Tensor, loss: Float, gradient: Tensor)
    {
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        var p = logits.values
        var gradient = [Float](repeating: 0, count: p.count)
        var loss: Float = 0
        for r in 0..<batch {
            let row = r * classes
            let peak = p[row..<row + classes].max()!
            var sum: Float = 0
            for j in 0..<classes {
                p[row + j] = exp(p[row + j] - peak)
                sum += p[row + j]
            }
            for j in 0..<classes { p[row + j] /= sum }
            loss -= log(max(p[row + labels[r]], 1e-7))
            for j in 0..<classes { gradient[row + j] = (p[row + j] - (j == labels[r] ? 1 : 0)) / Float(batch) }
        }
        return (
            Tensor(shape: logits.shape, values: p), loss / Float(batch), Tensor(shape: logits.shape, values: gradient)
        )
    }
}

/// Layers applied in order; parameters as one flat dictionary with dotted keys.
public final class Sequential {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// The logits of `x`.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    /// Propagates the loss gradient back through every layer; returns the input's gradient.
    @discardableResult
    public func backward(_ gradient: Tensor) -> Tensor {
        layers.reversed().reduce(gradient) { $1.backward($0) }
    }

    public func zeroGradients() { parameters.forEach { $0.zeroGradient() } }

    /// Loads weights by name.
    /// - Throws: `NeuralNetError` naming missing keys, unused keys or a shape mismatch.
    public func load(_ weights: [String: Tensor]) throws(NeuralNetError) {
        let names = Set(parameters.map(\.name))
        let missing = names.subtracting(weights.keys).sorted()
        if !missing.isEmpty { throw .missing(missing) }
        let unused = Set(weights.keys).subtracting(names).sorted()
        if !unused.isEmpty { throw .unused(unused) }
        for p in parameters {
            let w = weights[p.name]!
            guard w.shape == p.shape else { throw .shapeMismatch(name: p.name, expected: p.shape, found: w.shape) }
            p.value = w.values
        }
    }
}

/// An optimizer updates parameters from their gradients.
public protocol Optimizer {
    mutating func step(_ parameters: [Parameter])
}

/// Adam as Keras writes it: `m += (g - m)(1 - beta1)`, `v += (g^2 - v)(1 - beta2)`,
/// `alpha = lr sqrt(1 - beta2^t) / (1 - beta1^t)`, `w -= alpha m / (sqrt(v) + epsilon)`:
/// the bias correction goes into the step size, and epsilon is added to `sqrt(v)`.
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Steps taken (t in the bias correction).
    public var iterations = 0
    /// First and second moments by parameter name (saved in checkpoints).
    public var moments: [String: (m: [Float], v: [Float])] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public mutating func step(_ parameters: [Parameter]) {
        iterations += 1
        let t = Float(iterations)
        let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        for p in parameters {
            // Taken out of the dictionary, so the arrays are unique and updated in place.
            var (m, v) =
                moments.removeValue(forKey: p.name)
                ?? ([Float](repeating: 0, count: p.count), [Float](repeating: 0, count: p.count))
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    p.value.withUnsafeMutableBufferPointer { w in
                        p.gradient.withUnsafeBufferPointer { g in
                            for i in 0..<w.count {
                                m[i] += (g[i] - m[i]) * (1 - beta1)
                                v[i] += (g[i] * g[i] - v[i]) * (1 - beta2)
                                w[i] -= alpha * m[i] / (v[i].squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
            moments[p.name] = (m, v)
        }
    }
}
