import Basics
import Foundation
import NeuralNet

/// `manifests/models/NAME.json`: a model and how to train it, every hyperparameter stated.
public struct Recipe: Codable, Sendable, Equatable {
    public struct LayerSpec: Codable, Sendable, Equatable {
        /// A unit count, or `"genres"`: one unit per genre of the dataset.
        public enum Units: Codable, Sendable, Equatable {
            case count(Int)
            case genres
            public init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let n = try? container.decode(Int.self) {
                    self = .count(n)
                } else if try container.decode(String.self) == "genres" {
                    self = .genres
                } else {
                    throw DecodingError.dataCorruptedError(
                        in: container, debugDescription: "units: a number or \"genres\"")
                }
            }
            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .count(let n): try container.encode(n)
                case .genres: try container.encode("genres")
                }
            }
        }
        public var type: LayerKind
        public var name: String
        public var units: Units?
        public var activation: Activation?
        public var rate: Float?

        public init(
            type: LayerKind, name: String, units: Units? = nil, activation: Activation? = nil, rate: Float? = nil
        ) {
            self.type = type
            self.name = name
            self.units = units
            self.activation = activation
            self.rate = rate
        }
    }
    /// The optimizer and its hyperparameters; those not given take Keras's Adam defaults.
    public struct OptimizerSpec: Codable, Sendable, Equatable {
        public var type: OptimizerKind
        public var learningRate: Float
        public var beta1: Float
        public var beta2: Float
        public var epsilon: Float

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(OptimizerKind.self, forKey: .type)
            learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? 0.001
            beta1 = try c.decodeIfPresent(Float.self, forKey: .beta1) ?? 0.9
            beta2 = try c.decodeIfPresent(Float.self, forKey: .beta2) ?? 0.999
            epsilon = try c.decodeIfPresent(Float.self, forKey: .epsilon) ?? 1e-7
        }
    }
    public struct EarlyStopping: Codable, Sendable, Equatable {
        public var monitor: String
        public var patience: Int
        public var restoreBestWeights: Bool
        public init(monitor: String = "val_loss", patience: Int, restoreBestWeights: Bool = true) {
            self.monitor = monitor
            self.patience = patience
            self.restoreBestWeights = restoreBestWeights
        }
    }

    public var formatVersion: Int
    public var name: String
    public var description: String
    public var layers: [LayerSpec]
    public var initialization: String
    public var loss: String
    public var optimizer: OptimizerSpec
    public var batchSize: Int
    public var epochs: Int
    public var shuffle: Bool
    public var normalization: InputNormalization
    public var earlyStopping: EarlyStopping?
    public var seed: UInt64

    /// The built-in recipes, by name.
    public static let builtIn: [String: Recipe] = {
        var recipes: [String: Recipe] = [:]
        for bytes in [PackageResources.lstm_seed_json, PackageResources.lstm_norm_json, PackageResources.gru_mfcc_json]
        {
            let recipe = try! JSONDecoder().decode(Recipe.self, from: Data(bytes))
            recipes[recipe.name] = recipe
        }
        return recipes
    }()

    /// A built-in recipe by name, or a recipe file.
    /// - Throws: `RecipeError` naming the recipe and the problem.
    public static func load(_ nameOrPath: String) throws(RecipeError) -> Recipe {
        if let recipe = builtIn[nameOrPath] { return recipe }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw RecipeError(
                recipe: nameOrPath,
                message:
                    "neither a built-in recipe (\(builtIn.keys.sorted().joined(separator: ", "))) nor a readable file")
        }
        let recipe: Recipe
        do {
            recipe = try JSONDecoder().decode(Recipe.self, from: data)
        } catch {
            throw RecipeError(recipe: nameOrPath, message: "not a recipe (\(JSONProblem.describe(error)))")
        }
        try recipe.check()
        return recipe
    }

    /// What the trainer builds: bounds on every number a recipe (or a bundle's manifest, which
    /// anyone can edit) may give, so none asks for a huge allocation. The bundle manifest's JSON
    /// Schema states the same.
    public enum Bounds {
        public static let units = 1...4096
        public static let layers = 2...16
        public static let batchSize = 1...65536
        public static let epochs = 1...1_000_000
        public static let patience = 1...1_000_000
        public static let learningRate: ClosedRange<Float> = 1e-12...10
        public static let epsilon: ClosedRange<Float> = 1e-30...1
    }

    /// Refuses what the trainer cannot build: one recurrent layer (LSTM or GRU) first (it returns
    /// its last hidden state, so a second one would have no sequence to read), then dense and
    /// dropout layers, the last a dense softmax; every number within `Bounds`.
    public func check() throws(RecipeError) {
        func refuse(_ message: String) -> RecipeError { RecipeError(recipe: name, message: message) }
        guard Bounds.layers.contains(layers.count) else {
            throw refuse(
                "has \(layers.count) layers; GenreKit builds \(Bounds.layers.lowerBound) to \(Bounds.layers.upperBound)"
            )
        }
        guard layers.first?.type.isRecurrent == true else { throw refuse("the first layer must be an lstm or a gru") }
        guard layers.last?.type == .dense, layers.last?.activation == .softmax else {
            throw refuse("the last layer must be a dense softmax layer")
        }
        for (i, layer) in layers.enumerated() {
            switch layer.type {
            case .lstm, .gru:
                guard i == 0 else {
                    throw refuse(
                        "layer \(layer.name): only the first layer can be an \(layer.type.rawValue) (it returns its last state, not a sequence)"
                    )
                }
                try checkUnits(layer)
            case .dense:
                try checkUnits(layer)
                guard layer.activation != .softmax || i == layers.count - 1 else {
                    throw refuse("layer \(layer.name): only the last layer can be softmax")
                }
            case .dropout:
                guard let rate = layer.rate, rate >= 0, rate < 1 else {
                    throw refuse("layer \(layer.name) needs a rate in [0, 1)")
                }
            }
        }
        try checkTraining()
    }

    private func checkUnits(_ layer: LayerSpec) throws(RecipeError) {
        switch layer.units {
        case .count(let n)?:
            guard Bounds.units.contains(n) else {
                throw RecipeError(
                    recipe: name,
                    message:
                        "layer \(layer.name) has \(n) units; GenreKit builds \(Bounds.units.lowerBound) to \(Bounds.units.upperBound)"
                )
            }
        case .genres?: break
        case nil: throw RecipeError(recipe: name, message: "layer \(layer.name) has no units")
        }
    }

    private func checkTraining() throws(RecipeError) {
        func refuse(_ message: String) -> RecipeError { RecipeError(recipe: name, message: message) }
        guard Bounds.learningRate.contains(optimizer.learningRate), (0..<1).contains(optimizer.beta1),
            (0..<1).contains(optimizer.beta2), Bounds.epsilon.contains(optimizer.epsilon)
        else {
            throw refuse("adam needs learningRate in (0, 10], beta1 and beta2 in [0, 1), epsilon in (0, 1]")
        }
        guard Bounds.batchSize.contains(batchSize) else {
            throw refuse("batchSize must be 1 to 65536, not \(batchSize)")
        }
        guard Bounds.epochs.contains(epochs) else { throw refuse("epochs must be 1 to 1000000, not \(epochs)") }
        if let stopping = earlyStopping {
            guard Bounds.patience.contains(stopping.patience) else {
                throw refuse("earlyStopping.patience must be at least 1, not \(stopping.patience)")
            }
            guard stopping.monitor == "val_loss" else {
                throw refuse("earlyStopping.monitor must be val_loss, not \(stopping.monitor)")
            }
        }
    }

    /// The network for inputs of `inputSize` features per step and `genres` classes. The final
    /// softmax is not a layer: `SoftmaxCrossEntropy` applies it.
    public func model(inputSize: Int, genres: Int, engine: RecurrentEngine = .default) -> Sequential {
        Sequential(layers(inputSize: inputSize, genres: genres, engine: engine).flatMap(\.built))
    }

    /// Each layer of the recipe with the network layers it becomes: an LSTM or GRU, a dense layer
    /// followed by its activation when it has one, a dropout layer.
    public func layers(inputSize: Int, genres: Int, engine: RecurrentEngine = .default) -> [BuiltLayer] {
        var width = inputSize
        var result: [BuiltLayer] = []
        for (index, spec) in layers.enumerated() {
            let units: Int =
                switch spec.units {
                case .count(let n)?: n
                case .genres?: genres
                case nil: 0
                }
            var built: [any NeuralNet.Layer] = []
            switch spec.type {
            case .lstm:
                built = [LSTM(inputSize: width, hiddenSize: units, name: spec.name, engine: engine)]
                width = units
            case .gru:
                built = [GRU(inputSize: width, hiddenSize: units, name: spec.name, engine: engine)]
                width = units
            case .dense:
                built = [Dense(width, units, name: spec.name)]
                if spec.activation == .relu { built.append(ReLU(name: spec.name + ".relu")) }
                width = units
            case .dropout:
                built = [Dropout(spec.rate ?? 0, seed: seed, name: spec.name, stream: UInt64(index))]
            }
            result.append(BuiltLayer(spec: spec, built: built))
        }
        return result
    }

    /// A recipe layer and the network layers made from it (the first holds its weights).
    public struct BuiltLayer {
        public let spec: LayerSpec
        public let built: [any NeuralNet.Layer]
    }
}

public struct RecipeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let recipe: String
    public let message: String
    public var description: String { "recipe \(recipe): \(message)" }
}
