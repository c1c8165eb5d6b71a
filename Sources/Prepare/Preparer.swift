import Archive
import Audio
import Basics
import Dataset
import Features
import Formats
import Foundation

/// Turns a validated GTZAN folder into the tensors a model trains on: decode, 10 segments per
/// track, librosa-exact MFCCs, a stratified split by track, `.npz` files and `dataset.json`.
public struct Preparer {
    public enum Unit: String, Codable, Sendable, CaseIterable {
        /// Every segment of a track lands in the same split: no song in both train and test.
        case track
        /// Segments are split on their own, as the reference notebook does (leaks songs across splits).
        case segment
        /// Every track of an artist lands in the same split (`GroupedSplit`), where the dataset
        /// has an artist index; the track split otherwise.
        case artist
    }

    /// The unit the split really uses: `artist` falls back to `track` without an artist index.
    var unit: Unit { options.unit == .artist && manifest.artists == nil ? .track : options.unit }

    /// Everything that decides what `prepare` writes; `shard.json` records it (all but `jobs`
    /// and `force`), so `merge` prepares as each shard did.
    public struct Options: Codable, Sendable {
        public var parameters = MFCCParameters()
        /// What each segment becomes: MFCCs (the reference notebook's) or the log-mel spectrogram.
        public var features = FeatureKind.mfcc
        /// GTZAN: segments per 30 s track. Labelled folders: the most 3 s segments a track gives.
        public var segments = 10
        public var jobs = ProcessInfo.processInfo.activeProcessorCount
        public var split = StratifiedSplit()
        /// By artist where the dataset has an artist index (GTZAN does), by track otherwise.
        public var unit = Unit.artist
        /// A published split: a name in the dataset manifest (`fault-filtered`) or a JSON file
        /// with `train`, `val` and `test` id lists.
        public var splitList: String?
        /// K stratified folds (3 or more) in one `folds.npz` instead of train, validation and test.
        public var folds: Int?
        /// Also write the reference notebook's `extracted_data.json`.
        public var alsoJSON = false
        /// Keep every copy of identical tracks (by default only the first id of each group is used).
        public var keepDuplicates = false
        /// How the tensor files hold their arrays.
        public var compression = NPZCompression.store
        public var force = false
        public init() {}

        enum CodingKeys: String, CodingKey {
            case parameters, features, segments, split, unit, splitList, folds, alsoJSON, keepDuplicates, compression
        }
    }

    public var manifest: DatasetManifest
    public var options: Options
    public var progress: ProgressLine?

    public init(manifest: DatasetManifest = .gtzan, options: Options = Options(), progress: ProgressLine? = nil) {
        self.manifest = manifest
        self.options = options
        self.progress = progress
    }

    static let generator = "genrekit \(GenreKitVersion.string)"

    /// A track chosen for feature extraction.
    struct Chosen {
        var id: String
        var genre: String
        var label: Int
        var path: String
        var fingerprint: String
        var segments: [Int]
        /// How the audio was converted for the features, once extracted.
        var conversions: [String] = []
    }

    /// - Parameters:
    ///   - directory: an unpacked dataset (`genres/<genre>/<id>.<ext>`, with or without `validation.json`).
    ///   - out: the features folder to create.
    /// - Returns: what `dataset.json` says.
    /// - Throws: `FeatureParameterError` for parameters GenreKit cannot compute, `PrepareError`
    ///   when no track or no split would be usable, `DatasetError` or `FileError` when the input
    ///   cannot be used at all or the output cannot be written.
    public func prepare(directory: String, out: String) throws -> DatasetDescription {
        try options.parameters.check()
        try checkFolds()
        try InputPath.requireFolder(directory, purpose: .dataset)
        try InputPath.refuseOverlap(output: out, inputs: [directory])
        let preparer = try labelled(directory)
        let progress = self.progress
        let output = try StagedDirectory(
            out, force: options.force, purpose: "preparing", inputs: [directory], note: { progress?.note($0) })
        let description = try preparer.prepare(directory, into: output)
        do { try Self.writeJSON(description, to: output.path("dataset.json")) } catch {
            throw FileError.io(path: output.display("dataset.json"), message: StagedDirectory.reason(error))
        }
        try output.commit()
        return description
    }

    /// The validation report, what `dataset.json` calls it, and the features already computed
    /// (stored in the given store, by the track's full path).
    typealias ReportSource = (FeatureStore) throws -> (ValidationReport, String, [String: Stored])

