import Audio
import Basics
import Dataset
import Formats
import Foundation

/// `genrekit merge`: the shards of one `prepare --shard I/N` run joined into the features
/// folder a single `prepare` of the whole folder writes, byte for byte: the same report (from
/// the shards' probes, or the folder's validation.json), split, order and dataset.json.
public struct ShardMerge {
    public var jobs: Int
    public var force: Bool
    public var progress: ProgressLine?

    public init(
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, force: Bool = false, progress: ProgressLine? = nil
    ) {
        self.jobs = jobs
        self.force = force
        self.progress = progress
    }

    /// - Parameters:
    ///   - shards: every shard folder of the run, in any order.
    ///   - out: the features folder to create.
    /// - Returns: the preparer the shards' settings give, and what dataset.json says.
    /// - Throws: `ShardError` when the shards are not all of one run, one is missing, repeated
    ///   or damaged; otherwise what `prepare` throws.
    public func merge(shards: [String], out: String) throws -> (Preparer, DatasetDescription) {
        let manifests = try checkedSet(shards)
        let first = manifests[0].manifest
        var options = first.options
        options.jobs = jobs
        options.force = force
        let listing = try joinedListing(manifests)
        // Known: ShardManifest.load checked the dataset.
        let preparer = Preparer(manifest: first.dataset(labels: listing.labels)!, options: options, progress: progress)
        try InputPath.refuseOverlap(output: out, inputs: shards)
        let progress = self.progress
        let output = try StagedDirectory(
            out, force: force, purpose: "merging", inputs: shards, note: { progress?.note($0) })
        let description = try preparer.prepare(first.source, into: output) { store in
            let report = try Self.report(of: manifests, listing: listing, preparer: preparer)
            let prefetched = try Self.copyFeatures(manifests, source: first.source, into: store)
            return (report, first.validationSHA256 == nil ? "validated now" : "validation.json", prefetched)
        }
        do { try Preparer.writeJSON(description, to: output.path("dataset.json")) } catch {
            throw FileError.io(path: output.display("dataset.json"), message: StagedDirectory.reason(error))
        }
        try output.commit()
        return (preparer, description)
    }

    /// Decodes and checks a shard.json as `merge` does before reading its features (for tools
    /// and fuzzing: every count, index and offset within the file's own bounds).
    /// - Throws: `ShardError` naming `name`.
    public static func check(shardJSON bytes: [UInt8], name: String) throws(ShardError) {
        let manifest: ShardManifest
        do { manifest = try JSONDecoder().decode(ShardManifest.self, from: Data(bytes)) } catch {
            throw .unreadable(path: name, message: "not a shard manifest (\(JSONProblem.describe(error)))")
        }
        try manifest.check(display: name)
    }

    struct Loaded {
        var folder: String
        var manifest: ShardManifest
    }

    /// The shards, read and checked, in shard order: all of one run, each number once, none missing.
    func checkedSet(_ folders: [String]) throws -> [Loaded] {
        guard !folders.isEmpty else { throw ShardError.incomplete("give the shard folders to merge") }
        var loaded: [Loaded] = []
        for folder in folders {
            loaded.append(Loaded(folder: folder, manifest: try ShardManifest.load(folder: folder)))
        }
        let reference = loaded[0]
        var byNumber: [Int: String] = [:]
        for shard in loaded {
            if let why = shard.manifest.difference(from: reference.manifest) {
                throw ShardError.mismatch(
                    path: shard.folder,
                    message: "\(why), unlike \(reference.folder): these shards are not of one prepare run")
            }
            if let other = byNumber[shard.manifest.shard.index] {
                throw ShardError.mismatch(
                    path: shard.folder,
                    message: "is shard \(shard.manifest.shard) again (as \(other)): give each shard once")
            }
            byNumber[shard.manifest.shard.index] = shard.folder
        }
        let count = reference.manifest.shard.count
        let missing = (1...count).filter { byNumber[$0] == nil }
        guard missing.isEmpty else {
            let which =
                missing.count == 1
                ? "shard \(missing[0]) of \(count) is"
                : "shards \(missing.map(String.init).joined(separator: ", ")) of \(count) are"
            throw ShardError.incomplete(
                "\(which) missing: run prepare --shard I/\(count) for each and give every shard folder")
        }
        return loaded.sorted { $0.manifest.shard.index < $1.manifest.shard.index }
    }

