import Basics
import Formats
import Foundation

/// One split's tensors, in memory.
public struct SplitData: Sendable {
    /// `[count, frames, features]`.
    public var x: [Float]
    public var labels: [Int]
    /// Index into `dataset.json`'s tracks, per row.
    public var tracks: [Int]
    public var count: Int { labels.count }
}

/// A features folder as `prepare` wrote it, checked before any training: every split present,
/// each file's SHA-256 as `dataset.json` records it, the documented shapes, labels below the
/// genre count. From a folds folder, fold k is the test split, fold (k + 1) mod K validation and
/// the rest train.
public struct TrainingData: Sendable {
    public let description: DatasetDescription
    public let frames: Int
    public let features: Int
    public var splits: [Partition: SplitData]
    /// The test fold, when the folder holds folds.
    public let fold: Int?
    /// Tracks and segments in each partition (`train`, `val`, `test`), as trained.
    public let counts: [String: DatasetDescription.Counts]

    public var genres: [String] { description.genres }

    /// - Parameters:
    ///   - fold: the test fold; required for a folds folder, refused for another.
    ///   - only: the partitions to load (all by default); the others are not read.
    /// - Throws: `TrainingError.unusableFeatures` naming the file and the reason.
    public static func load(_ folder: String, fold: Int? = nil, only: Set<Partition> = Set(Partition.allCases)) throws
        -> TrainingData
    {
        try load(folder, description: describe(folder), fold: fold, only: only)
    }

    /// The arrays of a folder whose `dataset.json` was already read with `describe`.
    public static func load(
        _ folder: String, description: DatasetDescription, fold: Int? = nil,
        only: Set<Partition> = Set(Partition.allCases)
    ) throws -> TrainingData {
        func refuse(_ file: String, _ why: String) -> TrainingError {
            .unusableFeatures(path: folder + "/" + file, reason: why)
        }
        var splits: [Partition: SplitData] = [:]
        if let k = description.split.folds {
            guard (3...100).contains(k) else {
                throw refuse("dataset.json", "split.folds is \(k); 3 to 100 are usable")
            }
            guard let fold else {
                throw refuse(
                    "dataset.json", "holds \(k) folds: give --fold 0 to \(k - 1), or train them all with genrekit cv")
            }
            guard (0..<k).contains(fold) else { throw refuse("dataset.json", "holds folds 0 to \(k - 1), not \(fold)") }
            splits = try loadFold(fold, of: k, folder: folder, description: description, refuse: refuse).filter {
                only.contains($0.key)
            }
        } else {
            if let fold {
                throw refuse(
                    "dataset.json", "holds train, val and test, not folds: drop --fold \(fold), or prepare with --folds"
                )
            }
            for part in Partition.allCases where only.contains(part) {
                splits[part] = try loadArrays(
                    "\(part.rawValue).npz", folder: folder, description: description, refuse: refuse
                ).split
            }
        }
        var counts: [String: DatasetDescription.Counts] = [:]
        for (part, split) in splits {
            counts[part.rawValue] = .init(tracks: Set(split.tracks).count, segments: split.count)
        }
        return TrainingData(
            description: description, frames: description.features.framesPerSegment,
            features: description.features.width, splits: splits, fold: fold, counts: counts)
    }

    /// A features folder's `dataset.json`, checked: the feature parameters GenreKit can compute
    /// and a usable genre count.
    /// - Throws: `TrainingError.unusableFeatures` naming the file and the reason.
    public static func describe(_ folder: String) throws -> DatasetDescription {
        func refuse(_ file: String, _ why: String) -> TrainingError {
            .unusableFeatures(path: folder + "/" + file, reason: why)
        }
        do { try InputPath.requireFolder(folder, purpose: .features) } catch {
            if case .wrongInput(_, let message) = error {
                throw TrainingError.unusableFeatures(path: folder, reason: message)
            }
            throw error
        }
        guard let json = FileManager.default.contents(atPath: folder + "/dataset.json") else {
            throw refuse("dataset.json", "missing (run genrekit prepare first)")
        }
        let description: DatasetDescription
        do {
            description = try JSONDecoder().decode(DatasetDescription.self, from: json)
        } catch {
            throw refuse("dataset.json", "not a dataset description (\(JSONProblem.describe(error)))")
        }
        do { try description.features.check() } catch { throw refuse("dataset.json", "features.\(error)") }
        guard (2...DatasetDescription.maxGenres).contains(description.genres.count) else {
            throw refuse(
                "dataset.json", "\(description.genres.count) genres; a model has 2 to \(DatasetDescription.maxGenres)")
        }
        return description
    }

    /// `folds.npz` dealt into partitions: fold `k` is test, fold `(k + 1) mod K` validation, the
    /// others train; each must hold a segment, and every row's fold must be below K.
    static func loadFold(
        _ k: Int, of count: Int, folder: String, description: DatasetDescription,
        refuse: (String, String) -> TrainingError
    ) throws -> [Partition: SplitData] {
        let (all, foldArray) = try loadArrays(
            "folds.npz", folder: folder, description: description, refuse: refuse, alsoIntegers: "fold")
        guard let folds = foldArray, folds.count == all.count else {
            throw refuse("folds.npz", "fold must be an integer array of \(all.count) rows")
        }
        if let bad = folds.first(where: { $0 < 0 || $0 >= Int64(count) }) {
            throw refuse("folds.npz", "fold \(bad) is not one of the \(count) folds dataset.json names")
        }
        func part(_ fold: Int64) -> Partition { fold == k ? .test : fold == (k + 1) % count ? .val : .train }
        let step = description.features.framesPerSegment * description.features.width
        var splits: [Partition: SplitData] = [:]
        for p in Partition.allCases {
            let rows = folds.indices.filter { part(folds[$0]) == p }
            guard !rows.isEmpty else {
                throw refuse(
                    "folds.npz", "the \(p.rawValue) split of fold \(k) is empty: prepare more tracks per genre")
            }
            var x = [Float]()
            x.reserveCapacity(rows.count * step)
            for r in rows { x.append(contentsOf: all.x[(r * step)..<((r + 1) * step)]) }
            splits[p] = SplitData(x: x, labels: rows.map { all.labels[$0] }, tracks: rows.map { all.tracks[$0] })
        }
        return splits
    }

