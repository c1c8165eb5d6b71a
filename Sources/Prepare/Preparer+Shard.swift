import Audio
import Basics
import Dataset
import Features
import Foundation

/// `prepare --shard I/N`: one shard's tracks, probed (when the folder has no validation.json)
/// and extracted in one decoding pass, into a shard folder `merge` joins with the others.
extension Preparer {
    public enum ShardOutcome: Equatable, Sendable {
        /// The shard was computed: its tracks, and those that gave features.
        case made(tracks: Int, withFeatures: Int)
        /// The folder already held this shard, complete, from the same folder and settings
        /// (a retried job redoes only the shards that failed).
        case alreadyComplete
    }

    /// - Parameters:
    ///   - directory: the dataset folder, as every shard and the merge name it.
    ///   - shard: which shard.
    ///   - out: the shard folder to create.
    /// - Throws: as `prepare(directory:out:)`, before anything is written.
    public func prepare(directory: String, shard: ShardSpec, out: String) throws -> ShardOutcome {
        try options.parameters.check()
        try checkFolds()
        try InputPath.requireFolder(directory, purpose: .dataset)
        try InputPath.refuseOverlap(output: out, inputs: [directory])
        let listing = try Validator(manifest: manifest).list(directory: directory)
        guard !listing.tracks.isEmpty else { throw DatasetError.noTracks(source: directory, layout: manifest.layout) }
        var record = ShardManifest(
            generator: Self.generator, shard: shard, dataset: manifest.name, source: directory, options: options,
            listing: listing.fingerprint, listedTracks: listing.tracks.count, skipped: listing.skipped,
            validationSHA256: try validationDigest(directory))
        // Built-in manifests are known by name; others travel with the shard, so the merge
        // labels and checks the tracks as each shard did.
        if manifest != .gtzan, manifest != .folders(labels: []) { record.manifest = manifest }
        if !options.force, let existing = try? ShardManifest.load(folder: out) {
            let why = existing.shard == shard ? existing.difference(from: record) : "is shard \(existing.shard)"
            guard let why else { return .alreadyComplete }
            throw ShardError.mismatch(path: out, message: "holds a shard that \(why); --force replaces it")
        }
        let progress = self.progress
        let output = try StagedDirectory(
            out, force: options.force, purpose: "preparing", inputs: [directory], note: { progress?.note($0) })
        let dealt = ShardSpec.deal(bytes: listing.tracks.map(\.bytes), into: shard.count)
        let mine = listing.tracks.indices.filter { dealt[$0] == shard.index }
        try compute(mine, of: listing, root: directory, into: &record, output: output)
        do { try Self.writeJSON(record, to: output.path(ShardManifest.file)) } catch {
            throw FileError.io(path: output.display(ShardManifest.file), message: StagedDirectory.reason(error))
        }
        try output.commit()
        return .made(tracks: mine.count, withFeatures: record.tracks.count { $0.offset != nil })
    }

    /// The shard's tracks and `features.f32`, through a scratch store that is gone when this
    /// returns (before the folder is committed).
    func compute(
        _ mine: [Int], of listing: FolderListing, root: String, into record: inout ShardManifest,
        output: StagedDirectory
    ) throws {
        let store = try FeatureStore(in: output, perSegment: perSegment)
        record.tracks = try extractShard(
            mine, of: listing, root: root, probing: record.validationSHA256 == nil, into: store)
        (record.featuresBytes, record.featuresSHA256) = try writeFeatures(&record.tracks, from: store, to: output)
    }

    /// The SHA-256 of `DIR/validation.json`, nil when there is none.
    func validationDigest(_ directory: String) throws -> String? {
        let path = directory + "/validation.json"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError.io(path: path, message: "cannot read it")
        }
        return sha256Hex(data)
    }

    /// Each of `tracks` (listing numbers) decoded once on `jobs` threads: probed as the
    /// validator probes (when `probing`), its segments' features stored under its number.
    func extractShard(
        _ tracks: [Int], of listing: FolderListing, root: String, probing: Bool, into store: FeatureStore
    ) throws -> [ShardManifest.Track] {
        let pipeline = SegmentPipeline(
            parameters: options.parameters, segmentLength: segmenter.length, kind: options.features)
        let standardRoot = URL(fileURLWithPath: root).standardizedFileURL.path
        let maxSegments = options.segments
        let progress = self.progress
        let results = ConcurrentMap.results(
            count: tracks.count, threads: options.jobs, setUp: { _ in MFCCExtractor(parameters: pipeline.parameters) },
            stop: { Interruption.shared.receivedSignal != nil },
            finished: { done in progress?.update("\(done) of \(tracks.count) tracks") }
        ) { (extractor, m) throws(StoreFailure) -> ShardManifest.Track in
            let i = tracks[m]
            let path = standardRoot + "/" + listing.tracks[i].path
            var track = ShardManifest.Track(index: i, listed: listing.tracks[i])
            let keep: (Int, [Float]) throws -> Void = { _, segment in
                do { try store.append(segment, track: i) } catch { throw StoreFailure(error: error) }
            }
            let summary: Result<SegmentPipeline.Summary, any Error>
            if probing {
                let probe: Result<AudioProbe, AudioError>
                (summary, probe) = pipeline.runProbing(path: path, extractor: extractor, maxSegments: maxSegments, keep)
                switch probe {
                case .success(let p): track.probe = p
                case .failure(let e): track.failure = e
                }
            } else {
                summary = Result { try pipeline.run(path: path, extractor: extractor, maxSegments: maxSegments, keep) }
            }
            if case .failure(let failure as StoreFailure) = summary { throw failure }
            if case .success(let s) = summary, s.segments > 0 {
                track.offset = 0
                track.segments = s.segments
                track.synthetic = SyntheticMarker.marks(s.software)
                track.conversions = s.conversions
            } else {
                store.discard(track: i)
            }
            return track
        }
        progress?.finish()
        try Interruption.shared.check()
        return try results.map { result throws in
            switch result! {
            case .success(let track): return track
            case .failure(let failure): throw failure.error
            }
        }
    }

    /// `features.f32` in listing order (so the same shard gives the same bytes whatever the
    /// threads' timing), each track's offset set; returns its size and SHA-256.
    func writeFeatures(
        _ tracks: inout [ShardManifest.Track], from store: FeatureStore, to output: StagedDirectory
    ) throws -> (Int, String) {
        let path = output.path(ShardManifest.featuresFile)
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw FileError.io(path: output.display(ShardManifest.featuresFile), message: "cannot create it") }
        defer { try? handle.close() }
        var hasher = StreamingSHA256()
        var segment = [Float](repeating: 0, count: perSegment)
        for t in tracks.indices where tracks[t].offset != nil {
            tracks[t].offset = hasher.count / MemoryLayout<Float>.size
            for d in 0..<tracks[t].segments {
                try segment.withUnsafeMutableBufferPointer {
                    try store.read(track: tracks[t].index, segment: d, into: $0)
                }
                let bytes = segment.withUnsafeBytes { Data($0) }
                bytes.withUnsafeBytes { hasher.update($0) }
                do { try handle.write(contentsOf: bytes) } catch {
                    throw FileError.io(
                        path: output.display(ShardManifest.featuresFile), message: StagedDirectory.reason(error))
                }
            }
        }
        return (hasher.count, hasher.hex())
    }
}
