import Crypto
import Dataset
import Foundation
import Prepare

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
        guard let json = FileManager.default.contents(atPath: folder + "/dataset.json") else {
            throw refuse("dataset.json", "missing (run genrekit prepare first)")
        }
        let description: DatasetDescription
        do {
            description = try JSONDecoder().decode(DatasetDescription.self, from: json)
        } catch {
            throw refuse("dataset.json", "not a dataset description (\(error))")
        }
        let frames = description.features.framesPerSegment
        let features = description.features.nMFCC
        var splits: [Partition: SplitData] = [:]
        for part in Partition.allCases {
            let name = "\(part.rawValue).npz"
            guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
                throw refuse(name, "missing")
            }
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            guard digest == description.files[name]?.sha256 else {
                throw refuse(name, "its SHA-256 does not match dataset.json (the files were changed or mixed up)")
            }
            let arrays = try NPY.readArchive(path: folder + "/" + name)
            guard let mfcc = arrays["mfcc"], mfcc.dtype == .float32, mfcc.shape.count == 3,
                mfcc.shape[1] == frames, mfcc.shape[2] == features
            else { throw refuse(name, "mfcc is not float32 [segments, \(frames), \(features)]") }
            guard let labels = arrays["label"]?.integers(), let tracks = arrays["track"]?.integers(),
                labels.count == mfcc.shape[0], tracks.count == mfcc.shape[0]
            else { throw refuse(name, "label and track must be integer arrays of \(mfcc.shape[0]) rows") }
            if let bad = labels.first(where: { $0 < 0 || $0 >= Int64(description.genres.count) }) {
                throw refuse(name, "label \(bad) is past the \(description.genres.count) genres")
            }
            guard !labels.isEmpty || part != .train else { throw refuse(name, "the train split is empty") }
            splits[part] = SplitData(x: mfcc.floats(), labels: labels.map { Int($0) }, tracks: tracks.map { Int($0) })
        }
        return TrainingData(description: description, frames: frames, features: features, splits: splits)
    }
}

/// Why training cannot start or go on.
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    case unusableFeatures(path: String, reason: String)
    case runExists(path: String)
    case noCheckpoint(path: String)
    case settingsChanged(path: String, trained: String, now: String)

    public var description: String {
        switch self {
        case .unusableFeatures(let path, let reason): "\(path): cannot train on it: \(reason)"
        case .runExists(let path): "\(path): already exists (use --resume to carry on, or choose another --out)"
        case .noCheckpoint(let path): "\(path): no checkpoint to resume from"
        case .settingsChanged(let path, let trained, let now):
            "\(path): trained with \(trained), resumed with \(now); resume with the same --engine and --jobs, "
                + "or the weights would differ from an uninterrupted run's"
        }
    }
}