    /// One tensor file, checked against `dataset.json` before and after reading: its SHA-256,
    /// the size its arrays may inflate to, their shapes, labels below the genre count, track
    /// indices into the track list, finite MFCCs, and at least one segment.
    /// - Parameter alsoIntegers: another array to return as integers (folds.npz's `fold`); the
    ///   decoded file itself is not kept, so the MFCCs are not held twice.
    /// - Returns: its rows, and the other array if asked for and present.
    static func loadArrays(
        _ name: String, folder: String, description: DatasetDescription, refuse: (String, String) -> TrainingError,
        alsoIntegers other: String? = nil
    ) throws -> (split: SplitData, other: [Int64]?) {
        let frames = description.features.framesPerSegment
        let features = description.features.width
        let array = description.features.arrayName
        guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
            throw refuse(name, "missing")
        }
        guard let recorded = description.files[name], sha256Hex(data) == recorded.sha256 else {
            throw refuse(name, "its SHA-256 does not match dataset.json (the files were changed or mixed up)")
        }
        let rows = recorded.segments
        guard rows > 0 else { throw refuse(name, "it holds no segment: prepare more tracks per genre") }
        let (mfccBytes, overflow) = (rows * 4).multipliedReportingOverflow(by: frames * features)
        guard !overflow, mfccBytes <= NPY.archiveLimits.maxEntryBytes else {
            throw refuse(name, "dataset.json claims \(rows) segments: more than GenreKit loads")
        }
        var limits = NPY.archiveLimits
        limits.maxEntryBytes = Int64(mfccBytes) + 4096
        let arrays = try NPY.readArchive(source: .memory(Array(data), name: folder + "/" + name), limits: limits)
        guard let mfcc = arrays[array], mfcc.dtype == .float32, mfcc.shape == [rows, frames, features] else {
            throw refuse(name, "\(array) is not float32 [\(rows), \(frames), \(features)] as dataset.json says")
        }
        guard let labels = arrays["label"]?.integers(), let tracks = arrays["track"]?.integers(),
            labels.count == rows, tracks.count == rows
        else { throw refuse(name, "label and track must be integer arrays of \(rows) rows") }
        if let bad = labels.first(where: { $0 < 0 || $0 >= Int64(description.genres.count) }) {
            throw refuse(name, "label \(bad) is past the \(description.genres.count) genres")
        }
        if let bad = tracks.first(where: { $0 < 0 || $0 >= Int64(description.tracks.count) }) {
            throw refuse(name, "track \(bad) is not an index into dataset.json's \(description.tracks.count) tracks")
        }
        let x = mfcc.floats()
        if let row = x.firstIndex(where: { !$0.isFinite }).map({ $0 / (frames * features) }) {
            throw refuse(name, "segment \(row) holds NaN or infinite MFCCs")
        }
        return (
            SplitData(x: x, labels: labels.map { Int($0) }, tracks: tracks.map { Int($0) }),
            other.flatMap { arrays[$0]?.integers() }
        )
    }
}

/// Why training cannot start or go on.
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    case unusableFeatures(path: String, reason: String)
    case unusableRun(path: String, reason: String)
    case runExists(path: String)
    case noRun(path: String)
    case notARun(path: String)
    case noCheckpoint(path: String)
    case settingsChanged(path: String, trained: String, now: String)
    case dataChanged(path: String, trained: String, now: String)
    case recipeChanged(path: String, fields: [String])
    case fewerEpochs(path: String, done: Int)

    public var description: String {
        switch self {
        case .unusableFeatures(let path, let reason): "\(path): cannot train on it: \(reason)"
        case .unusableRun(let path, let reason): "\(path): cannot resume it: \(reason)"
        case .runExists(let path):
            "\(path): already exists (--resume carries on from its last checkpoint, --force starts over, or choose another --out)"
        case .noRun(let path): "\(path): no such run folder to resume (leave out --resume to start it)"
        case .notARun(let path):
            "\(path): not a run folder, so --force will not replace it; choose another --out"
        case .noCheckpoint(let path):
            "\(path): no checkpoint to resume from (the run stopped before its first epoch ended); start over with --force"
        case .settingsChanged(let path, let trained, let now):
            "\(path): trained with \(trained), resumed with \(now); resume with the same --engine and --jobs, "
                + "or the weights would differ from an uninterrupted run's"
        case .dataChanged(let path, let trained, let now):
            "\(path): trained on features \(trained), resumed on \(now); resume with the same features and --fold, "
                + "or start over with --force"
        case .recipeChanged(let path, let fields):
            "\(path): resumed with a different \(fields.joined(separator: ", ")) than it was trained with; resume with the "
                + "same recipe and flags (only a larger --epochs), or start over with --force"
        case .fewerEpochs(let path, let done):
            "\(path): has trained \(done) epochs already; --epochs must be at least \(done)"
        }
    }
}
