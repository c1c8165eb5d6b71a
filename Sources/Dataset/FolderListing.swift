import Basics
import Foundation

/// What a dataset folder holds, before any track is opened: the tracks in sorted path order
/// (the order they are numbered, probed and sharded in) with their sizes, and the files that
/// are not tracks, each with the reason.
public struct FolderListing: Codable, Sendable, Equatable {
    public struct Track: Codable, Sendable, Equatable {
        public var genre: String
        public var id: String
        /// The path below the folder.
        public var path: String
        /// Whether the name follows the dataset's id pattern.
        public var expectedName: Bool
        /// The file's size in bytes.
        public var bytes: Int
    }
    public var tracks: [Track]
    public var skipped: [SkippedFile]

    public init(tracks: [Track], skipped: [SkippedFile]) {
        self.tracks = tracks
        self.skipped = skipped
    }

    /// The label folders that hold a track, sorted: a `folders` dataset's labels.
    public var labels: [String] { Set(tracks.map(\.genre)).sorted() }

    /// SHA-256 over every entry (path, size, and for the other files the reason): equal for two
    /// listings of the same folder, so shards can be checked to come from one.
    public var fingerprint: String {
        var text = ""
        for t in tracks { text += "track \(t.path) \(t.bytes)\n" }
        for f in skipped { text += "other \(f.path) \(f.reason)\n" }
        return sha256Hex(Data(text.utf8))
    }
}
