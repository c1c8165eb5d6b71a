import Basics
import Foundation

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
        /// The split the accuracies are on (`artist split 60/20/20, seed 42`); absent in indexes
        /// written before GenreKit 0.4.
        public var split: String?
        /// The model's input (`mfcc 13`), trainable parameters, and median seconds per training
        /// epoch on the machine that trained it; absent in older indexes (and the last in
        /// untimed runs).
        public var features: String?
        public var parameters: Int?
        public var secondsPerEpoch: Double?
    }

    /// What `reconciled(with:)` changed: bundles in the folder the index lacked (a `package`
    /// killed between writing the bundle and the index), entries whose file is gone, and
    /// `.tar.gz` files that are not valid bundles (left out, with the reason).
    public struct Repairs: Sendable, Equatable {
        public var added: [String] = []
        public var dropped: [String] = []
        public var invalid: [String] = []
        public var isEmpty: Bool { added.isEmpty && dropped.isEmpty && invalid.isEmpty }
    }

    /// The index as the zoo folder's bundles say it should be: every `.tar.gz` that opens as a
    /// verified bundle is listed, and no entry lacks its file. The index is derived data; the
    /// bundles are the truth.
    public func reconciled(with zoo: String) -> (index: ZooIndex, repairs: Repairs) {
        var index = self
        var repairs = Repairs()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: zoo)) ?? []
        let present = Set(names)
        for entry in bundles where !present.contains(entry.file) {
            index.bundles.removeAll { $0.file == entry.file }
            repairs.dropped.append(entry.file)
        }
        let listed = Set(index.bundles.map(\.file))
        for name in names.sorted() where name.hasSuffix(".tar.gz") && !name.hasPrefix(".") && !listed.contains(name) {
            let path = zoo + "/" + name
            do {
                let bundle = try ModelBundle.open(path)
                let bytes = FileManager.default.contents(atPath: path).map(Array.init) ?? []
                guard
                    !index.bundles.contains(where: {
                        $0.name == bundle.manifest.name && $0.version == bundle.manifest.version
                    })
                else { throw BundleError(path, "a second file for \(bundle.manifest.name) \(bundle.manifest.version)") }
                index.add(Entry(manifest: bundle.manifest, file: name, sha256: sha256Hex(bytes), bytes: bytes.count))
                repairs.added.append(name)
            } catch {
                repairs.invalid.append("\(error)")
            }
        }
        return (index, repairs)
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

    /// Lines for people about what `reconciled` changed.
    public static func notes(_ r: Repairs) -> [String] {
        r.added.map { "\($0) is in the folder but was missing from index.json (a package run was interrupted); listed" }
            + r.dropped.map { "\($0) is listed in index.json but its file is gone; left out" }
            + r.invalid.map { "ignored \($0)" }
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
    public func json() throws -> Data { try JSONEncoder.sorted.encodeLine(self) }

    /// The bundles best first: by test track accuracy, then test segment accuracy, then name
    /// and version, so models on the same split compare at a glance.
    public var leaderboard: [Entry] {
        bundles.sorted { a, b in
            if a.testTrackAccuracy != b.testTrackAccuracy { return a.testTrackAccuracy > b.testTrackAccuracy }
            if a.testSegmentAccuracy != b.testSegmentAccuracy { return a.testSegmentAccuracy > b.testSegmentAccuracy }
            return a.name != b.name
                ? a.name < b.name : Self.versionKey(a.version).lexicographicallyPrecedes(Self.versionKey(b.version))
        }
    }

    /// The leaderboard `genrekit zoo list` prints.
    public var table: String {
        var rows = [
            [
                "RANK", "NAME", "VERSION", "TEST ACC (TRACK)", "TEST ACC (SEGMENT)", "VAL ACC", "SPLIT", "RECIPE",
                "FEATURES", "PARAMS", "S/EPOCH", "FILE",
            ]
        ]
        for (rank, b) in leaderboard.enumerated() {
            rows.append([
                "\(rank + 1)", b.name, b.version, String(format: "%.4f", b.testTrackAccuracy),
                String(format: "%.4f", b.testSegmentAccuracy), String(format: "%.4f", b.validationSegmentAccuracy),
                b.split ?? "unknown", b.recipe, b.features ?? "-", b.parameters.map { "\($0)" } ?? "-",
                b.secondsPerEpoch.map { String(format: "%.2f", $0) } ?? "-", b.file,
            ])
        }
        return TextTable.render(rows)
    }
}

extension ZooIndex.Entry {
    /// The entry for a bundle, from its manifest and its file's SHA-256 and size.
    init(manifest m: BundleManifest, file: String, sha256: String, bytes: Int) {
        self.init(
            name: m.name, version: m.version, file: file, sha256: sha256, bytes: bytes,
            created: m.created, recipe: m.recipe.name, testSegmentAccuracy: m.metrics.test.segmentAccuracy,
            testTrackAccuracy: m.metrics.test.trackAccuracy,
            validationSegmentAccuracy: m.metrics.validation.segmentAccuracy, split: m.data.splitSummary,
            features: "\(m.features.kind) \(m.architecture.input.last ?? 0)", parameters: m.architecture.parameters,
            secondsPerEpoch: m.training.secondsPerEpoch)
    }
}

/// An exclusive lock on a zoo (`flock` on `ZOO/.lock`), held while a bundle is checked for,
/// written and added to the index, so two `package` runs cannot lose each other's entry.
enum ZooLock {
    static func holding<T>(_ zoo: String, _ body: () throws(BundleError) -> T) throws(BundleError) -> T {
        do { try FileManager.default.createDirectory(atPath: zoo, withIntermediateDirectories: true) } catch {
            throw BundleError(zoo, "cannot create the zoo folder (\(StagedDirectory.reason(error)))")
        }
        let fd = open(zoo + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BundleError(zoo, file: ".lock", "cannot open it (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw BundleError(zoo, file: ".lock", "cannot lock it (\(String(cString: strerror(errno))))")
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
