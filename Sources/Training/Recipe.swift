import Basics
import Features
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
        /// Dense, LSTM and GRU layers.
        public var units: Units?
        public var activation: Activation?
        /// Dropout.
        public var rate: Float?
        /// Conv2D: output channels, the (odd) kernel's height and width, whether it adds a bias
        /// (Keras's default, true); padding is always "same", stride 1.
        public var filters: Int?
        public var kernelSize: Int?
        public var useBias: Bool?
        /// BatchNormalization (Keras's defaults 0.99 and 1e-3 when absent).
        public var momentum: Float?
        public var epsilon: Float?
        /// Reshape: the shape of one example after it, e.g. `[16, 1024]`.
        public var shape: [Int]?

        public init(
            type: LayerKind, name: String, units: Units? = nil, activation: Activation? = nil, rate: Float? = nil,
            filters: Int? = nil, kernelSize: Int? = nil, useBias: Bool? = nil, momentum: Float? = nil,
            epsilon: Float? = nil, shape: [Int]? = nil
        ) {
            self.type = type
            self.name = name
            self.units = units
            self.activation = activation
            self.rate = rate
            self.filters = filters
            self.kernelSize = kernelSize
            self.useBias = useBias
            self.momentum = momentum
            self.epsilon = epsilon
            self.shape = shape
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
    /// The features its first layer is sized for (`prepare --features`); nil: any kind.
    public var features: FeatureKind?
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
        for bytes in [
            PackageResources.lstm_seed_json, PackageResources.lstm_norm_json, PackageResources.gru_mfcc_json,
            PackageResources.cnn_mel_json, PackageResources.crnn_mel_json,
        ] {
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
        public static let layers = 2...32
        public static let kernelSizes = [1, 3, 5, 7]
        /// Values in one example anywhere in the network (a 130 x 128 x 64 activation is 1.1 M).
        public static let exampleValues = 1...(1 << 24)
        /// Weights in one network (512 MB of float32, as much again for gradients).
        public static let parameters = 1...(1 << 27)
        public static let batchSize = 1...65536
        public static let epochs = 1...1_000_000
        public static let patience = 1...1_000_000
        public static let learningRate: ClosedRange<Float> = 1e-12...10
        public static let epsilon: ClosedRange<Float> = 1e-30...1
    }
}

public struct RecipeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let recipe: String
    public let message: String
    public var description: String { "recipe \(recipe): \(message)" }
}
