import Archive
import Basics
import Formats
import Foundation
import NeuralNet
import Training

/// Why a bundle could not be made, read or trusted: one line naming the bundle (or run) and the
/// file inside it.
public struct BundleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The bundle, run folder or zoo.
    public let path: String
    /// The file inside it, when the problem is one file.
    public let file: String?
    public let message: String

    public init(_ path: String, file: String? = nil, _ message: String) {
        self.path = path
        self.file = file
        self.message = message
    }

    public var description: String { file.map { "\(path): \($0): \(message)" } ?? "\(path): \(message)" }
}

/// A verified bundle: every file present, unaltered and listed, the manifest of a known schema,
/// the weights exactly the architecture's.
public struct ModelBundle: Sendable {
    /// The files of a bundle after `manifest.json`, in bundle order.
    public static let memberOrder = [
        "README.md", "weights.safetensors", "evaluation.json", "history.csv", "curves.svg", "curves.png",
        "confusion.svg", "confusion.png",
    ]

    public let path: String
    public let manifest: BundleManifest
    /// `manifest.json` as stored.
    public let manifestBytes: [UInt8]
    public let weights: [String: Tensor]
    /// Every member's bytes by name, `manifest.json` included.
    public let members: [String: [UInt8]]

    /// Reads and verifies a bundle.
    /// - Throws: `BundleError` naming the file: an unreadable or unsafe archive, a missing, extra or
    ///   altered file, a manifest of an unknown schema version, weights whose names or shapes do
    ///   not match the architecture.
    public static func open(_ path: String) throws(BundleError) -> ModelBundle {
        do { try InputPath.requireBundle(path) } catch {
            if case .wrongInput(_, let message) = error { throw BundleError(path, message) }
            throw BundleError(path, "\(error)")
        }
        return try open(source: .file(path))
    }

    /// A bundle is a few MB: tight limits, so a hostile one cannot fill memory.
    public static let limits = ArchiveLimits(maxTotalBytes: 1 << 30, maxEntryBytes: 512 << 20, maxEntries: 64)

