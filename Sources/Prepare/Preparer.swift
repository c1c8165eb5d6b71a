import Archive
import Audio
import Crypto
import Dataset
import Features
import Foundation

/// Turns a validated GTZAN folder into the tensors a model trains on: decode, 10 segments per
/// track, librosa-exact MFCCs, a stratified split by track, `.npz` files and `dataset.json`.
public struct Preparer {
    public enum Unit: String, Sendable, CaseIterable {
        /// Every segment of a track lands in the same split: no song in both train and test.
        case track
        /// Segments are split on their own, as the reference notebook does (leaks songs across splits).
        case segment
    }

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
    /// - Throws: `PrepareError` when no track or no split would be usable, `DatasetError` when the
    ///   input cannot be used at all or the output cannot be written.
    public func prepare(directory: String, out: String) throws -> DatasetDescription {
        try InputPath.requireFolder(directory, purpose: .dataset)
        try InputPath.refuseOverlap(output: out, inputs: [directory])
        let (report, validation) = try loadReport(directory)
        var skipped: [DatasetDescription.Skipped] = []
        var dropped: [DatasetDescription.DroppedSegment] = []
        let chosen = try choose(report, skipped: &skipped, dropped: &dropped)
        guard !chosen.isEmpty else { throw PrepareError.noUsableTrack(source: directory, skipped: skipped.count) }
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
        let extracted = try extract(kept, root: directory, skipped: &skipped, dropped: &dropped)
        var features: [[Float]] = []
        (kept, features) = usable(kept, extracted)
        try checkPartitions(kept, partitions)

        let (encoded, summaries) = encodeSplits(kept, features: features, partitions: partitions)
        if options.alsoJSON {
            try ExtractedJSON.write(
                genres: manifest.genres, tracks: kept, features: features, perSegment: perSegment,
                nMFCC: options.parameters.nMFCC, to: output.path("extracted_data.json"))
        }
        features = []
        let files = try writeTensors(
            encoded, counts: Partition.allCases.map { summaries[$0.rawValue]!.segments }, into: output)
        let description = describe(
            directory: directory, validation: validation, kept: kept, partitions: partitions, summaries: summaries,
            files: files, skipped: skipped, dropped: dropped)
        do { try Self.writeJSON(description, to: output.path("dataset.json")) } catch {
            throw DatasetError.io(path: output.display("dataset.json"), message: StagedDirectory.reason(error))
        }
        try output.commit()
        return description
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

    /// The tracks that gave features, each with the segments it filled.
    func usable(_ kept: [Chosen], _ extracted: [[Float]?]) -> ([Chosen], [[Float]]) {
        var tracks: [Chosen] = []
        var features: [[Float]] = []
        for (track, values) in zip(kept, extracted) {
            guard let values else { continue }
            var t = track
            t.segments = Array(t.segments.prefix(values.count / perSegment))
            tracks.append(t)
            features.append(values)
        }
        return (tracks, features)
    }

    /// Each split's arrays as .npy bytes, the MFCCs copied once from the per-track features, and
    /// what each split holds.
    func encodeSplits(_ kept: [Chosen], features: [[Float]], partitions: [String: Partition]) -> (
        [[(String, [UInt8])]], [String: DatasetDescription.SplitSummary]
    ) {
        var encoded: [[(String, [UInt8])]] = []
        var summaries: [String: DatasetDescription.SplitSummary] = [:]
        let perSegment = self.perSegment
        for part in Partition.allCases {
            var rows: [(track: Int, segment: Int)] = []
            for (i, track) in kept.enumerated() {
                for d in track.segments where partitions[unitID(track.id, d)] == part { rows.append((i, d)) }
            }
            var mfcc = NPY.header(dtype: .float32, shape: [rows.count, frames, options.parameters.nMFCC])
            mfcc.reserveCapacity(mfcc.count + rows.count * perSegment * 4)
            for row in rows {
                let offset = kept[row.track].segments.firstIndex(of: row.segment)! * perSegment
                features[row.track].withUnsafeBytes {
                    mfcc.append(contentsOf: $0[offset * 4..<(offset + perSegment) * 4])
                }
            }
            encoded.append([
                ("mfcc", mfcc),
                ("label", NPY.encode(NPYArray(rows.map { Int64(kept[$0.track].label) }, shape: [rows.count]))),
                ("track", NPY.encode(NPYArray(rows.map { Int32($0.track) }, shape: [rows.count]))),
                ("segment", NPY.encode(NPYArray(rows.map { Int32($0.segment) }, shape: [rows.count]))),
            ])
            summaries[part.rawValue] = summary(rows, kept)
        }
        return (encoded, summaries)
    }

    func summary(_ rows: [(track: Int, segment: Int)], _ kept: [Chosen]) -> DatasetDescription.SplitSummary {
        var perGenre: [String: DatasetDescription.Counts] = [:]
        var trackIDs: [String] = []
        for row in rows {
            let track = kept[row.track]
            let isNew = trackIDs.last != track.id
            if isNew { trackIDs.append(track.id) }
            perGenre[track.genre, default: .init(tracks: 0, segments: 0)].segments += 1
            if isNew { perGenre[track.genre]!.tracks += 1 }
        }
        return .init(tracks: trackIDs, segments: rows.count, perGenre: perGenre)
    }

    /// Deflates the three files at once (zlib is single-threaded per stream) and records each
    /// one's SHA-256, size and segment count.
    func writeTensors(_ encoded: [[(String, [UInt8])]], counts: [Int], into output: StagedDirectory) throws
        -> [String: DatasetDescription.File]
    {
        let written = UnsafeMutableBufferPointer<Result<DatasetDescription.File, any Error>?>.allocate(capacity: 3)
        written.initialize(repeating: nil)
        defer {
            _ = written.deinitialize()
            written.deallocate()
        }
        nonisolated(unsafe) let slots = written
        let paths = Partition.allCases.map { output.path("\($0.rawValue).npz") }
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            slots[i] = Result {
                try NPY.writeArchive(encoded: encoded[i], to: paths[i])
                let bytes = try Data(contentsOf: URL(fileURLWithPath: paths[i]))
                return DatasetDescription.File(sha256: Self.sha256(bytes), bytes: bytes.count, segments: counts[i])
            }
        }
        var files: [String: DatasetDescription.File] = [:]
        for (i, part) in Partition.allCases.enumerated() {
            do { files["\(part.rawValue).npz"] = try written[i]!.get() } catch {
                throw DatasetError.io(
                    path: output.display("\(part.rawValue).npz"), message: StagedDirectory.reason(error))
            }
        }
        return files
    }

