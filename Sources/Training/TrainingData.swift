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
/// genre count.
public struct TrainingData: Sendable {
    public let description: DatasetDescription
    public let frames: Int
    public let features: Int
    public var splits: [Partition: SplitData]

    public var genres: [String] { description.genres }

    /// - Throws: `TrainingError.unusableFeatures` naming the file and the reason.
    public static func load(_ folder: String) throws -> TrainingData {
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
        var splits: [Partition: SplitData] = [:]
        for part in Partition.allCases {
            splits[part] = try loadSplit(part, folder: folder, description: description, refuse: refuse)
        }
        return TrainingData(
            description: description, frames: description.features.framesPerSegment,
            features: description.features.nMFCC, splits: splits)
    }

    /// One split's file, checked against `dataset.json` before and after reading: its SHA-256,
    /// the size its arrays may inflate to, their shapes, labels below the genre count, track
    /// indices into the track list, finite MFCCs, and at least one segment.
    static func loadSplit(
        _ part: Partition, folder: String, description: DatasetDescription, refuse: (String, String) -> TrainingError
    ) throws -> SplitData {
        let name = "\(part.rawValue).npz"
        let frames = description.features.framesPerSegment
        let features = description.features.nMFCC
        guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
            throw refuse(name, "missing")
        }
        guard let recorded = description.files[name], sha256Hex(data) == recorded.sha256 else {
            throw refuse(name, "its SHA-256 does not match dataset.json (the files were changed or mixed up)")
        }
        let rows = recorded.segments
        guard rows > 0 else { throw refuse(name, "the \(part.rawValue) split is empty: prepare more tracks per genre") }
        let (mfccBytes, overflow) = (rows * 4).multipliedReportingOverflow(by: frames * features)
        guard !overflow, mfccBytes <= NPY.archiveLimits.maxEntryBytes else {
            throw refuse(name, "dataset.json claims \(rows) segments: more than GenreKit loads")
        }
        var limits = NPY.archiveLimits
        limits.maxEntryBytes = Int64(mfccBytes) + 4096
        let arrays = try NPY.readArchive(source: .memory(Array(data), name: folder + "/" + name), limits: limits)
        guard let mfcc = arrays["mfcc"], mfcc.dtype == .float32, mfcc.shape == [rows, frames, features] else {
            throw refuse(name, "mfcc is not float32 [\(rows), \(frames), \(features)] as dataset.json says")
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
        return SplitData(x: x, labels: labels.map { Int($0) }, tracks: tracks.map { Int($0) })
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
        case .recipeChanged(let path, let fields):
            "\(path): resumed with a different \(fields.joined(separator: ", ")) than it was trained with; resume with the "
                + "same recipe and flags (only a larger --epochs), or start over with --force"
        case .fewerEpochs(let path, let done):
            "\(path): has trained \(done) epochs already; --epochs must be at least \(done)"
        }
    }
}
