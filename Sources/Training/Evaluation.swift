import Formats
import NeuralNet

/// `RUN/evaluation.json`: how the trained model does on the test split (and validation).
public struct Evaluation: Codable, Sendable, Equatable {
    public struct GenreScores: Codable, Sendable, Equatable {
        public var genre: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }
    public struct SplitScores: Codable, Sendable, Equatable {
        public var segments: Int
        public var tracks: Int
        public var loss: Double
        public var segmentAccuracy: Double
        /// A track's prediction: its segments' probabilities averaged.
        public var trackAccuracy: Double
        public var perGenre: [GenreScores]
        /// `confusion[true][predicted]`, segments, in genre order.
        public var confusion: [[Int]]
        /// The same for tracks (each predicted from its segments' averaged probabilities); absent
        /// in runs made by older versions.
        public var trackConfusion: [[Int]]?
    }
    public var genres: [String]
    /// The split the scores are on, in a few words (`artist split 60/20/20, seed 42`); absent in
    /// runs made before GenreKit 0.4.
    public var split: String?
    /// The test fold, when trained on folds.
    public var fold: Int?
    public var epochs: Int
    /// The epoch whose weights were kept (early stopping), or 0.
    public var bestEpoch: Int
    public var test: SplitScores
    public var validation: SplitScores

    static func make(
        test: Prediction, val: Prediction, splits: [Partition: SplitData], data: TrainingData, epochs: Int,
        bestEpoch: Int
    ) -> Evaluation {
        Evaluation(
            genres: data.genres, split: data.description.split.summary(fold: data.fold), fold: data.fold,
            epochs: epochs, bestEpoch: bestEpoch, test: scores(test, splits[.test]!, data.genres),
            validation: scores(val, splits[.val]!, data.genres))
    }

    static func scores(_ p: Prediction, _ split: SplitData, _ genres: [String]) -> SplitScores {
        let k = genres.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for r in 0..<split.count {
            let row = p.probabilities[(r * p.classes)..<((r + 1) * p.classes)]
            let predicted = row.indices.max { row[$0] < row[$1] }! - r * p.classes
            confusion[split.labels[r]][predicted] += 1
        }
        var sums: [Int: [Double]] = [:]
        var labels: [Int: Int] = [:]
        for r in 0..<split.count {
            var acc = sums[split.tracks[r]] ?? [Double](repeating: 0, count: p.classes)
            for c in 0..<p.classes { acc[c] += Double(p.probabilities[r * p.classes + c]) }
            sums[split.tracks[r]] = acc
            labels[split.tracks[r]] = split.labels[r]
        }
        var trackConfusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (track, acc) in sums {
            trackConfusion[labels[track]!][acc.indices.max { acc[$0] < acc[$1] }!] += 1
        }
        let tracksRight = (0..<k).map { trackConfusion[$0][$0] }.reduce(0, +)
        let perGenre = (0..<k).map { g -> GenreScores in
            let tp = Double(confusion[g][g])
            let predicted = Double((0..<k).map { confusion[$0][g] }.reduce(0, +))
            let actual = Double(confusion[g].reduce(0, +))
            let precision = predicted > 0 ? tp / predicted : 0
            let recall = actual > 0 ? tp / actual : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return GenreScores(genre: genres[g], precision: precision, recall: recall, f1: f1, support: Int(actual))
        }
        return SplitScores(
            segments: split.count, tracks: sums.count, loss: p.loss, segmentAccuracy: p.accuracy,
            trackAccuracy: sums.isEmpty ? 0 : Double(tracksRight) / Double(sums.count), perGenre: perGenre,
            confusion: confusion, trackConfusion: trackConfusion)
    }
}

extension Evaluation {
    /// A trained model's probabilities on a split whose inputs are already normalised, and the
    /// scores `evaluation.json` records for a split, computed as training computes them.
    /// - Returns: probabilities `[segments, genres]` and the split's scores.
    /// - Parameter widest: the largest per-segment activation (`Trainer.evaluationBatch`), as in training.
    public static func score(
        _ model: Sequential, on split: SplitData, frames: Int, features: Int, widest: Int, genres: [String]
    ) -> (probabilities: [Float], scores: SplitScores) {
        let p = Trainer.predict(
            model, split, frames: frames, features: features, batch: Trainer.evaluationBatch(widest: widest))
        return (p.probabilities, scores(p, split, genres))
    }
}
