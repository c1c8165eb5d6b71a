import Foundation

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