    /// Every step up to the tensors in `output`: the report, the chosen tracks, the split, the
    /// features through a scratch store (gone when this returns) and the description.
    /// - Parameter reportSource: where the report comes from (`merge`: the shards); by default
    ///   the folder's validation.json or a validation run now.
    func prepare(
        _ directory: String, into output: StagedDirectory, reportSource: ReportSource? = nil
    ) throws -> DatasetDescription {
        let store = try FeatureStore(in: output, perSegment: perSegment)
        let (report, validation, prefetched) = try reportSource?(store) ?? loadReport(directory, store: store)
        var skipped: [DatasetDescription.Skipped] = []
        var dropped: [DatasetDescription.DroppedSegment] = []
        let chosen = try choose(report, skipped: &skipped, dropped: &dropped)
        guard !chosen.isEmpty else { throw PrepareError.noUsableTrack(source: directory, skipped: skipped.count) }
        if options.unit == .artist, unit != .artist {
            progress?.note("\(manifest.name) has no artist index: splitting by track instead of by artist")
        }
        let bins = try deal(chosen, skipped: &skipped)
        let absent = try absentFromDataset(report)
        if !absent.isEmpty {
            progress?.note(
                "the split list \(options.splitList!) names \(absent.count) ids this dataset lacks: \(ReportFormatter.ranges(absent))"
            )
        }
        var kept = chosen.filter { track in track.segments.contains { bins[unitID(track.id, $0)] != nil } }
        try checkBins(kept, bins)
        let extracted = try extract(
            kept, root: directory, into: store, prefetched: prefetched, skipped: &skipped, dropped: &dropped)
        let keys: [Int]
        let synthetic = extracted.filter { $0?.synthetic == true }.count
        (kept, keys) = usable(kept, extracted)
        try checkBins(kept, bins)
        let (tensors, summaries) = tensorFiles(kept, keys: keys, store: store, bins: bins)
        if options.alsoJSON {
            try ExtractedJSON.write(
                genres: manifest.genres, tracks: kept, perSegment: perSegment, kind: options.features,
                width: width,
                to: output.path("extracted_data.json")
            ) { t, d, buffer in try store.read(track: keys[t], segment: d, into: buffer) }
        }
        let files = try writeTensors(tensors, into: output)
        return describe(
            directory: directory, validation: validation, kept: kept, bins: bins, summaries: summaries,
            files: files, skipped: skipped, dropped: dropped, syntheticTracks: synthetic)
    }

    /// This preparer with a `folders` dataset's labels: the label folders of `directory` that
    /// hold a track, sorted (the others are GTZAN's, fixed).
    func labelled(_ directory: String) throws -> Preparer {
        guard manifest.layout == .folders, manifest.genres.isEmpty else { return self }
        var preparer = self
        preparer.manifest = manifest.labelled(by: try Validator(manifest: manifest).list(directory: directory).labels)
        return preparer
    }

    var frames: Int { options.parameters.frames(samples: segmenter.length) }
    /// Values per frame: MFCC coefficients or mel bands.
    var width: Int { options.features.width(options.parameters) }
    var perSegment: Int { frames * width }

    /// Every bin must hold a track: a model cannot be validated or tested on nothing.
    func checkBins(_ kept: [Chosen], _ bins: [String: Int]) throws {
        var filled = Set<Int>()
        for track in kept {
            for d in track.segments { if let b = bins[unitID(track.id, d)] { filled.insert(b) } }
        }
        let empty = self.bins.indices.filter { !filled.contains($0) }
        if !empty.isEmpty {
            throw PrepareError.emptyPartitions(
                empty.map { self.bins[$0] }, tracks: kept.count,
                split: options.splitList ?? options.folds.map { "into \($0) folds" } ?? options.split.text)
        }
    }

    /// Folds need whole tracks (or artists) and a train fold besides test and validation.
    func checkFolds() throws {
        guard let k = options.folds else { return }
        guard (3...100).contains(k) else { throw PrepareError.unsupported("folds must be 3 to 100, not \(k)") }
        if options.unit == .segment { throw PrepareError.unsupported("folds split by track or artist, not by segment") }
        if options.splitList != nil { throw PrepareError.unsupported("a split list and folds exclude each other") }
    }

    /// The tracks that gave features, each with the segments it filled, and where each one's
    /// features are in the store.
    func usable(_ kept: [Chosen], _ extracted: [Stored?]) -> ([Chosen], keys: [Int]) {
        var tracks: [Chosen] = []
        var keys: [Int] = []
        for (track, stored) in zip(kept, extracted) {
            guard let stored else { continue }
            var t = track
            t.segments = Array(t.segments.prefix(stored.segments))
            t.conversions = stored.conversions
            tracks.append(t)
            keys.append(stored.key)
        }
        return (tracks, keys)
    }

    /// GTZAN's: `segments` per 30 s track. Without a fixed length (`folders`): every full 3 s
    /// segment from the start, at most `segments`.
    var segmenter: Segmenter {
        let seconds = manifest.audio?.seconds ?? DatasetManifest.freeSegmentSeconds * options.segments
        return Segmenter(sampleRate: options.parameters.sampleRate, seconds: seconds, count: options.segments)
    }

    func featureParameters(frames: Int) -> DatasetDescription.FeatureParameters {
        let p = options.parameters
        return .init(
            sampleRate: p.sampleRate, seconds: segmenter.seconds, segmentsPerTrack: options.segments,
            samplesPerSegment: segmenter.length, framesPerSegment: frames, nMFCC: p.nMFCC, nFFT: p.nFFT,
            hopLength: p.hopLength, nMels: p.nMels, fMin: p.fMin, fMax: p.fMax ?? Double(p.sampleRate) / 2,
            center: p.center, powerToDB: ["ref": 1, "amin": p.amin, "topDB": p.topDB], kind: options.features)
    }

    func splitPolicy() -> DatasetDescription.SplitPolicy {
        if let list = options.splitList { return .init(unit: "track", ratios: nil, seed: nil, list: list) }
        let s = options.split
        if let k = options.folds {
            var policy = DatasetDescription.SplitPolicy(unit: unit.rawValue, seed: s.seed)
            policy.folds = k
            return policy
        }
        return .init(
            unit: unit.rawValue, ratios: ["train": s.train, "val": s.val, "test": s.test], seed: s.seed, list: nil)
    }

    func sourceFingerprint(_ tracks: [Chosen]) -> String {
        sha256Hex(Data(tracks.map { "\($0.id) \($0.fingerprint)\n" }.joined().utf8))
    }

    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        try JSONEncoder.sorted.encodeLine(value).write(to: URL(fileURLWithPath: path))
    }
}
