import Audio
import ModelZoo

/// One genre and its probability: for a file, the mean of its segments' probabilities.
public struct GenreScore: Sendable, Equatable {
    public let genre: String
    public let probability: Double
}

/// What a classifier found in a piece of audio.
public struct Classification: Sendable, Equatable {
    /// Every genre, most probable first (ties in the bundle's genre order).
    public let ranking: [GenreScore]
    /// Each full segment's probabilities, in the order of `GenreClassifier.genres`.
    public let segmentProbabilities: [[Float]]
    /// How the audio was converted for the model (mixed down, resampled); empty when it was not.
    public let conversions: [String]
    /// The most probable genre.
    public var top: GenreScore { ranking[0] }
}

/// A model bundle (`genrekit package` output), opened and verified, that classifies audio as
/// `genrekit predict` does: the audio is mixed down to mono, resampled to the bundle's rate
/// when it differs, cut into every full segment, turned into the bundle's features, and
/// classified; the segments' probabilities are averaged.
public final class GenreClassifier: @unchecked Sendable {
    private let predictor: Predictor

    /// The bundle's name and version (`lstm-norm`, `1.0.0`).
    public let name: String
    public let version: String
    /// The genres, in the order of the model's outputs.
    public let genres: [String]
    /// `mfcc` or `mel`.
    public let featureKind: String
    /// The rate the features are computed at, and the length of a segment in seconds.
    public let sampleRate: Int
    public let segmentSeconds: Double

    /// Opens the bundle at `path` and verifies every file against its manifest (checksums,
    /// sizes, the weights against the architecture), as `genrekit inspect` does.
    /// - Throws: `GenreKitError` naming the bundle and the first problem.
    public init(contentsOf path: String) throws(GenreKitError) {
        predictor = try wrapped { try Predictor(bundle: try ModelBundle.open(path)) }
        let m = predictor.bundle.manifest
        (name, version, genres) = (m.name, m.version, m.genres)
        featureKind = m.features.kind.rawValue
        sampleRate = m.features.sampleRate
        segmentSeconds = Double(m.features.samplesPerSegment) / Double(m.features.sampleRate)
    }

    /// Classifies an audio file (any format libsndfile reads: WAV, FLAC, Ogg, AIFF, ...).
    /// - Throws: `GenreKitError` naming the file: it cannot be decoded or holds no full segment.
    public func classify(file path: String) throws(GenreKitError) -> Classification {
        try wrapped { Self.classification(try predictor.predict(path: path)) }
    }

    /// Classifies mono samples (full scale 1) at `sampleRate` Hz, resampled to the bundle's
    /// rate when it differs.
    /// - Throws: `GenreKitError`: fewer samples than one segment, or damaged values.
    public func classify(samples: [Float], sampleRate: Int) throws(GenreKitError) -> Classification {
        try wrapped {
            let wav = try Sndfile.encode(floats: samples, sampleRate: sampleRate)
            return Self.classification(try predictor.predict(file: try SoundFile(bytes: wav, name: "samples")))
        }
    }

    private static func classification(_ p: FilePrediction) -> Classification {
        Classification(
            ranking: p.ranking.map { GenreScore(genre: $0.genre, probability: $0.probability) },
            segmentProbabilities: p.segmentProbabilities, conversions: p.conversions)
    }
}
