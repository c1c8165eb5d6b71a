import Basics
import Formats
import Foundation
import NeuralNet

/// `RUN/run.json`: what the run trained on, for `genrekit package`: the feature parameters, the
/// genres and the dataset's fingerprint, split policy and counts.
public struct RunInfo: Codable, Sendable, Equatable {
    public var formatVersion = 1
    public var generator = "genrekit \(GenreKitVersion.string)"
    public var genres: [String]
    public var features: DatasetDescription.FeatureParameters
    public var data: DataSummary
    /// Model replicas that trained each batch (results are reproducible for a given count).
    public var threads: Int
    /// The recurrent engine (`onednn` or `blas`); absent in runs made before GenreKit 0.3.
    public var engine: RecurrentEngine?
    /// The engine that ran: runs from before GenreKit 0.3 name none, and ran `blas`.
    public var engineThatRan: RecurrentEngine { engine ?? .blas }
    /// The engine with its library's version ("oneDNN 2.6.3 RNN primitive").
    public var engineName: String { engineThatRan.summary }
    /// Each time the run was resumed with more epochs than it had: at which epoch, and the new
    /// total (absent when it never was).
    public var resumes: [Resume]?

    public struct Resume: Codable, Sendable, Equatable {
        public var atEpoch: Int
        public var epochs: Int
    }

    init(data: TrainingData, threads: Int, engine: RecurrentEngine) {
        genres = data.genres
        features = data.description.features
        self.data = DataSummary(data)
        self.threads = threads
        self.engine = engine
    }
}

/// The data a model saw: which feature set, from which source, split how.
public struct DataSummary: Codable, Sendable, Equatable {
    /// The feature set's fingerprint (`dataset.json` `fingerprint`).
    public var fingerprint: String
    /// The decoded audio's fingerprint (`dataset.json` `source.fingerprint`).
    public var sourceFingerprint: String
    public var split: DatasetDescription.SplitPolicy
    /// The test fold, when the features hold folds.
    public var fold: Int?
    /// Tracks and segments per split (`train`, `val`, `test`).
    public var counts: [String: DatasetDescription.Counts]
    /// Tracks left out, with their reasons.
    public var skippedTracks: Int
    /// The dataset's name (`GTZAN`) and how many of its tracks used are synthetic
    /// (`genrekit synth` output); absent for features prepared before GenreKit 0.4.
    public var dataset: String?
    public var syntheticTracks: Int?

    /// Whether synthetic audio (`genrekit synth` output) is among the tracks the model saw.
    public var synthetic: Bool { (syntheticTracks ?? 0) > 0 }

    init(_ data: TrainingData) {
        let d = data.description
        fingerprint = d.fingerprint
        sourceFingerprint = d.source.fingerprint
        split = d.split
        fold = data.fold
        counts = data.counts
        skippedTracks = d.skipped.count
        dataset = d.dataset
        syntheticTracks = d.source.syntheticTracks
    }

    /// The split policy in a few words (`artist split 60/20/20, seed 42`), shown beside every accuracy.
    public var splitSummary: String { split.summary(fold: fold) }
}
