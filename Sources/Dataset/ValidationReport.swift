import Audio

/// A finding about one track, with a stable code and a message for people.
public struct Problem: Codable, Sendable, Equatable {
    /// The stable codes, with the status each one gives a track.
    public enum Code: String, Codable, Sendable, CaseIterable {
        case undecodable, truncated, short
        case sampleRate = "sample-rate"
        case channels
        case sampleFormat = "sample-format"
        case silent, clipped, duplicate
        case unexpectedName = "unexpected-name"
        /// Float samples that are NaN, infinite or absurdly large: not audio.
        case nonFinite = "non-finite"
        /// Another excerpt of the same song (artist and title) by the dataset's artist index:
        /// not the same audio, but a leak if the two land in different partitions.
        case sameSong = "same-song"

        /// `corrupt` for damage that makes the file's audio untrustworthy; `warning` otherwise.
        public var severity: TrackStatus {
            switch self {
            case .undecodable, .truncated, .nonFinite: .corrupt
            default: .warning
            }
        }
    }
    public var code: Code
    public var message: String
}

/// `ok`, `warning` (usable, with findings) or `corrupt` (skipped by `prepare`).
public enum TrackStatus: String, Codable, Sendable, Comparable {
    case ok, warning, corrupt
    var rank: Int { self == .ok ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: TrackStatus, b: TrackStatus) -> Bool { a.rank < b.rank }
}

/// What decoding found about a track's audio (absent for undecodable tracks).
public struct TrackAudio: Codable, Sendable, Equatable {
    public var container: String
    public var encoding: String
    public var sampleRate: Int
    public var channels: Int
    public var frames: Int
    public var seconds: Double
    /// Full segments the track fills (at most the dataset's segment count).
    public var segments: Int
    public var peakDBFS: Double
    public var rmsDBFS: Double
    /// Identifies the decoded samples (CRC-32, Adler-32 and frame count): equal means identical.
    public var fingerprint: String
}

/// One track in the report.
public struct TrackReport: Codable, Sendable, Equatable {
    public var id: String
    public var genre: String
    /// Where the track is: the entry path in an archive, or the path below the dataset folder.
    public var path: String
    public var status: TrackStatus
    public var problems: [Problem]
    public var audio: TrackAudio?
}

/// A file that is not a track, and why.
public struct SkippedFile: Codable, Sendable, Equatable {
    public var path: String
    public var reason: String
}

/// The structure `validate --json` prints and `unpack` writes to `validation.json`.
public struct ValidationReport: Codable, Sendable, Equatable {
    public struct Summary: Codable, Sendable, Equatable {
        public var tracks: Int
        public var ok: Int
        public var warning: Int
        public var corrupt: Int
        public var missing: Int
        public var skippedFiles: Int
        /// Problems by code, over all tracks.
        public var problems: [String: Int]
    }
    public var formatVersion: Int = 1
    /// The dataset manifest the tracks were checked against (`gtzan`).
    public var dataset: String
    public var source: String
    /// `archive` or `directory`.
    public var sourceKind: String
    public var summary: Summary
    /// Every track, sorted by genre and id.
    public var tracks: [TrackReport]
    /// Ids the dataset manifest expects that are not present.
    public var missing: [String]
    public var skipped: [SkippedFile]

    /// Whether `prepare` has something to work with: at least one track not corrupt.
    public var isUsable: Bool { summary.ok + summary.warning > 0 }
    /// Whether every track is `ok` (for `--strict`; missing ids are reported, not judged).
    public var isClean: Bool { summary.warning == 0 && summary.corrupt == 0 }
}
