import Formats
import Foundation
import NeuralNet
import Training

/// A bundle's `manifest.json` (schema: `manifests/schemas/bundle-manifest-1.schema.json`):
/// everything needed to use the model and to know how it was made. Keys are written sorted.
public struct BundleManifest: Codable, Sendable, Equatable {
    /// The schema version this GenreKit writes and reads.
    public static let currentSchemaVersion = 1

    public struct Normalization: Codable, Sendable, Equatable {
        /// `none` or `per-coefficient`.
        public var kind: InputNormalization
        /// How the input is transformed before the first layer, e.g.
        /// `(x - normalization.mean) / normalization.std`, per MFCC coefficient.
        public var formula: String?
        /// The weights-file tensors holding the mean and deviation, one per MFCC coefficient or
        /// mel band each.
        public var tensors: [String]?
    }

    public struct Weight: Codable, Sendable, Equatable {
        public var name: String
        public var shape: [Int]
    }

    public struct Layer: Codable, Sendable, Equatable {
        public var name: String
        /// A recipe layer type: `lstm`, `gru`, `dense`, `dropout`, `conv2d`, `batchnorm`, `relu`,
        /// `maxpool2d`, `globalavgpool2d`, `reshape`.
        public var type: LayerKind
        public var inputSize: Int?
        public var units: Int?
        /// `relu`, `softmax` or none (dense layers).
        public var activation: Activation?
        /// Dropout rate (identity at inference).
        public var rate: Float?
        /// Recurrent layers only: the order of the gates along the kernels' last axis.
        public var gateOrder: [String]?
        /// Recurrent layers only: gate activations, bias layout and what the layer returns.
        public var notes: String?
        /// Conv2D: output channels and the kernel's height and width.
        public var filters: Int?
        public var kernelSize: Int?
        /// BatchNormalization's momentum and epsilon.
        public var momentum: Float?
        public var epsilon: Float?
        /// The shape of one example after the layer (the convolutional layers and reshapes).
        public var outputShape: [Int]?
        public var weights: [Weight]
        public var parameters: Int

        public init(
            name: String, type: LayerKind, inputSize: Int? = nil, units: Int? = nil, activation: Activation? = nil,
            rate: Float? = nil, gateOrder: [String]? = nil, notes: String? = nil, weights: [Weight], parameters: Int
        ) {
            self.name = name
            self.type = type
            self.inputSize = inputSize
            self.units = units
            self.activation = activation
            self.rate = rate
            self.gateOrder = gateOrder
            self.notes = notes
            self.weights = weights
            self.parameters = parameters
        }
    }

    public struct Architecture: Codable, Sendable, Equatable {
        /// `[frames, width]`, one segment: MFCC coefficients or mel bands per frame.
        public var input: [Int]
        public var layers: [Layer]
        public var parameters: Int
        public var output: String

        /// The largest per-segment size among the input and the layers' outputs.
        public var widestActivation: Int {
            ([input] + layers.compactMap(\.outputShape)).map { $0.reduce(1, *) }.max() ?? 1
        }
    }

    public struct Training: Codable, Sendable, Equatable {
        /// Epochs run (fewer than the recipe's when early stopping ended the run).
        public var epochs: Int
        /// The epoch whose weights were kept (early stopping), or 0 for the last.
        public var bestEpoch: Int
        /// Model replicas per batch; the same count reproduces the weights bit for bit.
        public var threads: Int
        /// How the recurrent layer computed, with the library's version ("oneDNN 2.6.3 RNN primitive");
        /// absent in bundles made before GenreKit 0.3.
        public var engine: String?
        /// The median wall-clock seconds of the run's epochs (`RUN/timing.json`); informative
        /// only, since it depends on the machine. Absent when the run was not timed.
        public var secondsPerEpoch: Double?
    }