    /// The folder's listing, rebuilt from the shards' tracks: every track in exactly one shard,
    /// and the listing's fingerprint the one each shard saw.
    func joinedListing(_ shards: [Loaded]) throws -> FolderListing {
        let first = shards[0].manifest
        // By number, not an array of listedTracks slots: memory follows the tracks the files
        // hold, not the count a file claims.
        var byIndex: [Int: FolderListing.Track] = [:]
        for shard in shards {
            for track in shard.manifest.tracks {
                guard byIndex.updateValue(track.listed, forKey: track.index) == nil else {
                    throw ShardError.mismatch(
                        path: shard.folder, message: "track \(track.listed.path) is in two shards")
                }
            }
        }
        let found = byIndex.keys.sorted().map { byIndex[$0]! }
        let listing = FolderListing(tracks: found, skipped: first.skipped)
        guard found.count == first.listedTracks, listing.fingerprint == first.listing else {
            throw ShardError.incomplete(
                "the shards hold \(found.count) of the \(first.listedTracks) tracks listed, or other ones: make the shards again from one folder"
            )
        }
        return listing
    }

    /// The validation report a single `prepare` would use: built from the shards' probes, or
    /// the folder's validation.json if the shards saw one (it must not have changed since).
    static func report(of shards: [Loaded], listing: FolderListing, preparer: Preparer) throws -> ValidationReport {
        let first = shards[0].manifest
        guard let digest = first.validationSHA256 else {
            var probes: [Int: Result<AudioProbe, AudioError>] = [:]
            for shard in shards {
                for t in shard.manifest.tracks {
                    probes[t.index] = t.probe.map { .success($0) } ?? .failure(t.failure!)
                }
            }
            return Validator(manifest: preparer.manifest).report(listing, source: first.source, probes: probes)
        }
        let path = first.source + "/validation.json"
        guard let data = FileManager.default.contents(atPath: path), sha256Hex(data) == digest else {
            throw ShardError.mismatch(
                path: path, message: "changed or gone since the shards were made: make the shards again")
        }
        return try Preparer.validationReport(data, path: path)
    }

    /// Every shard's features into the merge's store, under the track's listing number, one
    /// segment at a time; returned by the track's full path, as the validation pass returns them.
    static func copyFeatures(_ shards: [Loaded], source: String, into store: FeatureStore) throws -> [String: Preparer
        .Stored]
    {
        let root = URL(fileURLWithPath: source).standardizedFileURL.path
        var stored: [String: Preparer.Stored] = [:]
        for shard in shards {
            let path = shard.folder + "/" + ShardManifest.featuresFile
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ShardError.unreadable(path: path, message: "cannot open it")
            }
            defer { try? handle.close() }
            for track in shard.manifest.tracks {
                guard let offset = track.offset else { continue }
                let count = store.perSegment * MemoryLayout<Float>.size
                do { try handle.seek(toOffset: UInt64(offset * MemoryLayout<Float>.size)) } catch {
                    throw ShardError.unreadable(path: path, message: StagedDirectory.reason(error))
                }
                for _ in 0..<track.segments {
                    let data: Data?
                    do { data = try handle.read(upToCount: count) } catch {
                        throw ShardError.unreadable(path: path, message: StagedDirectory.reason(error))
                    }
                    guard let data, data.count == count else {
                        throw ShardError.unreadable(path: path, message: "ends early: run its prepare --shard again")
                    }
                    try store.append(data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, track: track.index)
                }
                stored[root + "/" + track.listed.path] = Preparer.Stored(
                    key: track.index, segments: track.segments, synthetic: track.synthetic,
                    conversions: track.conversions)
            }
        }
        return stored
    }
}
