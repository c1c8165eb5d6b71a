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
    public enum Unit: String, Sendable, CaseIterable {
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

    public struct Options: Sendable {
        public var parameters = MFCCParameters()
        public var segments = 10
        public var jobs = ProcessInfo.processInfo.activeProcessorCount
        public var split = StratifiedSplit()
        public var unit = Unit.track
        /// A published split: a name in the dataset manifest (`fault-filtered`) or a JSON file
        /// with `train`, `val` and `test` id lists.
        public var splitList: String?
        /// Also write the reference notebook's `extracted_data.json`.
        public var alsoJSON = false
        /// Keep every copy of identical tracks (by default only the first id of each group is used).
        public var keepDuplicates = false
        public var force = false
        public init() {}
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
        try InputPath.requireFolder(directory, purpose: .dataset)
        try InputPath.refuseOverlap(output: out, inputs: [directory])
        let (report, validation) = try loadReport(directory)
        var skipped: [DatasetDescription.Skipped] = []
        var dropped: [DatasetDescription.DroppedSegment] = []
        let chosen = try choose(report, skipped: &skipped, dropped: &dropped)
        guard !chosen.isEmpty else { throw PrepareError.noUsableTrack(source: directory, skipped: skipped.count) }
        if options.unit == .artist, unit != .artist {
            progress?.note("\(manifest.name) has no artist index: splitting by track instead of by artist")
        }
        let partitions = try partition(chosen, skipped: &skipped)
        let absent = try absentFromDataset(report)
        if !absent.isEmpty {
            progress?.note(
                "the split list \(options.splitList!) names \(absent.count) ids this dataset lacks: \(ReportFormatter.ranges(absent))"
            )
        }
        var kept = chosen.filter { track in track.segments.contains { partitions[unitID(track.id, $0)] != nil } }
        try checkPartitions(kept, partitions)

        let progress = self.progress
        let output = try StagedDirectory(
            out, force: options.force, purpose: "preparing", inputs: [directory], note: { progress?.note($0) })
        let (files, summaries) = try extractAndWrite(
            &kept, root: directory, partitions: partitions, into: output, skipped: &skipped, dropped: &dropped)
        let description = describe(
            directory: directory, validation: validation, kept: kept, partitions: partitions, summaries: summaries,
            files: files, skipped: skipped, dropped: dropped)
        do { try Self.writeJSON(description, to: output.path("dataset.json")) } catch {
            throw FileError.io(path: output.display("dataset.json"), message: StagedDirectory.reason(error))
        }
        try output.commit()
        return description
    }

    /// The features of `kept` through a scratch store into the three `.npz` files (and the
    /// notebook's JSON when asked); `kept` loses the tracks that no longer decode.
    func extractAndWrite(
        _ kept: inout [Chosen], root: String, partitions: [String: Partition], into output: StagedDirectory,
        skipped: inout [DatasetDescription.Skipped], dropped: inout [DatasetDescription.DroppedSegment]
    ) throws -> ([String: DatasetDescription.File], [String: DatasetDescription.SplitSummary]) {
        let store = try FeatureStore(in: output, perSegment: perSegment)
        let extracted = try extract(kept, root: root, into: store, skipped: &skipped, dropped: &dropped)
        let keys: [Int]
        (kept, keys) = usable(kept, extracted)
        try checkPartitions(kept, partitions)
        let (members, summaries) = splitMembers(kept, keys: keys, store: store, partitions: partitions)
        if options.alsoJSON {
            try ExtractedJSON.write(
                genres: manifest.genres, tracks: kept, perSegment: perSegment, nMFCC: options.parameters.nMFCC,
                to: output.path("extracted_data.json")
            ) { t, d, buffer in try store.read(track: keys[t], segment: d, into: buffer) }
        }
        let files = try writeTensors(
            members, counts: Partition.allCases.map { summaries[$0.rawValue]!.segments }, into: output)
        return (files, summaries)
    }

    var frames: Int { options.parameters.frames(samples: segmenter.length) }
    var perSegment: Int { frames * options.parameters.nMFCC }

    /// Every partition must hold a track: a model cannot be validated or tested on nothing.
    func checkPartitions(_ kept: [Chosen], _ partitions: [String: Partition]) throws {
        var filled = Set<Partition>()
        for track in kept {
            for d in track.segments { if let p = partitions[unitID(track.id, d)] { filled.insert(p) } }
        }
        let empty = Partition.allCases.filter { !filled.contains($0) }
        if !empty.isEmpty {
            throw PrepareError.emptyPartitions(
                empty.map(\.rawValue), tracks: kept.count, split: options.splitList ?? options.split.text)
        }
    }

    /// The tracks that gave features, each with the segments it filled, and where each one's
    /// features are in the store.
    func usable(_ kept: [Chosen], _ extracted: [Int?]) -> ([Chosen], keys: [Int]) {
        var tracks: [Chosen] = []
        var keys: [Int] = []
        for (i, (track, segments)) in zip(kept, extracted).enumerated() {
            guard let segments else { continue }
            var t = track
            t.segments = Array(t.segments.prefix(segments))
            tracks.append(t)
            keys.append(i)
        }
        return (tracks, keys)
    }

    var segmenter: Segmenter {
        Segmenter(sampleRate: options.parameters.sampleRate, seconds: manifest.audio.seconds, count: options.segments)
    }

    func featureParameters(frames: Int) -> DatasetDescription.FeatureParameters {
        let p = options.parameters
        return .init(
            sampleRate: p.sampleRate, seconds: manifest.audio.seconds, segmentsPerTrack: options.segments,
            samplesPerSegment: segmenter.length, framesPerSegment: frames, nMFCC: p.nMFCC, nFFT: p.nFFT,
            hopLength: p.hopLength, nMels: p.nMels, fMin: p.fMin, fMax: p.fMax ?? Double(p.sampleRate) / 2,
            center: p.center, powerToDB: ["ref": 1, "amin": p.amin, "topDB": p.topDB])
    }

    func splitPolicy() -> DatasetDescription.SplitPolicy {
        if let list = options.splitList { return .init(unit: "track", ratios: nil, seed: nil, list: list) }
        let s = options.split
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