    /// The run's evaluation: segment and track accuracy, loss, per-genre scores and the
    /// confusion matrix, on the test and validation splits.
    public struct Metrics: Codable, Sendable, Equatable {
        public var test: Evaluation.SplitScores
        public var validation: Evaluation.SplitScores
    }

    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int
    }

    public var schemaVersion: Int
    public var name: String
    public var version: String
    /// ISO 8601, UTC: `SOURCE_DATE_EPOCH` when set, else when the run wrote its weights.
    public var created: String
    public var generator: String
    /// The model's license, an SPDX identifier or Hugging Face's `other` / `unknown`
    /// (`package --license`); absent in bundles made before GenreKit 0.4.
    public var license: String? = nil
    /// Position = output index.
    public var genres: [String]
    public var features: DatasetDescription.FeatureParameters
    public var normalization: Normalization
    public var architecture: Architecture
    /// The recipe as trained: every hyperparameter, flags applied, and the seed.
    public var recipe: Recipe
    public var training: Training
    public var data: DataSummary
    public var metrics: Metrics
    /// Every other file of the bundle, in bundle order.
    public var files: [File]

    /// The architecture `recipe` builds for `genres` classes and inputs of `[frames, features]`.
    /// - Throws: `RecipeError` when the recipe's layers do not fit that input.
    public static func architecture(recipe: Recipe, frames: Int, features: Int, genres: Int) throws(RecipeError)
        -> Architecture
    {
        var layers: [Layer] = []
        for built in try recipe.layers(inputShape: [frames, features], genres: genres) {
            let (spec, layer) = (built.spec, built.built[0])
            let weights = layer.parameters.map { Weight(name: $0.name, shape: $0.shape) }
            let count = layer.parameters.map(\.count).reduce(0, +)
            var entry = Layer(name: spec.name, type: spec.type, weights: weights, parameters: count)
            switch layer {
            case let lstm as LSTM:
                (entry.inputSize, entry.units) = (lstm.inputSize, lstm.hiddenSize)
                entry.gateOrder = ["input", "forget", "candidate", "output"]
                entry.notes =
                    "Keras layout: kernel [in, 4H], recurrent_kernel [H, 4H], bias [4H]; sigmoid gates, tanh candidate and output; zero initial state; returns the last hidden state"
            case let gru as GRU:
                (entry.inputSize, entry.units) = (gru.inputSize, gru.hiddenSize)
                entry.gateOrder = ["update", "reset", "candidate"]
                entry.notes =
                    "Keras layout (GRU, reset_after=True): kernel [in, 3H], recurrent_kernel [H, 3H], bias [2, 3H] (row 0 input side, row 1 recurrent side); z, r = sigmoid(x W + b0 + h U + b1), candidate = tanh(x W + b0 + r * (h U + b1)), h = z * h + (1 - z) * candidate; zero initial state; returns the last hidden state"
            case let dense as Dense:
                (entry.inputSize, entry.units, entry.activation) = (
                    dense.kernel.shape[0], dense.kernel.shape[1], spec.activation
                )
            case is Dropout:
                entry.rate = spec.rate
            case let conv as Conv2D:
                (entry.filters, entry.kernelSize) = (conv.filters, conv.kernelSize)
                entry.outputShape = built.outputShape
                entry.notes =
                    "Keras layout: kernel [k, k, in, out] (height, width, input channels, filters); channels last; stride 1, 'same' zero padding of k / 2; a [frames, features] input is one channel"
            case let bn as BatchNormalization:
                (entry.momentum, entry.epsilon) = (bn.momentum, bn.epsilon)
                entry.outputShape = built.outputShape
                entry.notes =
                    "over the last axis; inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta"
            default:
                // relu, maxpool2d (2 x 2, stride 2, valid), globalavgpool2d, reshape: no weights.
                entry.outputShape = built.outputShape
            }
            layers.append(entry)
        }
        return Architecture(
            input: [frames, features], layers: layers, parameters: layers.map(\.parameters).reduce(0, +),
            output: "softmax probabilities, one per genre, in the order of genres")
    }

    /// The weight names and shapes the bundle's weights file must hold: the layers' and the
    /// normalisation's.
    public var expectedWeights: [String: [Int]] {
        var all = [String: [Int]]()
        for layer in architecture.layers { for w in layer.weights { all[w.name] = w.shape } }
        for name in normalization.tensors ?? [] { all[name] = [features.width] }
        return all
    }
}

extension BundleManifest {

    /// Refuses a manifest with a value GenreKit would not build from (anyone can edit a
    /// manifest and update its checksums): the feature parameters, the genres and the recipe
    /// within their bounds, a known normalisation. The JSON Schema states the same bounds.
    /// - Throws: a one-line description of the first problem.
    public func check() throws {
        do { try features.check() } catch { throw BundleManifestError("features.\(error)") }
        guard (2...DatasetDescription.maxGenres).contains(genres.count) else {
            throw BundleManifestError(
                "genres: \(genres.count) of them; a model has 2 to \(DatasetDescription.maxGenres)")
        }
        guard Set(genres).count == genres.count, genres.allSatisfy({ !$0.isEmpty && $0.count <= 100 }) else {
            throw BundleManifestError("genres must be distinct, non-empty names")
        }
        if let license, !BundleManifest.isValidLicense(license) {
            throw BundleManifestError("license must be 1 to 64 letters, digits, '.', '+' or '-', not '\(license)'")
        }
        try recipe.check()
        guard files.count <= 64 else { throw BundleManifestError("files lists \(files.count) files") }
    }
}

/// A manifest value out of bounds.
public struct BundleManifestError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension BundleManifest {
    /// What `package --license` takes when not given: GTZAN's audio came with no license, so
    /// the weights' terms are for whoever publishes them to decide.
    public static let defaultLicense = "unknown"

    /// An SPDX identifier (`CC-BY-4.0`, `MIT`) or `other` / `unknown`: safe in the model card's
    /// YAML and a file name.
    public static func isValidLicense(_ s: String) -> Bool {
        s.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9.+-]{0,63}/) != nil
    }
}
