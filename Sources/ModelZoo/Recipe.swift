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
        public var type: String
        public var name: String
        public var units: Units?
        public var activation: String?
        public var rate: Float?
    }
    public struct OptimizerSpec: Codable, Sendable, Equatable {
        public var type: String
        public var learningRate: Float
        public var beta1: Float
        public var beta2: Float
        public var epsilon: Float
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
    /// `none` or `per-coefficient`.
    public var normalization: String
    public var earlyStopping: EarlyStopping?
    public var seed: UInt64

    /// The built-in recipes, by name.
    public static let builtIn: [String: Recipe] = {
        var recipes: [String: Recipe] = [:]
        for text in [embeddedLSTMSeed, embeddedLSTMNorm] {
            let recipe = try! JSONDecoder().decode(Recipe.self, from: Data(text.utf8))
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
            throw RecipeError(recipe: nameOrPath, message: "not a recipe (\(error))")
        }
        try recipe.check()
        return recipe
    }

    /// Refuses what the trainer cannot build.
    public func check() throws(RecipeError) {
        guard layers.first?.type == "lstm" else {
            throw RecipeError(recipe: name, message: "the first layer must be an lstm")
        }
        guard layers.last?.type == "dense", layers.last?.activation == "softmax" else {
            throw RecipeError(recipe: name, message: "the last layer must be a dense softmax layer")
        }
        for layer in layers {
            switch layer.type {
            case "lstm", "dense":
                guard layer.units != nil else {
                    throw RecipeError(recipe: name, message: "layer \(layer.name) has no units")
                }
            case "dropout":
                guard let rate = layer.rate, rate >= 0, rate < 1 else {
                    throw RecipeError(recipe: name, message: "layer \(layer.name) needs a rate in [0, 1)")
                }
            default: throw RecipeError(recipe: name, message: "layer \(layer.name) has unknown type \(layer.type)")
            }
        }
        guard optimizer.type == "adam" else {
            throw RecipeError(recipe: name, message: "optimizer \(optimizer.type) is not supported")
        }
        guard ["none", "per-coefficient"].contains(normalization) else {
            throw RecipeError(recipe: name, message: "normalization must be none or per-coefficient")
        }
    }

    /// The network for inputs of `inputSize` features per step and `genres` classes. The final
    /// softmax is not a layer: `SoftmaxCrossEntropy` applies it.
    public func model(inputSize: Int, genres: Int, engine: LSTMEngine = .default) -> Sequential {
        var layers: [any Layer] = []
        var width = inputSize
        for spec in self.layers {
            let units: Int =
                switch spec.units {
                case .count(let n)?: n
                case .genres?: genres
                case nil: 0
                }
            switch spec.type {
            case "lstm":
                layers.append(LSTM(inputSize: width, hiddenSize: units, name: spec.name, engine: engine))
                width = units
            case "dense":
                layers.append(Dense(width, units, relu: spec.activation == "relu", name: spec.name))
                width = units
            default:
                layers.append(Dropout(spec.rate ?? 0, seed: seed, name: spec.name))
            }
        }
        return Sequential(layers)
    }
}

public struct RecipeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let recipe: String
    public let message: String
    public var description: String { "recipe \(recipe): \(message)" }
}
