import Dataset
import Features

/// `FEATURES/dataset.json`: everything needed to know what the tensors hold and to make them
/// again. Same inputs and seed, same bytes (keys sorted, no times).
public struct DatasetDescription: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var path: String
        /// SHA-256 over `id fingerprint` lines of every track used (decoded-audio fingerprints).
        public var fingerprint: String
        /// `validation.json` when the folder had one, else `validated now`.
        public var validation: String
    }
    public struct FeatureParameters: Codable, Sendable, Equatable {
        public var kind = "mfcc"
        public var sampleRate: Int
        public var seconds: Int
        public var segmentsPerTrack: Int
        public var samplesPerSegment: Int
        public var framesPerSegment: Int
        public var nMFCC: Int
        public var nFFT: Int
        public var hopLength: Int
        public var nMels: Int
        public var fMin: Double
        public var fMax: Double
        public var window = "hann (periodic)"
        public var center: Bool
        public var padMode = "constant (zeros)"
        public var power = 2.0
        public var melScale = "slaney (htk=False), norm=slaney"
        public var powerToDB: [String: Double]
        public var dct = "type 2, norm ortho"
        public var layout = "mfcc[segment, frame, coefficient]"
        public var decoding = "libsndfile, int16 / 32768 as float32, channels averaged"
        /// The librosa version whose numbers these match (shared/reference).
        public var matches = "librosa 0.11.0"
    }
    public struct SplitPolicy: Codable, Sendable, Equatable {
        /// `track` (every segment of a track in one split) or `segment` (the leakage-prone reference split).
        public var unit: String
        /// Ratios, or nil for a published list.
        public var ratios: [String: Double]?
        public var seed: UInt64?
        /// The published list used, if any.
        public var list: String?
        public var algorithm = "README.md, 'The split'"
    }
    public struct Counts: Codable, Sendable, Equatable {
        public var tracks: Int
        public var segments: Int
        public init(tracks: Int, segments: Int) {
            self.tracks = tracks
            self.segments = segments
        }
    }
    public struct SplitSummary: Codable, Sendable, Equatable {
        public var tracks: [String]
        public var segments: Int
        public var perGenre: [String: Counts]
    }
    public struct Track: Codable, Sendable, Equatable {
        public var index: Int
        public var id: String
        public var genre: String
        public var label: Int
        /// The split, when the unit is the track.
        public var split: Partition?
        public var segments: [Int]
    }
    public struct File: Codable, Sendable, Equatable {
        public var sha256: String
        public var bytes: Int
        public var segments: Int
    }
    public struct Skipped: Codable, Sendable, Equatable {
        public var id: String
        public var reason: String
    }
    public struct DroppedSegment: Codable, Sendable, Equatable {
        public var id: String
        public var segment: Int
        public var reason: String
    }

    public var formatVersion = 1
    public var generator: String
    public var source: Source
    public var features: FeatureParameters
    /// Position = label.
    public var genres: [String]
    public var split: SplitPolicy
    public var splits: [String: SplitSummary]
    public var tracks: [Track]
    public var files: [String: File]
    /// SHA-256 over the three tensor files' digests (train, val, test): names this feature set.
    public var fingerprint: String
    public var skipped: [Skipped]
    public var droppedSegments: [DroppedSegment]
}
