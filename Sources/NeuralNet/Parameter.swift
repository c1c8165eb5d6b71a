/// An array of a model's weights and its gradient, named as the weights file names it
/// (`lstm.kernel`). Not every weight is trained: BatchNormalization's moving statistics are
/// updated by the layer itself and keep a zero gradient (so Adam leaves them alone).
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public let trainable: Bool
    public var value: [Float]
    public var gradient: [Float]

    public init(_ name: String, shape: [Int], value: [Float]? = nil, trainable: Bool = true) {
        self.name = name
        self.shape = shape
        self.trainable = trainable
        let count = shape.reduce(1, *)
        self.value = value ?? [Float](repeating: 0, count: count)
        gradient = [Float](repeating: 0, count: count)
        precondition(self.value.count == count, "\(name): \(self.value.count) values for shape \(shape)")
    }

    public var count: Int { value.count }
    public func zeroGradient() { for i in gradient.indices { gradient[i] = 0 } }
}

/// Why weights could not be loaded into a model.
public enum NeuralNetError: Error, CustomStringConvertible, Equatable, Sendable {
    case missing([String])
    case unused([String])
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missing(let names): "missing weights: \(names.joined(separator: ", "))"
        case .unused(let names): "weights the model has no place for: \(names.joined(separator: ", "))"
        case .shapeMismatch(let name, let expected, let found): "\(name): shape \(found), the model needs \(expected)"
        }
    }
}
