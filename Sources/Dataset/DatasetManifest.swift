import Basics
import Foundation

/// `manifests/datasets/<name>.json`: the genres, the expected ids and audio format, the known
/// faults of the published copies, and published splits.
public struct DatasetManifest: Codable, Sendable, Equatable {
    public struct IDs: Codable, Sendable, Equatable {
        public var perGenre: Int
        public var format: String
        public var count: Int
    }
    public struct AudioFormat: Codable, Sendable, Equatable {
        public var sampleRate: Int
        public var channels: Int
        public var encoding: String
        public var seconds: Int
        public var segments: Int
        public var containers: [String: String]
    }
    public struct Layout: Codable, Sendable, Equatable {
        public var name: String
        public var audioRoot: String
        public var file: String
        public var alsoHolds: [String]?
        public var note: String?
    }
    public struct KnownFault: Codable, Sendable, Equatable {
        public var kind: String
        public var ids: [String]
        public var copies: [String]?
        public var description: String
        public var source: String
    }
    public struct Split: Codable, Sendable, Equatable {
        public var description: String
        public var source: String
        public var counts: [String: Int]
        public var train: [String]
        public var val: [String]
        public var test: [String]
    }

    public var formatVersion: Int
    public var name: String
    public var title: String
    /// How tracks are found below the root (absent: `gtzan`).
    public var tree: DatasetLayout.Kind?
    public var genres: [String]
    public var ids: IDs
    /// The format every track should have, and the length segments are cut from; absent for
    /// datasets of any format and length (`folders`), whose segments are every full 3 s.
    public var audio: AudioFormat?
    public var layouts: [Layout]
    public var knownFaults: [KnownFault]
    public var splits: [String: Split]
    /// Artist and title of each excerpt, for datasets that have such an index.
    public var artists: ArtistIndex?
    /// Each track's label and stated length, by id, for datasets labelled by a metadata table
    /// (FMA's tracks.csv) rather than by folders.
    public var metadata: [String: TrackMetadata]?

    public struct TrackMetadata: Codable, Sendable, Equatable {
        public var label: String
        /// Seconds of audio the metadata states; a track that decodes shorter is `short`.
        public var seconds: Double?
    }

    /// Every id the full dataset holds, genre by genre: `blues.00000` ... `rock.00099`.
    public var expectedIDs: [String] {
        if let metadata { return metadata.keys.sorted() }
        return genres.flatMap { genre in (0..<ids.perGenre).map { Self.trackID(genre: genre, index: $0) } }
    }

    /// How tracks are found below the root.
    public var layout: DatasetLayout.Kind { tree ?? .gtzan }

    /// Seconds in one segment of a dataset without a fixed length (3, as GTZAN's).
    public static let freeSegmentSeconds = 3

    /// Samples in one segment: `floor(sampleRate * seconds / segments)` (66150 for GTZAN),
    /// `sampleRate * 3` without a fixed format.
    public func samplesPerSegment(sampleRate: Int) -> Int {
        guard let audio else { return sampleRate * Self.freeSegmentSeconds }
        return sampleRate * audio.seconds / audio.segments
    }

    /// A dataset of labelled folders (`ROOT/<label>/<file>`): the labels, sorted and each once; any
    /// format, rate and length; no expected ids, faults or published splits.
    public static func folders(labels: [String]) -> DatasetManifest {
        DatasetManifest(
            formatVersion: 1, name: "folders", title: "labelled folders", tree: .folders, genres: Set(labels).sorted(),
            ids: IDs(perGenre: 0, format: "<label>/<file stem>", count: 0), audio: nil,
            layouts: [Layout(name: "labelled folders", audioRoot: ".", file: "<label>/<name>.<ext>")],
            knownFaults: [], splits: [:], artists: nil, metadata: nil)
    }

