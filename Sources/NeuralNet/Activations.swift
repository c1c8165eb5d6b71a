import Basics

/// `max(x, 0)`, elementwise: Keras's `relu` activation as a layer of its own.
public final class ReLU: Layer {
    public let name: String
    private var output = Tensor(zeros: [0])

    public init(name: String = "relu") { self.name = name }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = x.values
        y.withUnsafeMutableBufferPointer { y in for i in 0..<y.count where y[i] < 0 { y[i] = 0 } }
        output = Tensor(shape: x.shape, values: y)
        return output
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        var dy = gradient.values
        output.values.withUnsafeBufferPointer { out in
            dy.withUnsafeMutableBufferPointer { dy in for i in 0..<dy.count where out[i] <= 0 { dy[i] = 0 } }
        }
        return Tensor(shape: gradient.shape, values: dy)
    }
}
