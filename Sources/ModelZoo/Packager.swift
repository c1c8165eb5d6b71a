import Archive
import Basics
import Formats
import Foundation
import NeuralNet
import Training

/// Turns a finished training run into `ZOO/NAME-VERSION.tar.gz` and records it in
/// `ZOO/index.json`.
///
/// Deterministic: members in a fixed order (`manifest.json` first, then `ModelBundle.memberOrder`),
/// owner 0, every time the creation time, gzip without a time stamp; the creation time is
/// `SOURCE_DATE_EPOCH` when set, else the modification time of the run's weights. The same run
/// and version give the same bytes.
public struct Packager {
    public var run: String
    public var version: String
    /// Default: the recipe's name.
    public var name: String?
    /// The license the manifest and model card state.
    public var license = BundleManifest.defaultLicense
    /// Where `SOURCE_DATE_EPOCH` is read from.
    public var environment = ProcessInfo.processInfo.environment

    public init(run: String, version: String, name: String? = nil) {
        self.run = run
        self.version = version
        self.name = name
    }

    /// Semantic version `MAJOR.MINOR.PATCH`, with an optional `-prerelease`.
    public static func isSemanticVersion(_ v: String) -> Bool {
        v.wholeMatch(of: /(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?/) != nil
    }

    /// A name that is safe as a file name: lower-case letters, digits, `.`, `_`, `-`.
    public static func isValidName(_ n: String) -> Bool {
        n.wholeMatch(of: /[a-z0-9][a-z0-9._-]{0,63}/) != nil
    }

    /// What a finished run holds, read once and checked for consistency.
    struct RunFiles {
        var recipe: Recipe
        var info: RunInfo
        var evaluation: Evaluation
        var evaluationBytes: [UInt8]
        var weightsBytes: [UInt8]
        var weights: [String: Tensor]
        var historyBytes: [UInt8]
        var history: [EpochRecord]
    }

    /// - Returns: the bundle's path and manifest.
    /// - Throws: `BundleError`: an unfinished or inconsistent run, a version already in the zoo,
    ///   an unwritable zoo.
    @discardableResult
    public func package(into zoo: String) throws(BundleError) -> (path: String, manifest: BundleManifest) {
        let files = try readRun()
        let name = self.name ?? files.recipe.name
        guard Self.isValidName(name) else {
            throw BundleError(run, "the name '\(name)' must be lower-case letters, digits, '.', '_' or '-'")
        }
        guard Self.isSemanticVersion(version) else {
            throw BundleError(run, "the version '\(version)' is not MAJOR.MINOR.PATCH")
        }
        var manifest = try makeManifest(files, name: name, created: try creationTime())
        try ModelBundle.checkWeights(files.weights, against: manifest, path: run, file: "weights.safetensors")
        let contents = try members(files, manifest: manifest)
        manifest.files = ModelBundle.memberOrder.map {
            BundleManifest.File(path: $0, sha256: sha256Hex(contents[$0]!), bytes: contents[$0]!.count)
        }
        let manifestBytes = Array(try! JSONEncoder.sorted.encodeLine(manifest))
        let file = "\(name)-\(version).tar.gz"
        let bundlePath = zoo + "/" + file
        // Check-and-add under the zoo's lock: two runs packaging at once both land in the index.
        try ZooLock.holding(zoo) { () throws(BundleError) in
            var index = try ZooIndex.load(zoo).reconciled(with: zoo).index
            if index.bundles.contains(where: { $0.name == name && $0.version == version })
                || FileManager.default.fileExists(atPath: bundlePath)
            {
                throw BundleError(
                    bundlePath,
                    "\(name) \(version) is already in the zoo; versions are never replaced, choose a new one")
            }
            let written = try write(bundlePath, manifestBytes: manifestBytes, contents: contents, manifest: manifest)
            index.add(ZooIndex.Entry(manifest: manifest, file: file, sha256: written.sha256, bytes: written.bytes))
            do throws(BundleError) { try index.write(zoo) } catch {
                unlink(bundlePath)
                throw error
            }
        }
        return (bundlePath, manifest)
    }

    /// Reads the run's files and checks they belong together: a finished run (its weights are
    /// written last), whose evaluation, history and weights count the same epochs.
    func readRun() throws(BundleError) -> RunFiles {
        func read(_ file: String) throws(BundleError) -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: run + "/" + file) else {
                throw BundleError(run, file: file, "missing (is the run finished? genrekit train writes it last)")
            }
            return Array(data)
        }
        func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ file: String) throws(BundleError) -> T {
            do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
                throw BundleError(run, file: file, "not what genrekit train writes (\(JSONProblem.describe(error)))")
            }
        }
        do { try InputPath.requireFolder(run, purpose: .run) } catch {
            if case .wrongInput(_, let message) = error { throw BundleError(run, message) }
            throw BundleError(run, "\(error)")
        }
        let recipe = try decode(Recipe.self, try read("recipe.json"), "recipe.json")
        let info = try decode(RunInfo.self, try read("run.json"), "run.json")
        let weightsBytes = try read("weights.safetensors")
        let evaluationBytes = try read("evaluation.json")
        let evaluation = try decode(Evaluation.self, evaluationBytes, "evaluation.json")
        let historyBytes = try read("history.csv")
        let history = Trainer.parseHistory(String(decoding: historyBytes, as: UTF8.self))
        let decoded: (tensors: [String: Tensor], metadata: [String: String])
        do { decoded = try Safetensors.decode(weightsBytes, path: "weights.safetensors") } catch {
            throw BundleError(run, file: "weights.safetensors", error.message)
        }
        let epochs = [history.last?.epoch, evaluation.epochs, decoded.metadata["epochs"].flatMap(Int.init)]
        guard history.last?.epoch == evaluation.epochs, epochs[2] == nil || epochs[2] == evaluation.epochs else {
            throw BundleError(
                run,
                "its files disagree (history.csv ends at epoch \(history.last?.epoch ?? 0), evaluation.json says \(evaluation.epochs)): "
                    + "the run was interrupted; finish it with genrekit train --resume")
        }
        guard evaluation.genres == info.genres else {
            throw BundleError(run, file: "evaluation.json", "its genres differ from run.json's")
        }
        do { try recipe.check() } catch { throw BundleError(run, file: "recipe.json", "\(error)") }
        return RunFiles(
            recipe: recipe, info: info, evaluation: evaluation, evaluationBytes: evaluationBytes,
            weightsBytes: weightsBytes, weights: decoded.tensors, historyBytes: historyBytes, history: history)
    }

    func makeManifest(_ f: RunFiles, name: String, created: Int64) throws(BundleError) -> BundleManifest {
        let normalized = f.recipe.normalization == .perCoefficient
        let architecture: BundleManifest.Architecture
        do {
            architecture = try BundleManifest.architecture(
                recipe: f.recipe, frames: f.info.features.framesPerSegment, features: f.info.features.width,
                genres: f.info.genres.count)
        } catch { throw BundleError(run, file: "recipe.json", "\(error)") }
        var manifest = BundleManifest(
            schemaVersion: BundleManifest.currentSchemaVersion, name: name, version: version,
            created: Self.iso8601(created), generator: "genrekit \(GenreKitVersion.string)", genres: f.info.genres,
            features: f.info.features,
            normalization: normalized
                ? .init(
                    kind: .perCoefficient,
                    formula:
                        "(x - normalization.mean) / normalization.std, per \(f.info.features.kind == .mel ? "mel band" : "MFCC coefficient"), before the first layer",
                    tensors: ["normalization.mean", "normalization.std"])
                : .init(kind: .none),
            architecture: architecture,
            recipe: f.recipe,
            training: .init(
                epochs: f.evaluation.epochs, bestEpoch: f.evaluation.bestEpoch, threads: f.info.threads,
                engine: f.info.engineName,
                secondsPerEpoch: RunTiming.read(run, epochs: f.evaluation.epochs).secondsPerEpoch),
            data: f.info.data,
            metrics: .init(test: f.evaluation.test, validation: f.evaluation.validation),
            files: [])
        manifest.license = license
        return manifest
    }

    /// Every member but the manifest, by name.
    func members(_ f: RunFiles, manifest: BundleManifest) throws(BundleError) -> [String: [UInt8]] {
        let title = "\(manifest.name) \(manifest.version)"
        var contents: [String: [UInt8]] = [
            "weights.safetensors": f.weightsBytes,
            "evaluation.json": f.evaluationBytes,
            "history.csv": f.historyBytes,
        ]
        let test = f.evaluation.test
        do {
            contents.merge(
                try RunPlots.files(
                    RunPlots.curves(f.history, bestEpoch: f.evaluation.bestEpoch, title: title), name: "curves")
            ) { $1 }
            contents.merge(
                try RunPlots.files(
                    RunPlots.confusion(
                        segments: test.confusion, tracks: test.trackConfusion, genres: f.evaluation.genres,
                        split: "test", title: "\(title): test confusion"), name: "confusion")
            ) { $1 }
        } catch { throw BundleError(run, "\(error)") }
        contents["README.md"] = Array(ModelCard.markdown(manifest).utf8)
        return contents
    }

    /// Writes the bundle (a temporary name, then a rename).
    /// - Returns: its SHA-256 and size, as written.
    func write(
        _ bundlePath: String, manifestBytes: [UInt8], contents: [String: [UInt8]], manifest: BundleManifest
    ) throws(BundleError) -> (sha256: String, bytes: Int) {
        do {
            let writer = try ArchiveWriter(path: bundlePath, format: .tarGzip)
            writer.modificationTime = Int(try creationTime())
            try writer.addFile("manifest.json", bytes: manifestBytes)
            for member in ModelBundle.memberOrder { try writer.addFile(member, bytes: contents[member]!) }
            return try writer.finish()
        } catch {
            throw BundleError(bundlePath, "cannot write the bundle (\(error))")
        }
    }

    /// `SOURCE_DATE_EPOCH` (seconds since 1970, UTC), else the run's weights' modification time.
    func creationTime() throws(BundleError) -> Int64 {
        if let text = environment["SOURCE_DATE_EPOCH"] {
            guard let seconds = Int64(text), seconds >= 0 else {
                throw BundleError(run, "SOURCE_DATE_EPOCH='\(text)' is not a whole number of seconds")
            }
            return seconds
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: run + "/weights.safetensors")
        let date = attributes?[.modificationDate] as? Date ?? Date()
        return Int64(date.timeIntervalSince1970)
    }

    static func iso8601(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

}
