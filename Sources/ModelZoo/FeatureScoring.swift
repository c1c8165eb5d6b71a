import Formats
import Training

/// A bundle's predictions for the segments of a features folder (`predict --features`): each
/// segment's probabilities and the split's scores, as training records them.
public struct FeatureScores: Encodable, Sendable {
    public struct Segment: Encodable, Sendable {
        /// The track's id (`blues.00042`) and its genre, from `dataset.json`.
        public var track: String
        public var label: String
        /// One per genre, in the order of `genres`.
        public var probabilities: [Float]
    }
    public var features: String
    public var split: Partition
    public var genres: [String]
    public var scores: Evaluation.SplitScores
    public var segments: [Segment]
}

extension Predictor {
    /// Scores the bundle on `split` of a features folder `prepare` wrote.
    /// - Throws: `BundleError` naming the folder or its file when it is damaged, lacks the split,
    ///   or was prepared with other features or genres than the bundle's.
    public func score(features folder: String, split: Partition) throws -> FeatureScores {
        do { return try scoreUnchecked(features: folder, split: split) } catch TrainingError.unusableFeatures(
            let path, let reason)
        {
            throw BundleError(path, "cannot classify its segments: \(reason)")
        }
    }

    private func scoreUnchecked(features folder: String, split: Partition) throws -> FeatureScores {
        let manifest = bundle.manifest
        let description = try TrainingData.describe(folder)
        let (theirs, ours) = (description.features, manifest.features)
        guard theirs.kind == ours.kind, theirs.mfccParameters == ours.mfccParameters,
            theirs.framesPerSegment == ours.framesPerSegment, theirs.width == ours.width
        else {
            throw TrainingError.unusableFeatures(
                path: folder,
                reason:
                    "prepared as \(theirs.kind.rawValue) [\(theirs.framesPerSegment), \(theirs.width)] with other parameters than the bundle's \(ours.kind.rawValue) [\(ours.framesPerSegment), \(ours.width)]: prepare the audio again with the bundle's settings (genrekit inspect shows them)"
            )
        }
        if let k = description.split.folds {
            throw TrainingError.unusableFeatures(
                path: folder,
                reason:
                    "holds \(k) folds, not train, val and test: score a folder prepared without --folds (genrekit cv scores every fold)"
            )
        }
        guard description.genres == manifest.genres else {
            throw TrainingError.unusableFeatures(
                path: folder, reason: "its genres are not the bundle's (\(manifest.genres.joined(separator: ", ")))")
        }
        let data = try TrainingData.load(folder, only: [split])
        guard var segments = data.splits[split] else {
            throw TrainingError.unusableFeatures(path: folder, reason: "holds no \(split.rawValue) split")
        }
        normalization?.apply(&segments.x)
        let (probabilities, scores) = Evaluation.score(
            model, on: segments, frames: ours.framesPerSegment, features: ours.width,
            widest: manifest.architecture.widestActivation, genres: manifest.genres)
        let k = manifest.genres.count
        return FeatureScores(
            features: folder, split: split, genres: manifest.genres, scores: scores,
            segments: (0..<segments.count).map { r in
                FeatureScores.Segment(
                    track: data.description.tracks[segments.tracks[r]].id, label: manifest.genres[segments.labels[r]],
                    probabilities: Array(probabilities[(r * k)..<((r + 1) * k)]))
            })
    }
}