    func describe(
        directory: String, validation: String, kept: [Chosen], partitions: [String: Partition],
        summaries: [String: DatasetDescription.SplitSummary], files: [String: DatasetDescription.File],
        skipped: [DatasetDescription.Skipped], dropped: [DatasetDescription.DroppedSegment]
    ) -> DatasetDescription {
        DatasetDescription(
            generator: Self.generator,
            source: .init(path: directory, fingerprint: sourceFingerprint(kept), validation: validation),
            features: featureParameters(frames: frames), genres: manifest.genres, split: splitPolicy(),
            splits: summaries,
            tracks: kept.enumerated().map { i, t in
                let parts = Set(t.segments.compactMap { partitions[unitID(t.id, $0)] })
                return .init(
                    index: i, id: t.id, genre: t.genre, label: t.label,
                    split: options.unit == .track ? parts.first : nil, segments: t.segments)
            }, files: files,
            fingerprint: Self.sha256(
                Data(Partition.allCases.map { files["\($0.rawValue).npz"]!.sha256 }.joined().utf8)),
            skipped: skipped, droppedSegments: dropped)
    }

    var segmenter: Segmenter {
        Segmenter(sampleRate: options.parameters.sampleRate, seconds: manifest.audio.seconds, count: options.segments)
    }

    /// `validation.json` if the folder has one (as `unpack` writes it), else a fresh validation.
    func loadReport(_ directory: String) throws -> (ValidationReport, String) {
        let path = directory + "/validation.json"
        if let data = FileManager.default.contents(atPath: path) {
            do {
                return (try JSONDecoder().decode(ValidationReport.self, from: data), "validation.json")
            } catch {
                throw DatasetError.io(
                    path: path,
                    message: "not a validation report (\(JSONProblem.describe(error))); remove it to validate anew")
            }
        }
        return (try Validator(manifest: manifest).validate(directory: directory), "validated now")
    }

