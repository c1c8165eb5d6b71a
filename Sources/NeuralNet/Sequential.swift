import Basics

/// Layers applied in order; parameters as one flat dictionary with dotted keys.
public final class Sequential {
    public let layers: [any Layer]

    /// A `BatchNormalization` directly followed by a `ReLU` applies the ReLU itself (one pass
    /// over the activations instead of two, each way); both stay in `layers`, named as before.
    public init(_ layers: [any Layer]) {
        self.layers = layers
        for (first, second) in zip(layers, layers.dropFirst()) {
            guard let normalization = first as? BatchNormalization, let relu = second as? ReLU else { continue }
            normalization.rectifies = true
            relu.isApplied = true
        }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// The logits of `x`.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    /// Propagates the loss gradient back through every layer, adding up the parameters'
    /// gradients; returns the input's gradient.
    @discardableResult
    public func backward(_ gradient: Tensor) -> Tensor {
        layers.reversed().reduce(gradient) { $1.backward($0) }
    }

    /// `backward` for training: the parameters' gradients only, so the first layer skips its
    /// input's gradient.
    public func backwardParameters(_ gradient: Tensor) {
        var g = gradient
        for (i, layer) in layers.enumerated().reversed() {
            guard let next = layer.backward(g, needsInputGradient: i > 0) else { return }
            g = next
        }
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
