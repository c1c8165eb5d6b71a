import Basics

/// Inverted dropout: in training, zeroes each value with probability `rate` and scales the rest
/// by `1 / (1 - rate)`; the identity otherwise. Masks come from a seeded generator, reseeded
/// per batch from the batch's seed and the layer's own `stream`.
public final class Dropout: Layer {
    public let name: String
    public let rate: Float
    private var mask: [Float] = []
    /// Told apart from the model's other dropout layers by this (its position in the recipe).
    public let stream: UInt64
    private var random: SplitMix64

    public init(_ rate: Float, seed: UInt64, name: String, stream: UInt64 = 0) {
        self.name = name
        self.rate = rate
        self.stream = stream
        random = SplitMix64(seed: seed)
    }

    public var parameters: [Parameter] { [] }

    /// Restarts the mask generator at `seed ^ stream` (the trainer reseeds per batch, so a
    /// resumed run draws the same masks as an uninterrupted one).
    public func reseed(_ seed: UInt64) { random = SplitMix64(seed: seed ^ stream) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else {
            mask = []
            return x
        }
        let keep = 1 / (1 - rate)
        mask = x.values.indices.map { _ in nextUnit() < rate ? 0 : keep }
        return Tensor(shape: x.shape, values: zip(x.values, mask).map { $0 * $1 })
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard !mask.isEmpty else { return gradient }
        return Tensor(shape: gradient.shape, values: zip(gradient.values, mask).map { $0 * $1 })
    }

    /// Uniform in [0, 1), from the top 24 bits.
    private func nextUnit() -> Float { Float(random.next() >> 40) / Float(1 << 24) }
}