    /// The usable tracks, in label order then id; everything else is recorded with its reason.
    func choose(
        _ report: ValidationReport, skipped: inout [DatasetDescription.Skipped],
        dropped: inout [DatasetDescription.DroppedSegment]
    ) throws -> [Chosen] {
        var seen: [String: String] = [:]
        var chosen: [Chosen] = []
        let ordered = report.tracks.sorted {
            (manifest.genres.firstIndex(of: $0.genre) ?? Int.max, $0.id) < (
                manifest.genres.firstIndex(of: $1.genre) ?? Int.max, $1.id
            )
        }
        for track in ordered {
            guard track.status != .corrupt, let audio = track.audio else {
                let why = track.problems.map { "\($0.code.rawValue): \($0.message)" }.joined(separator: "; ")
                skipped.append(.init(id: track.id, reason: "corrupt (\(why))"))
                continue
            }
            guard let label = manifest.genres.firstIndex(of: track.genre) else {
                skipped.append(
                    .init(id: track.id, reason: "genre '\(track.genre)' is not one of the \(manifest.name) genres"))
                continue
            }
            guard audio.sampleRate == options.parameters.sampleRate else {
                skipped.append(
                    .init(
                        id: track.id,
                        reason: "\(audio.sampleRate) Hz; features are computed at \(options.parameters.sampleRate) Hz"))
                continue
            }
            if !options.keepDuplicates, let first = seen[audio.fingerprint] {
                skipped.append(
                    .init(
                        id: track.id,
                        reason: "identical audio to \(first), which is used instead (no leak across splits)"))
                continue
            }
            seen[audio.fingerprint] = track.id
            let segments = Array(segmenter.segments(samples: audio.frames).indices)
            for d in segments.count..<options.segments {
                dropped.append(.init(id: track.id, segment: d, reason: "the track ends at \(audio.seconds) s"))
            }
            guard !segments.isEmpty else {
                skipped.append(.init(id: track.id, reason: "no full segment (\(audio.seconds) s)"))
                continue
            }
            chosen.append(
                Chosen(
                    id: track.id, genre: track.genre, label: label, path: track.path, fingerprint: audio.fingerprint,
                    segments: segments))
        }
        return chosen
    }

    /// The split unit's id: the track id, or `id#segment`.
    func unitID(_ id: String, _ segment: Int) -> String { options.unit == .track ? id : "\(id)#\(segment)" }

    /// Partition of every unit; with a published list, tracks outside it are recorded as skipped.
    func partition(_ chosen: [Chosen], skipped: inout [DatasetDescription.Skipped]) throws -> [String: Partition] {
        let (assigned, outside) = try assignPartitions(
            chosen.map { (id: $0.id, genre: $0.genre, segments: $0.segments) })
        for id in outside { skipped.append(.init(id: id, reason: "not in the split list '\(options.splitList!)'")) }
        return assigned
    }

    /// The split of each unit (`id` when splitting by track, `id#segment` by segment), and the
    /// track ids a published split list leaves out.
    /// - Parameter tracks: every usable track with its segment indices.
    public func assignPartitions(_ tracks: [(id: String, genre: String, segments: [Int])]) throws
        -> (partitions: [String: Partition], outsideList: [String])
    {
        var result: [String: Partition] = [:]
        if let name = options.splitList {
            let lists = try loadSplitList(name)
            var outside: [String] = []
            for track in tracks {
                guard let part = lists[track.id] else {
                    outside.append(track.id)
                    continue
                }
                for d in track.segments { result[unitID(track.id, d)] = part }
            }
            return (result, outside)
        }
        let units = tracks.flatMap { t in
            options.unit == .track
                ? [(id: t.id, genre: t.genre)] : t.segments.map { (id: unitID(t.id, $0), genre: t.genre) }
        }
        let assigned = options.split.assign(units, genres: manifest.genres)
        for track in tracks {
            for d in track.segments { result[unitID(track.id, d)] = assigned[unitID(track.id, d)] }
        }
        return (result, [])
    }

