import Basics

/// Keras's `MaxPooling2D(2)`: the largest of each 2 x 2 window, stride 2, "valid" (an odd last
/// row or column is dropped). Input `[batch, height, width, channels]`, output
/// `[batch, height / 2, width / 2, channels]`. The gradient goes to the first largest value of
/// each window (row-major), as TensorFlow's does.
public final class MaxPooling2D: Layer {
    public let name: String
    /// Where each output's value came from, as an index into the input.
    private var argmax: [Int32] = []
    private var inputShape: [Int] = []

    public init(name: String) { self.name = name }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (b, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (h / 2, w / 2)
        var y = [Float](repeating: 0, count: b * oh * ow * c)
        var from = [Int32](repeating: 0, count: y.count)
        x.values.withUnsafeBufferPointer { v in
            for n in 0..<b {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let out = ((n * oh + i) * ow + j) * c
                        for k in 0..<c {
                            var best = ((n * h + 2 * i) * w + 2 * j) * c + k
                            for (di, dj) in [(0, 1), (1, 0), (1, 1)] {
                                let at = ((n * h + 2 * i + di) * w + 2 * j + dj) * c + k
                                if v[at] > v[best] { best = at }
                            }
                            y[out + k] = v[best]
                            from[out + k] = Int32(best)
                        }
                    }
                }
            }
        }
        argmax = from
        inputShape = x.shape
        return Tensor(shape: [b, oh, ow, c], values: y)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        for (i, at) in argmax.enumerated() { dx[Int(at)] += gradient.values[i] }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// Keras's `GlobalAveragePooling2D`: each channel's mean over height and width.
/// `[batch, height, width, channels]` to `[batch, channels]`.
public final class GlobalAveragePooling2D: Layer {
    public let name: String
    private var inputShape: [Int] = []

    public init(name: String) { self.name = name }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (b, c) = (x.shape[0], x.shape[3])
        let area = x.shape[1] * x.shape[2]
        var y = [Float](repeating: 0, count: b * c)
        for n in 0..<b {
            var sums = [Float](repeating: 0, count: c)
            for p in 0..<area { for k in 0..<c { sums[k] += x.values[(n * area + p) * c + k] } }
            for k in 0..<c { y[n * c + k] = sums[k] / Float(area) }
        }
        inputShape = x.shape
        return Tensor(shape: [b, c], values: y)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        let (b, c) = (inputShape[0], inputShape[3])
        let area = inputShape[1] * inputShape[2]
        var dx = [Float](repeating: 0, count: b * area * c)
        for n in 0..<b {
            for p in 0..<area {
                for k in 0..<c { dx[(n * area + p) * c + k] = gradient.values[n * c + k] / Float(area) }
            }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// Keras's `Reshape(shape)`: the same values, row-major, in another shape per example (a CRNN's
/// `[batch, frames, bands, channels]` read as `[batch, frames, bands * channels]`).
public final class Reshape: Layer {
    public let name: String
    public let shape: [Int]
    private var inputShape: [Int] = []

    public init(_ shape: [Int], name: String) {
        self.name = name
        self.shape = shape
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.values.count == x.shape[0] * shape.reduce(1, *), "\(name): \(x.shape) is not [batch] + \(shape)")
        inputShape = x.shape
        return Tensor(shape: [x.shape[0]] + shape, values: x.values)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        needsInputGradient ? Tensor(shape: inputShape, values: gradient.values) : nil
    }
}
