import Archive
import Foundation
import NeuralNet
import Prepare

/// Turns a finished training run into `ZOO/NAME-VERSION.tar.gz` and records it in
/// `ZOO/index.json`.
///
/// Deterministic: members in a fixed order (`manifest.json` first, then `Bundle.memberOrder`),
/// owner 0, every time the creation time, gzip without a time stamp; the creation time is
/// `SOURCE_DATE_EPOCH` when set, else the modification time of the run's weights. The same run
/// and version give the same bytes.
public struct Packager {
    public var run: String
    public var version: String
    /// Default: the recipe's name.
    public var name: String?
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

    /// - Returns: the bundle's path and manifest.
    /// - Throws: `BundleError`: an unfinished or inconsistent run, a version already in the zoo,
    ///   an unwritable zoo.
    @discardableResult
    public func package(into zoo: String) throws(BundleError) -> (path: String, manifest: BundleManifest) {
        func read(_ file: String) throws(BundleError) -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: run + "/" + file) else {
                throw BundleError(run, file: file, "missing (is the run finished? genrekit train writes it)")
            }
            return Array(data)
        }
        func decode<T: Decodable>(_ type: T.Type, _ file: String) throws(BundleError) -> T {
            let bytes = try read(file)
            do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
                throw BundleError(run, file: file, "not what genrekit train writes (\(error))")
            }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: run, isDirectory: &isFolder), isFolder.boolValue else {
            throw BundleError(run, "no such run folder (genrekit train --out makes one)")
        }
        let recipe = try decode(Recipe.self, "recipe.json")
        let info = try decode(RunInfo.self, "run.json")
        let evaluation = try decode(Evaluation.self, "evaluation.json")
        let weightsBytes = try read("weights.safetensors")
        let historyBytes = try read("history.csv")
        let history = Trainer.parseHistory(String(decoding: historyBytes, as: UTF8.self))
        let name = self.name ?? recipe.name
        guard Self.isValidName(name) else {
            throw BundleError(run, "the name '\(name)' must be lower-case letters, digits, '.', '_' or '-'")
        }
        guard Self.isSemanticVersion(version) else {
            throw BundleError(run, "the version '\(version)' is not MAJOR.MINOR.PATCH")
        }
        let bundlePath = zoo + "/\(name)-\(version).tar.gz"
        var index = try ZooIndex.load(zoo)
        if index.bundles.contains(where: { $0.name == name && $0.version == version })
            || FileManager.default.fileExists(atPath: bundlePath)
        {
            throw BundleError(
                bundlePath, "\(name) \(version) is already in the zoo; versions are never replaced, choose a new one")
        }

        let created = try creationTime()
        let weights: [String: Tensor]
        do { weights = try Safetensors.decode(weightsBytes, path: "weights.safetensors").tensors } catch {
            throw BundleError(run, file: "weights.safetensors", error.message)
        }
        let normalized = recipe.normalization == "per-coefficient"
        var manifest = BundleManifest(
            schemaVersion: BundleManifest.currentSchemaVersion, name: name, version: version,
            created: Self.iso8601(created), generator: "genrekit \(GenreKitVersion.string)", genres: info.genres,
            features: info.features,
            normalization: normalized
                ? .init(
                    kind: "per-coefficient",
                    formula:
                        "(x - normalization.mean) / normalization.std, per MFCC coefficient, before the first layer",
                    tensors: ["normalization.mean", "normalization.std"])
                : .init(kind: "none"),
            architecture: BundleManifest.architecture(
                recipe: recipe, frames: info.features.framesPerSegment, nMFCC: info.features.nMFCC,
                genres: info.genres.count),
            recipe: recipe,
            training: .init(
                epochs: evaluation.epochs, bestEpoch: evaluation.bestEpoch, threads: info.threads,
                engine: info.engineName),
            data: info.data,
            metrics: .init(test: evaluation.test, validation: evaluation.validation),
            files: [])
        try Bundle.checkWeights(weights, against: manifest, path: run, file: "weights.safetensors")
        guard evaluation.genres == info.genres else {
            throw BundleError(run, file: "evaluation.json", "its genres differ from run.json's")
        }

        var contents: [String: [UInt8]] = [
            "weights.safetensors": weightsBytes,
            "evaluation.json": try read("evaluation.json"),
            "history.csv": historyBytes,
            "curves.svg": Array(Plots.curves(history, title: "\(name) \(version)").utf8),
            "confusion.svg": Array(
                Plots.confusion(evaluation.test.confusion, genres: evaluation.genres, title: "\(name) \(version): test")
                    .utf8),
        ]
        contents["README.md"] = Array(ModelCard.markdown(manifest).utf8)
        manifest.files = Bundle.memberOrder.map {
            BundleManifest.File(path: $0, sha256: sha256Hex(contents[$0]!), bytes: contents[$0]!.count)
        }
        let manifestBytes = Array((try! JSONEncoder.sorted.encode(manifest)) + Data("\n".utf8))

        do {
            try FileManager.default.createDirectory(atPath: zoo, withIntermediateDirectories: true)
            let writer = try ArchiveWriter(path: bundlePath, format: .tarGzip)
            writer.modificationTime = Int(created)
            try writer.addFile("manifest.json", bytes: manifestBytes)
            for member in Bundle.memberOrder { try writer.addFile(member, bytes: contents[member]!) }
            try writer.finish()
        } catch {
            throw BundleError(bundlePath, "cannot write the bundle (\(error))")
        }
        let bundleBytes = (FileManager.default.contents(atPath: bundlePath)).map(Array.init) ?? []
        index.add(
            ZooIndex.Entry(
                name: name, version: version, file: "\(name)-\(version).tar.gz", sha256: sha256Hex(bundleBytes),
                bytes: bundleBytes.count, created: manifest.created, recipe: recipe.name,
                testSegmentAccuracy: manifest.metrics.test.segmentAccuracy,
                testTrackAccuracy: manifest.metrics.test.trackAccuracy,
                validationSegmentAccuracy: manifest.metrics.validation.segmentAccuracy))
        do { try index.write(zoo) } catch {
            unlink(bundlePath)
            throw error
        }
        return (bundlePath, manifest)
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

