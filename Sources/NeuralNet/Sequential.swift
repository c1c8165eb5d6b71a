import Basics

/// Layers applied in order; parameters as one flat dictionary with dotted keys.
public final class Sequential {
    public let layers: [any Layer]

    /// A `BatchNormalization` directly followed by a `ReLU` applies the ReLU itself, and the
    /// `MaxPooling2D` after that too when there is one: one pass over the activations each way
    /// instead of two or three. All stay in `layers`, named as before; the ones applied pass
    /// values and gradients through.
    public init(_ layers: [any Layer]) {
        self.layers = layers
        for i in layers.indices.dropLast() {
            guard let normalization = layers[i] as? BatchNormalization, let relu = layers[i + 1] as? ReLU else {
                continue
            }
            normalization.rectifies = true
            relu.isApplied = true
            guard i + 2 < layers.count, let pooling = layers[i + 2] as? MaxPooling2D else { continue }
            normalization.pooling = pooling
            pooling.isApplied = true
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
