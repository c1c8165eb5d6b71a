import Features

/// `FEATURES/dataset.json`: everything needed to know what the tensors hold and to make them
/// again. Same inputs and seed, same bytes (keys sorted, no times).
public struct DatasetDescription: Codable, Sendable, Equatable {
    /// Most genres a feature set, and so a model, may have.
    public static let maxGenres = 1000

    public struct Source: Codable, Sendable, Equatable {
        public var path: String
        /// SHA-256 over `id fingerprint` lines of every track used (decoded-audio fingerprints).
        public var fingerprint: String
        /// `validation.json` when the folder had one, else `validated now`.
        public var validation: String
        /// How many of the tracks used are synthetic (`genrekit synth` output; 0 for real
        /// audio); absent in files made before GenreKit 0.4.
        public var syntheticTracks: Int?

        public init(path: String, fingerprint: String, validation: String, syntheticTracks: Int? = nil) {
            self.path = path
            self.fingerprint = fingerprint
            self.validation = validation
            self.syntheticTracks = syntheticTracks
        }
    }
    public struct FeatureParameters: Codable, Sendable, Equatable {
        public var kind = FeatureKind.mfcc
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
        /// The librosa version whose numbers these match (Tests/Reference).
        public var matches = "librosa 0.11.0"

        public init(
            sampleRate: Int, seconds: Int, segmentsPerTrack: Int, samplesPerSegment: Int, framesPerSegment: Int,
            nMFCC: Int, nFFT: Int, hopLength: Int, nMels: Int, fMin: Double, fMax: Double, center: Bool,
            powerToDB: [String: Double], kind: FeatureKind = .mfcc
        ) {
            self.kind = kind
            layout = kind.layout
            self.sampleRate = sampleRate
            self.seconds = seconds
            self.segmentsPerTrack = segmentsPerTrack
            self.samplesPerSegment = samplesPerSegment
            self.framesPerSegment = framesPerSegment
            self.nMFCC = nMFCC
            self.nFFT = nFFT
            self.hopLength = hopLength
            self.nMels = nMels
            self.fMin = fMin
            self.fMax = fMax
            self.center = center
            self.powerToDB = powerToDB
        }
    }
    public struct SplitPolicy: Codable, Sendable, Equatable {
        /// `artist` (no artist in two splits), `track` (every segment of a track in one split) or
        /// `segment` (the leakage-prone reference split).
        public var unit: String
        /// Ratios, or nil for a published list.
        public var ratios: [String: Double]?
        public var seed: UInt64?
        /// The published list used, if any.
        public var list: String?
        /// K when the tracks were dealt into K folds (`folds.npz`) instead of train, val and test.
        public var folds: Int?
        /// `artist` or folds: each genre's share of its tracks in each partition or fold, as reached.
        public var achieved: [String: [String: Double]]?
        public var algorithm = "README.md, 'The split'"

        public init(unit: String, ratios: [String: Double]? = nil, seed: UInt64? = nil, list: String? = nil) {
            self.unit = unit
            self.ratios = ratios
            self.seed = seed
            self.list = list
        }
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

        public init(tracks: [String], segments: Int, perGenre: [String: Counts]) {
            self.tracks = tracks
            self.segments = segments
            self.perGenre = perGenre
        }
    }
    public struct Track: Codable, Sendable, Equatable {
        public var index: Int
        public var id: String
        public var genre: String
        public var label: Int
        /// The split, when the unit is the track or the artist.
        public var split: Partition?
        /// `artist` only: the group it was split with (the artist, or the track's own id).
        public var group: String?
        /// With folds: the track's fold.
        public var fold: Int?
        public var segments: [Int]
        /// How its audio was converted for the features (`2 channels mixed down to mono`,
        /// `resampled 44100 Hz -> 22050 Hz (...)`); absent when it was used as it is.
        public var conversions: [String]?

