import Basics

/// A layer of a `Sequential` model: forward, then backward with the gradient of the loss with
/// respect to its output, accumulating its parameters' gradients and returning the input's.
public protocol Layer: AnyObject {
    var name: String { get }
    var parameters: [Parameter] { get }
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// Adds the parameters' gradients; returns the input's gradient only when
    /// `needsInputGradient` (the first layer's is wanted by tests, not by training).
    func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor?
}

extension Layer {
    /// Backward, returning the input's gradient.
    public func backward(_ gradient: Tensor) -> Tensor { backward(gradient, needsInputGradient: true)! }
}