    /// Reads and verifies a bundle held in a file or in memory.
    public static func open(source: ArchiveSource) throws(BundleError) -> ModelBundle {
        let path = source.name
        var members: [String: [UInt8]] = [:]
        var order: [String] = []
        do {
            // A bundle is a few MB: tight limits, so a hostile one cannot fill memory.
            let reader = try SafeArchiveReader(source: source, limits: limits)
            while let entry = try reader.next() {
                guard entry.kind == .file else { throw BundleError(path, file: entry.path, "unexpected directory") }
                members[entry.path] = try reader.readAll()
                order.append(entry.path)
            }
        } catch let error as BundleError {
            throw error
        } catch {
            // ArchiveError's own line starts with the path.
            let message = "\(error)"
            throw BundleError(
                path, message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message)
        }
        guard let manifestBytes = members["manifest.json"] else {
            throw BundleError(path, file: "manifest.json", "missing (not a GenreKit bundle)")
        }
        struct Version: Decodable { var schemaVersion: Int }
        guard let version = try? JSONDecoder().decode(Version.self, from: Data(manifestBytes)) else {
            throw BundleError(path, file: "manifest.json", "not JSON with a schemaVersion")
        }
        guard version.schemaVersion == BundleManifest.currentSchemaVersion else {
            throw BundleError(
                path, file: "manifest.json",
                "schema version \(version.schemaVersion) is not one this genrekit reads (\(BundleManifest.currentSchemaVersion)); use a genrekit that writes it"
            )
        }
        let manifest: BundleManifest
        do {
            manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(manifestBytes))
        } catch {
            throw BundleError(
                path, file: "manifest.json", "not a valid schema-1 manifest (\(JSONProblem.describe(error)))")
        }
        // Bounds first: nothing below is built from a number that has not been checked.
        do { try manifest.check() } catch { throw BundleError(path, file: "manifest.json", "\(error)") }
        let listed = Set(manifest.files.map(\.path))
        for name in order where name != "manifest.json" && !listed.contains(name) {
            throw BundleError(path, file: name, "extra file, not listed in the manifest")
        }
        for file in manifest.files {
            guard let bytes = members[file.path] else {
                throw BundleError(path, file: file.path, "missing (the manifest lists it)")
            }
            guard bytes.count == file.bytes else {
                throw BundleError(
                    path, file: file.path, "altered: \(bytes.count) bytes, the manifest says \(file.bytes)")
            }
            guard sha256Hex(bytes) == file.sha256 else {
                throw BundleError(path, file: file.path, "altered: its SHA-256 does not match the manifest's")
            }
        }
        guard let weightsBytes = members["weights.safetensors"], listed.contains("weights.safetensors") else {
            throw BundleError(path, file: "weights.safetensors", "missing (the manifest must list it)")
        }
        let weights: [String: Tensor]
        do {
            weights = try Safetensors.decode(weightsBytes, path: "weights.safetensors").tensors
        } catch {
            throw BundleError(path, file: "weights.safetensors", error.message)
        }
        try checkArchitecture(manifest, path: path)
        try checkWeights(weights, against: manifest, path: path, file: "weights.safetensors")
        try checkValues(weights, path: path)
        return ModelBundle(
            path: path, manifest: manifest, manifestBytes: manifestBytes, weights: weights, members: members)
    }

    /// The manifest's architecture must be the one its recipe builds.
    static func checkArchitecture(_ m: BundleManifest, path: String) throws(BundleError) {
        do { try m.recipe.check() } catch { throw BundleError(path, file: "manifest.json", "\(error)") }
        if let wanted = m.recipe.features, wanted != m.features.kind {
            throw BundleError(
                path, file: "manifest.json",
                "recipe \(m.recipe.name) reads \(wanted.rawValue) features, not the \(m.features.kind.rawValue) its features state"
            )
        }
        let built: BundleManifest.Architecture
        do {
            built = try BundleManifest.architecture(
                recipe: m.recipe, frames: m.features.framesPerSegment, features: m.features.width,
                genres: m.genres.count)
        } catch { throw BundleError(path, file: "manifest.json", "\(error)") }
        guard built == m.architecture else {
            throw BundleError(
                path, file: "manifest.json", "the architecture does not match the network its recipe builds")
        }
        guard (m.normalization.kind == .none) == (m.normalization.tensors ?? []).isEmpty else {
            throw BundleError(
                path, file: "manifest.json",
                "normalization '\(m.normalization.kind.rawValue)' does not match its tensors")
        }
    }

    /// Weights must hold exactly the architecture's names and shapes.
    static func checkWeights(
        _ weights: [String: Tensor], against m: BundleManifest, path: String, file: String
    ) throws(BundleError) {
        let expected = m.expectedWeights
        let missing = Set(expected.keys).subtracting(weights.keys).sorted()
        if !missing.isEmpty {
            throw BundleError(path, file: file, "missing weights: \(missing.joined(separator: ", "))")
        }
        let unused = Set(weights.keys).subtracting(expected.keys).sorted()
        if !unused.isEmpty {
            throw BundleError(
                path, file: file, "weights the architecture does not use: \(unused.joined(separator: ", "))")
        }
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) where weights[name]!.shape != shape {
            throw BundleError(
                path, file: file, "\(name) has shape \(weights[name]!.shape), the architecture says \(shape)")
        }
    }

    /// Weights must be finite, and a normalisation's deviations positive (it divides by them).
    static func checkValues(_ weights: [String: Tensor], path: String) throws(BundleError) {
        for (name, tensor) in weights.sorted(by: { $0.key < $1.key }) where !tensor.values.allSatisfy(\.isFinite) {
            throw BundleError(path, file: "weights.safetensors", "\(name) holds NaN or infinite values")
        }
        for (name, tensor) in weights.sorted(by: { $0.key < $1.key })
        where name.hasSuffix(".moving_variance") && !tensor.values.allSatisfy({ $0 >= 0 }) {
            throw BundleError(path, file: "weights.safetensors", "\(name) holds a negative variance")
        }
        if let std = weights["normalization.std"], !std.values.allSatisfy({ $0 > 0 }) {
            throw BundleError(
                path, file: "weights.safetensors", "normalization.std holds a deviation that is not positive")
        }
    }

    /// The network with the bundle's weights loaded, ready for inference.
    public func model() -> Sequential {
        let model = try! manifest.recipe.model(  // its architecture was built in `open`
            inputShape: [manifest.features.framesPerSegment, manifest.features.width], genres: manifest.genres.count)
        try! model.load(weights.filter { !$0.key.hasPrefix("normalization.") })  // checked in `open`
        return model
    }

    /// The input normalisation, if the model has one.
    var normalization: Standardization? {
        guard manifest.normalization.kind == .perCoefficient, let mean = weights["normalization.mean"],
            let std = weights["normalization.std"]
        else { return nil }
        return Standardization(mean: mean.values, std: std.values)
    }
}