/// `ZOO/index.json`: every bundle of the zoo with its version and headline accuracy.
public struct ZooIndex: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var file: String
        /// Of the `.tar.gz`.
        public var sha256: String
        public var bytes: Int
        public var created: String
        public var recipe: String
        public var testSegmentAccuracy: Double
        public var testTrackAccuracy: Double
        public var validationSegmentAccuracy: Double
    }

    public var formatVersion = 1
    public var bundles: [Entry] = []

    /// The zoo's index; an empty one when the zoo does not exist yet.
    /// - Throws: `BundleError` when `index.json` exists but cannot be read.
    public static func load(_ zoo: String) throws(BundleError) -> ZooIndex {
        let path = zoo + "/index.json"
        guard FileManager.default.fileExists(atPath: path) else { return ZooIndex() }
        guard let data = FileManager.default.contents(atPath: path),
            let index = try? JSONDecoder().decode(ZooIndex.self, from: data)
        else { throw BundleError(zoo, file: "index.json", "not a zoo index (repair or remove it)") }
        guard index.formatVersion == 1 else {
            throw BundleError(zoo, file: "index.json", "format version \(index.formatVersion) is not 1")
        }
        return index
    }

    /// Adds a bundle, keeping the list ordered by name, then version (numerically).
    mutating func add(_ entry: Entry) {
        bundles.append(entry)
        bundles.sort { a, b in
            a.name != b.name
                ? a.name < b.name : Self.versionKey(a.version).lexicographicallyPrecedes(Self.versionKey(b.version))
        }
    }

    static func versionKey(_ v: String) -> [Int] {
        let core = v.split(separator: "-", maxSplits: 1).first ?? ""
        // A pre-release sorts before its release.
        return core.split(separator: ".").map { Int($0) ?? 0 } + [v.contains("-") ? 0 : 1]
    }

    /// Writes atomically.
    func write(_ zoo: String) throws(BundleError) {
        do { try AtomicFile.write(try json(), to: zoo + "/index.json") } catch {
            throw BundleError(zoo, file: "index.json", "\(error)")
        }
    }

    /// The index as `index.json` holds it.
    public func json() throws -> Data { try JSONEncoder.sorted.encode(self) + Data("\n".utf8) }

    /// The table `genrekit zoo list` prints.
    public var table: String {
        var rows = [["NAME", "VERSION", "CREATED", "TEST ACC (SEGMENT)", "TEST ACC (TRACK)", "VAL ACC", "FILE"]]
        for b in bundles {
            rows.append([
                b.name, b.version, b.created, String(format: "%.4f", b.testSegmentAccuracy),
                String(format: "%.4f", b.testTrackAccuracy), String(format: "%.4f", b.validationSegmentAccuracy),
                b.file,
            ])
        }
        return TextTable.render(rows)
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let width = rows.first?.count else { return "" }
        let widths = (0..<width).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? pad + cell : (c == width - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
