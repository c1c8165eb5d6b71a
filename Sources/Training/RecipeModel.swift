import Basics
import NeuralNet

extension Recipe {
    /// The network for segments of `inputShape` (`[frames, features]`) and `genres` classes. The
    /// final softmax is not a layer: `SoftmaxCrossEntropy` applies it.
    /// - Throws: `RecipeError` when a layer's input does not fit it.
    public func model(inputShape: [Int], genres: Int, engine: RecurrentEngine = .default) throws(RecipeError)
        -> Sequential
    {
        Sequential(try layers(inputShape: inputShape, genres: genres, engine: engine).flatMap(\.built))
    }

    /// Each layer of the recipe with the network layers it becomes (a dense layer followed by
    /// its activation when it has one) and the shape of one example after it, inferred from
    /// `inputShape` (`[frames, features]`, read as `[height, width]` of one channel by a conv2d).
    /// - Throws: `RecipeError` naming the layer whose input does not fit it, or a shape too large.
    public func layers(inputShape: [Int], genres: Int, engine: RecurrentEngine = .default) throws(RecipeError)
        -> [BuiltLayer]
    {
        func refuse(_ layer: LayerSpec, _ message: String) -> RecipeError {
            RecipeError(recipe: name, message: "layer \(layer.name) (\(layer.type.rawValue)) \(message)")
        }
        var shape = inputShape
        var result: [BuiltLayer] = []
        var parameters = 0.0
        for (index, spec) in layers.enumerated() {
            let input = shape
            let units: Int =
                switch spec.units {
                case .count(let n)?: n
                case .genres?: genres
                case nil: 0
                }
            // Counted before anything is allocated: a recipe (or a bundle's manifest) cannot ask
            // for more memory than `Bounds.parameters` allows.
            parameters += Self.weightCount(spec, input: shape, units: units)
            guard parameters <= Double(Bounds.parameters.upperBound) else {
                throw refuse(spec, "would take the network past \(Bounds.parameters.upperBound) weights")
            }
            var built: [any NeuralNet.Layer] = []
            switch spec.type {
            case .lstm, .gru:
                guard shape.count == 2 else { throw refuse(spec, "reads [frames, features], not \(shape)") }
                built = [
                    spec.type == .lstm
                        ? LSTM(inputSize: shape[1], hiddenSize: units, name: spec.name, engine: engine)
                        : GRU(inputSize: shape[1], hiddenSize: units, name: spec.name, engine: engine)
                ]
                shape = [units]
            case .dense:
                guard shape.count == 1 else {
                    throw refuse(spec, "reads [features], not \(shape): flatten first (global pooling or an lstm)")
                }
                built = [Dense(shape[0], units, name: spec.name)]
                if spec.activation == .relu { built.append(ReLU(name: spec.name + ".relu")) }
                shape = [units]
            case .dropout:
                built = [Dropout(spec.rate ?? 0, seed: seed, name: spec.name, stream: UInt64(index))]
            case .conv2d:
                guard shape.count == 2 || shape.count == 3 else {
                    throw refuse(spec, "reads [height, width] or [height, width, channels], not \(shape)")
                }
                let filters = spec.filters ?? 1
                built = [
                    Conv2D(
                        inputChannels: shape.count == 3 ? shape[2] : 1, filters: filters,
                        kernelSize: spec.kernelSize ?? 3,
                        useBias: spec.useBias ?? true, name: spec.name)
                ]
                shape = [shape[0], shape[1], filters]
            case .batchnorm:
                built = [
                    BatchNormalization(
                        channels: shape.last ?? 1, momentum: spec.momentum ?? 0.99, epsilon: spec.epsilon ?? 1e-3,
                        name: spec.name)
                ]
            case .relu:
                built = [ReLU(name: spec.name)]
            case .maxpool2d:
                guard shape.count == 3, shape[0] >= 2, shape[1] >= 2 else {
                    throw refuse(spec, "reads [height, width, channels] of at least 2 x 2, not \(shape)")
                }
                built = [MaxPooling2D(name: spec.name)]
                shape = [shape[0] / 2, shape[1] / 2, shape[2]]
            case .globalavgpool2d:
                guard shape.count == 3 else { throw refuse(spec, "reads [height, width, channels], not \(shape)") }
                built = [GlobalAveragePooling2D(name: spec.name)]
                shape = [shape[2]]
            case .reshape:
                let target = spec.shape ?? []
                guard target.reduce(1, *) == shape.reduce(1, *) else {
                    throw refuse(spec, "cannot hold \(shape) (\(shape.reduce(1, *)) values) as \(target)")
                }
                built = [Reshape(target, name: spec.name)]
                shape = target
            }
            guard shape.allSatisfy({ $0 >= 1 }), Bounds.exampleValues.contains(shape.reduce(1, *)) else {
                throw refuse(spec, "would make \(shape) values per segment")
            }
            result.append(BuiltLayer(spec: spec, built: built, inputShape: input, outputShape: shape))
        }
        return result
    }

    /// The weights a layer of `spec` holds on an input of `shape`, in double so no count a file
    /// gives can overflow.
    static func weightCount(_ spec: LayerSpec, input shape: [Int], units: Int) -> Double {
        let (last, u) = (Double(shape.last ?? 0), Double(units))
        switch spec.type {
        case .lstm: return 4 * (last * u + u * u + u)
        case .gru: return 3 * (last * u + u * u) + 6 * u
        case .dense: return last * u + u
        case .conv2d:
            let k = Double(spec.kernelSize ?? 3)
            let filters = Double(spec.filters ?? 1)
            return k * k * (shape.count == 3 ? last : 1) * filters + filters
        case .batchnorm: return 4 * last
        case .dropout, .relu, .maxpool2d, .globalavgpool2d, .reshape: return 0
        }
    }

    /// A recipe layer and the network layers made from it (the first holds its weights), with
    /// the shape of one example before and after it.
    public struct BuiltLayer {
        public let spec: LayerSpec
        public let built: [any NeuralNet.Layer]
        public let inputShape: [Int]
        public let outputShape: [Int]
    }

    /// Whether the network has batch statistics (BatchNormalization): then a batch is trained
    /// whole, on one model, so its statistics are the batch's as in Keras.
    public var usesBatchStatistics: Bool { layers.contains { $0.type == .batchnorm } }
}

extension [Recipe.BuiltLayer] {
    /// The largest per-example size among `input` and the layers' outputs.
    public func widestActivation(input: [Int]) -> Int {
        ([input] + map(\.outputShape)).map { $0.reduce(1, *) }.max() ?? 1
    }
}