    /// `blues.00007` for genre `blues`, index 7.
    public static func trackID(genre: String, index: Int) -> String {
        let digits = String(index)
        return genre + "." + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// The GTZAN manifest built into the program: `manifests/datasets/gtzan.json`, compiled in
    /// (`.embedInCode`, through the link in `Sources/Dataset/Resources`).
    public static let gtzan: DatasetManifest = {
        do {
            return try JSONDecoder().decode(DatasetManifest.self, from: Data(PackageResources.gtzan_json))
        } catch {
            fatalError("built-in gtzan.json does not decode: \(error)")
        }
    }()

    /// Most ids one genre may number (five digits, as GTZAN's `blues.00099`), and in all.
    public static let maxPerGenre = 99_999
    public static let maxExpectedIDs = 1_000_000

    /// Largest manifest file read (FMA's 106,574 tracks described take about 10 MB).
    public static let maxBytes = 256 << 20

    /// Reads a manifest file and checks it.
    /// - Throws: `DatasetError.badManifest` naming the file and the problem.
    public static func load(path: String) throws(DatasetError) -> DatasetManifest {
        var st = stat()
        guard stat(path, &st) == 0, Int(st.st_size) <= maxBytes, let data = FileManager.default.contents(atPath: path)
        else {
            throw .badManifest(path: path, message: "cannot read the file, or it is larger than \(maxBytes) bytes")
        }
        let manifest: DatasetManifest
        do {
            manifest = try JSONDecoder().decode(DatasetManifest.self, from: data)
        } catch {
            throw .badManifest(path: path, message: JSONProblem.describe(error))
        }
        if let problem = manifest.problem() { throw .badManifest(path: path, message: problem) }
        return manifest
    }

    /// What makes a manifest unusable, nil when nothing does: labels that are empty, repeated
    /// or too many, an audio format out of range, tracks labelled with an unknown label, split
    /// lists that name an id twice, more expected ids than ``maxExpectedIDs``.
    public func problem() -> String? {
        guard formatVersion == 1 else { return "formatVersion \(formatVersion); this GenreKit reads 1" }
        guard genres.count <= 1000 else { return "\(genres.count) labels; at most 1000" }
        guard Set(genres).count == genres.count else { return "a label is listed twice in genres" }
        if genres.contains("") { return "a label is empty" }
        // Folder names: FMA's labels may hold '/' ("Old-Time / Historic"), a folder's cannot.
        if layout == .folders, let bad = genres.first(where: { $0.contains("/") || $0.hasPrefix(".") }) {
            return "label '\(bad)' holds '/' or starts with '.', so no folder can hold its tracks"
        }
        if layout != .folders, genres.isEmpty { return "genres is empty" }
        // expectedIDs lists genres x perGenre ids: bounded so a hostile file cannot make it huge.
        guard (0...Self.maxPerGenre).contains(ids.perGenre), genres.count * ids.perGenre <= Self.maxExpectedIDs else {
            return "ids.perGenre \(ids.perGenre): 0 to \(Self.maxPerGenre), at most \(Self.maxExpectedIDs) ids in all"
        }
        if let audio {
            guard (8000...384_000).contains(audio.sampleRate), (1...8).contains(audio.channels),
                (1...3600).contains(audio.seconds), (1...100).contains(audio.segments)
            else { return "audio: rate 8000 to 384000 Hz, 1 to 8 channels, 1 to 3600 s, 1 to 100 segments" }
        }
        if let metadata, let stray = metadata.first(where: { !genres.contains($0.value.label) }) {
            return "track \(stray.key) has label '\(stray.value.label)', which genres does not list"
        }
        for (name, split) in splits {
            let ids = split.train + split.val + split.test
            if Set(ids).count != ids.count { return "split \(name) names an id twice" }
        }
        return nil
    }

    /// A `folders` manifest that lists no labels takes the label folders found (sorted); any
    /// other manifest is used as it is.
    public func labelled(by found: [String]) -> DatasetManifest {
        guard layout == .folders, genres.isEmpty else { return self }
        var manifest = self
        manifest.genres = Set(found).sorted()
        return manifest
    }
}