    /// A split list by manifest name or from a JSON file `{"train": [...], "val": [...], "test": [...]}`.
    func loadSplitList(_ name: String) throws -> [String: Partition] {
        let lists: [String: [String]]
        if let published = manifest.splits[name] {
            lists = ["train": published.train, "val": published.val, "test": published.test]
        } else if let data = FileManager.default.contents(atPath: name) {
            do {
                lists = try JSONDecoder().decode([String: [String]].self, from: data)
            } catch {
                throw DatasetError.io(
                    path: name,
                    message: "not a split list: expected {\"train\": [ids], \"val\": [ids], \"test\": [ids]}")
            }
        } else {
            let known = manifest.splits.keys.sorted().joined(separator: ", ")
            throw DatasetError.io(
                path: name, message: "neither a split list of the manifest (\(known)) nor a readable file")
        }
        let unknown = Set(lists.keys).subtracting(Partition.allCases.map(\.rawValue))
        guard unknown.isEmpty else {
            throw PrepareError.badSplitList(
                path: name,
                message: "has lists \(unknown.sorted().joined(separator: ", ")); expected train, val and test")
        }
        var result: [String: Partition] = [:]
        for part in Partition.allCases {
            for id in lists[part.rawValue] ?? [] {
                if let other = result[id], other != part {
                    throw PrepareError.badSplitList(
                        path: name,
                        message: "puts \(EntryName.display(id)) in both \(other.rawValue) and \(part.rawValue)")
                }
                result[id] = part
            }
        }
        return result
    }

    /// The ids a split list names that the dataset does not hold at all (not merely skipped).
    func absentFromDataset(_ report: ValidationReport) throws -> [String] {
        guard let name = options.splitList else { return [] }
        let present = Set(report.tracks.map(\.id))
        return try loadSplitList(name).keys.filter { !present.contains($0) }.sorted()
    }

    /// MFCCs of every kept segment of every track, `[segments * frames * nMFCC]` per track, on
    /// `jobs` threads, each with its own extractor. What is decoded now is checked, not what
    /// the validation report says: a track that no longer decodes, holds damaged samples or
    /// changed its rate is skipped, and one that got shorter loses the segments it no longer
    /// fills.
    func extract(
        _ tracks: [Chosen], root: String, skipped: inout [DatasetDescription.Skipped],
        dropped: inout [DatasetDescription.DroppedSegment]
    ) throws -> [[Float]?] {
        let results = UnsafeMutableBufferPointer<Result<(features: [Float], segments: Int), any Error>?>.allocate(
            capacity: tracks.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        let counter = Counter()
        let pipeline = SegmentPipeline(parameters: options.parameters, segmentLength: segmenter.length)
        let progress = self.progress
        let total = tracks.count
        DispatchQueue.concurrentPerform(iterations: max(1, min(options.jobs, tracks.count))) { _ in
            let extractor = MFCCExtractor(parameters: pipeline.parameters)
            while Interruption.shared.receivedSignal == nil, let i = counter.next(below: total) {
                slots[i] = Result {
                    var features: [Float] = []
                    let summary = try pipeline.run(
                        path: root + "/" + tracks[i].path, extractor: extractor, maxSegments: tracks[i].segments.count
                    ) { _, mfcc in features += mfcc }
                    guard summary.sampleRate == pipeline.parameters.sampleRate else {
                        throw AudioError.unusable(
                            path: tracks[i].path,
                            message: "now \(summary.sampleRate) Hz: the file changed since it was validated")
                    }
                    return (features, summary.segments)
                }
                progress?.update("\(counter.done()) of \(total) tracks")
            }
        }
        progress?.finish()
        try Interruption.shared.check()
        return tracks.indices.map { i in
            switch results[i]! {
            case .success(let (values, count)) where count > 0:
                for d in tracks[i].segments.dropFirst(count) {
                    dropped.append(
                        .init(
                            id: tracks[i].id, segment: d,
                            reason: "the file changed since it was validated: it ends sooner"))
                }
                return values
            case .success:
                skipped.append(
                    .init(id: tracks[i].id, reason: "no full segment now: the file changed since it was validated"))
                return nil
            case .failure(let error):
                skipped.append(.init(id: tracks[i].id, reason: "cannot use it now: \(error)"))
                return nil
            }
        }
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
            unit: options.unit.rawValue, ratios: ["train": s.train, "val": s.val, "test": s.test], seed: s.seed,
            list: nil)
    }

    func sourceFingerprint(_ tracks: [Chosen]) -> String {
        Self.sha256(Data(tracks.map { "\($0.id) \($0.fingerprint)\n" }.joined().utf8))
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (encoder.encode(value) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path))
    }
}

/// A shared work counter for the extraction threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0
    private var finished = 0

    /// The next index below `limit`, or nil when all are issued.
    func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard issued < limit else { return nil }
        issued += 1
        return issued - 1
    }

    /// Counts one finished item and returns how many are finished.
    func done() -> Int {
        lock.lock()
        defer { lock.unlock() }
        finished += 1
        return finished
    }
}
