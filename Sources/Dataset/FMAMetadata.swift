import Basics
import Foundation

/// The Free Music Archive's subsets: each holds the one before it (small in medium in large);
/// `full` is large's tracks untrimmed.
public enum FMASubset: String, ClosedChoice {
    case small, medium, large, full

    public static let noun = "FMA subset"

    /// Whether a track whose `set/subset` is `value` belongs to this subset.
    func holds(_ value: String) -> Bool {
        let order = ["small", "medium", "large"]
        guard let rank = order.firstIndex(of: value) else { return false }
        return rank <= (self == .full ? 2 : order.firstIndex(of: rawValue)!)
    }
}

/// FMA's `fma_metadata/tracks.csv`: two header rows (column group, column), a `track_id` row,
/// then a track a row. GenreKit reads `track/genre_top` (the label), `set/subset`, `set/split`
/// (`training`, `validation`, `test`), `artist/id` and `track/duration` (seconds).
public enum FMAMetadata {
    /// Most rows read (tracks.csv has 106,574).
    public static let maxRows = 2_000_000

    public struct Track: Sendable, Equatable {
        /// Six digits, as the audio file is named (`000002`).
        public var id: String
        public var genre: String
        public var split: String
        public var artist: String
        /// Seconds the audio should hold: the clip's (at most 30) or, for `full`, the track's.
        public var seconds: Double?
    }

    static let columns = ["track/genre_top", "set/subset", "set/split", "artist/id", "track/duration"]

    /// The tracks of `subset` that have a top genre.
    /// - Returns: the tracks, and how many of the subset's rows had no top genre.
    /// - Throws: `DatasetError.badManifest` naming the file: not FMA's layout, a malformed row,
    ///   an id out of range or repeated.
    public static func load(csv path: String, subset: FMASubset) throws(DatasetError) -> (
        tracks: [Track], unlabelled: Int
    ) {
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch { throw metadataError(error, in: path) }
        return try load(reader, name: path, subset: subset)
    }

    /// A CSV problem as the one-line error naming the table.
    static func metadataError(_ problem: CSVReader.Problem, in path: String) -> DatasetError {
        switch problem {
        case .unreadable(_, let message): .badMetadata(path: path, message: message)
        case .malformed(_, let record, let message): .badMetadata(path: path, message: "record \(record): \(message)")
        }
    }

    /// The tracks of `subset` in a table read by `reader` (messages name `name`).
    public static func load(_ reader: CSVReader, name path: String, subset: FMASubset) throws(DatasetError) -> (
        tracks: [Track], unlabelled: Int
    ) {
        func bad(_ message: String) -> DatasetError { .badMetadata(path: path, message: message) }
        func next() throws(DatasetError) -> [String]? {
            do { return try reader.next() } catch { throw metadataError(error, in: path) }
        }
        guard let groups = try next(), let names = try next(), groups.count == names.count else {
            throw bad("not FMA's tracks.csv: it needs two header rows of equal length")
        }
        var index: [String: Int] = [:]
        var group = ""
        for (i, (g, n)) in zip(groups, names).enumerated() {
            if !g.isEmpty { group = g }
            index["\(group)/\(n)"] = i
        }
        guard let label = index[columns[0]], let set = index[columns[1]], let split = index[columns[2]],
            let artist = index[columns[3]]
        else {
            let missing = columns.prefix(4).filter { index[$0] == nil }
            throw bad("not FMA's tracks.csv: no column \(missing.joined(separator: ", "))")
        }
        let duration = index[columns[4]]
        var tracks: [Track] = []
        var unlabelled = 0
        var seen = Set<Int>()
        var rows = 0
        while let row = try next() {
            if row.count == 1, row[0].isEmpty { continue }
            if row.first == "track_id", row.dropFirst().allSatisfy(\.isEmpty) { continue }
            rows += 1
            guard rows <= maxRows else { throw bad("more than \(maxRows) rows") }
            guard row.count == names.count else {
                throw bad("record \(reader.record) has \(row.count) fields, the header \(names.count)")
            }
            guard let number = Int(row[0]), (1...999_999).contains(number), seen.insert(number).inserted else {
                throw bad(
                    "record \(reader.record): track id '\(row[0].prefix(20))' is not a new number from 1 to 999999")
            }
            guard subset.holds(row[set]) else { continue }
            guard !row[label].isEmpty else {
                unlabelled += 1
                continue
            }
            let full = duration.flatMap { Double(row[$0]) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            tracks.append(
                Track(
                    id: id(number), genre: row[label], split: row[split], artist: row[artist],
                    seconds: subset == .full ? full : full.map { min($0, 30) }))
        }
        return (tracks, unlabelled)
    }

    /// `000002` for track 2: how FMA names its audio files.
    public static func id(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}

extension DatasetManifest {
    /// FMA's manifest for one subset, from its tracks.csv: the top genres (sorted) as labels,
    /// every labelled track of the subset as an expected id, its official split, and its
    /// artists, for artist-conscious splits.
    public static func fma(csv path: String, subset: FMASubset) throws(DatasetError) -> DatasetManifest {
        try fma(tracks: try FMAMetadata.load(csv: path, subset: subset).tracks, csv: path, subset: subset)
    }

    /// FMA's manifest for one subset from tracks read from `csv`.
    public static func fma(tracks: [FMAMetadata.Track], csv path: String, subset: FMASubset) throws(DatasetError)
        -> DatasetManifest
    {
        guard !tracks.isEmpty else {
            throw .badMetadata(path: path, message: "no track of fma_\(subset.rawValue) has a top genre")
        }
        var metadata: [String: TrackMetadata] = [:]
        var lists: [String: [String]] = ["training": [], "validation": [], "test": []]
        for t in tracks {
            metadata[t.id] = TrackMetadata(label: t.genre, seconds: t.seconds)
            lists[t.split]?.append(t.id)
        }
        let official = Split(
            description: "FMA's own training, validation and test split (tracks.csv set/split), artist-conscious",
            source: "M. Defferrard et al., FMA: A Dataset for Music Analysis, ISMIR 2017, arXiv:1612.01840",
            counts: lists.mapValues(\.count), train: lists["training"]!, val: lists["validation"]!,
            test: lists["test"]!)
        let artists = ArtistIndex(
            name: "FMA's artist ids", description: "tracks.csv artist/id of each track",
            source: "https://github.com/mdeff/fma", cite: ["arXiv:1612.01840"],
            excerpts: Dictionary(tracks.map { ($0.id, ["artist \($0.artist)", ""]) }, uniquingKeysWith: { a, _ in a }))
        let manifest = DatasetManifest(
            formatVersion: 1, name: "fma", title: "Free Music Archive, fma_\(subset.rawValue)", tree: .fma,
            genres: Set(tracks.map(\.genre)).sorted(), ids: IDs(perGenre: 0, format: "6 digits", count: tracks.count),
            audio: nil,
            layouts: [Layout(name: "fma_\(subset.rawValue)", audioRoot: ".", file: "<3 digits>/<6 digits>.mp3")],
            knownFaults: [], splits: ["official": official], artists: artists, metadata: metadata)
        if let problem = manifest.problem() { throw .badMetadata(path: path, message: problem) }
        return manifest
    }
}