        public init(index: Int, id: String, genre: String, label: Int, split: Partition? = nil, segments: [Int]) {
            self.index = index
            self.id = id
            self.genre = genre
            self.label = label
            self.split = split
            self.segments = segments
        }
    }
    public struct File: Codable, Sendable, Equatable {
        public var sha256: String
        public var bytes: Int
        public var segments: Int

        public init(sha256: String, bytes: Int, segments: Int) {
            self.sha256 = sha256
            self.bytes = bytes
            self.segments = segments
        }
    }
    public struct Skipped: Codable, Sendable, Equatable {
        public var id: String
        public var reason: String

        public init(id: String, reason: String) {
            self.id = id
            self.reason = reason
        }
    }
    public struct DroppedSegment: Codable, Sendable, Equatable {
        public var id: String
        public var segment: Int
        public var reason: String

        public init(id: String, segment: Int, reason: String) {
            self.id = id
            self.segment = segment
            self.reason = reason
        }
    }

    public var formatVersion = 1
    public var generator: String
    /// The dataset's name in its manifest (`GTZAN`); absent in files made before GenreKit 0.4.
    public var dataset: String?
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

    public init(
        generator: String, source: Source, features: FeatureParameters, genres: [String], split: SplitPolicy,
        splits: [String: SplitSummary], tracks: [Track], files: [String: File], fingerprint: String, skipped: [Skipped],
        droppedSegments: [DroppedSegment]
    ) {
        self.generator = generator
        self.source = source
        self.features = features
        self.genres = genres
        self.split = split
        self.splits = splits
        self.tracks = tracks
        self.files = files
        self.fingerprint = fingerprint
        self.skipped = skipped
        self.droppedSegments = droppedSegments
    }
}

extension DatasetDescription.FeatureParameters {
    /// The extractor's parameters these describe (the one mapping between the two).
    public var mfccParameters: MFCCParameters {
        var p = MFCCParameters()
        p.sampleRate = sampleRate
        p.nFFT = nFFT
        p.hopLength = hopLength
        p.nMels = nMels
        p.nMFCC = nMFCC
        p.fMin = fMin
        p.fMax = fMax
        p.center = center
        p.amin = powerToDB["amin"] ?? p.amin
        p.topDB = powerToDB["topDB"] ?? p.topDB
        return p
    }

    /// Values per frame: MFCC coefficients or mel bands.
    public var width: Int { kind.width(mfccParameters) }

    /// The `.npz` array holding the features (`mfcc` or `mel`).
    public var arrayName: String { kind.rawValue }

    /// Most samples in one segment (ten minutes at 192 kHz).
    public static let maxSamplesPerSegment = 192_000 * 600

    /// Refuses parameters GenreKit cannot compute or that disagree with each other (the frame
    /// count must be what the samples give): every value read from a file is checked before
    /// anything is built from it.
    /// - Throws: `FeatureParameterError` naming the parameter.
    public func check() throws(FeatureParameterError) {
        try mfccParameters.check()
        func refuse(_ name: String, _ message: String) -> FeatureParameterError {
            FeatureParameterError(parameter: name, message: message)
        }
        guard (1...Self.maxSamplesPerSegment).contains(samplesPerSegment) else {
            throw refuse("samplesPerSegment", "must be 1 to \(Self.maxSamplesPerSegment), not \(samplesPerSegment)")
        }
        guard (1...Segmenter.maxCount).contains(segmentsPerTrack) else {
            throw refuse("segmentsPerTrack", "must be 1 to \(Segmenter.maxCount), not \(segmentsPerTrack)")
        }
        // Labelled folders: up to Segmenter.maxCount segments of 3 s.
        let longest = 3 * Segmenter.maxCount
        guard (1...longest).contains(seconds) else {
            throw refuse("seconds", "must be 1 to \(longest), not \(seconds)")
        }
        let frames = mfccParameters.frames(samples: samplesPerSegment)
        guard frames >= 1, framesPerSegment == frames else {
            throw refuse(
                "framesPerSegment", "is \(framesPerSegment), but \(samplesPerSegment) samples give \(frames) frames")
        }
    }
}
