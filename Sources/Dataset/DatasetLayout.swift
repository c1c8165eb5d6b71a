/// Where a file sits in a dataset, and what GenreKit does with it.
///
/// GTZAN's recognised layouts: the Kaggle zip (`Data/genres_original/<genre>/<genre>.000NN.wav`), the
/// Marsyas tarball (`genres/<genre>/<genre>.000NN.au`) and an unpacked folder
/// (`genres/<genre>/<id>.<ext>`), each possibly under one extra top-level folder.
import Basics

public enum DatasetLayout {
    /// Audio extensions taken as tracks (anything libsndfile may read).
    public static let audioExtensions: Set<String> = [
        "wav", "au", "snd", "aif", "aiff", "flac", "ogg", "oga", "opus", "mp3", "w64", "rf64", "caf",
    ]

    /// How a dataset's tracks are found below its root.
    public enum Kind: String, ClosedChoice {
        /// GTZAN's: `genres/<genre>/<genre>.<5 digits>.<ext>` (or the Kaggle zip's
        /// `genres_original`), each possibly under one extra top-level folder.
        case gtzan
        /// Labelled folders: `<label>/<any name>.<ext>`, labels the folder names, ids
        /// `<label>/<file stem>`.
        case folders
        /// The Free Music Archive: `<3 digits>/<6 digits>.mp3` (possibly below `fma_small/` or
        /// another top folder), labelled by `fma_metadata/tracks.csv`.
        case fma

        public static let noun = "layout"
    }

    /// What a path is.
    public enum Classification: Equatable, Sendable {
        /// A track: its genre folder, id (the file name without extension) and extension
        /// (lower case), and whether the name follows `<genre>.<5 digits>` with a known genre.
        case track(genre: String, id: String, ext: String, expectedName: Bool)
        /// Not used; the reason says what it is.
        case skipped(reason: String)
    }

    /// Classifies a `/`-separated relative path.
    /// - Parameters:
    ///   - path: the path inside the archive or below the dataset folder.
    ///   - genres: the dataset's genres.
    public static func classify(_ path: String, genres: [String]) -> Classification {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last else { return .skipped(reason: "empty path") }
        if let reason = clutter(parts, name) { return .skipped(reason: reason) }
        let ext = fileExtension(name)
        if parts.contains("images_original") || ext == "png" { return .skipped(reason: "spectrogram image (not used)") }
        if ext == "csv" { return .skipped(reason: "feature table (not used)") }
        if ext == "mf" { return .skipped(reason: "Marsyas collection file (not used)") }

        guard let root = parts.lastIndex(where: { $0 == "genres_original" || $0 == "genres" }),
            parts.count == root + 3
        else {
            return .skipped(
                reason: audioExtensions.contains(ext) ? "audio outside a genre folder" : "not part of the audio tree")
        }
        guard audioExtensions.contains(ext) else { return .skipped(reason: "not an audio file") }
        let genre = parts[root + 1]
        let id = String(name.dropLast(ext.count + 1))
        return .track(genre: genre, id: id, ext: ext, expectedName: isExpectedID(id, genre: genre, genres: genres))
    }

    /// Classifies a `/`-separated path below a labelled-folders root: `<label>/<name>.<ext>`.
    public static func classifyFolders(_ path: String) -> Classification {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last else { return .skipped(reason: "empty path") }
        if let reason = clutter(parts, name) { return .skipped(reason: reason) }
        let ext = fileExtension(name)
        guard audioExtensions.contains(ext) else { return .skipped(reason: "not an audio file") }
        guard parts.count == 2, !parts[0].hasPrefix(".") else {
            return .skipped(reason: "audio outside a label folder (ROOT/<label>/<file>)")
        }
        let stem = String(name.dropLast(ext.count + 1))
        return .track(genre: parts[0], id: parts[0] + "/" + stem, ext: ext, expectedName: true)
    }

    /// Classifies a path of an FMA audio folder, `[top/]<3 digits>/<6 digits>.<ext>`, labelled
    /// by `metadata` (the subset's tracks by id).
    public static func classifyFMA(
        _ path: String, metadata: [String: DatasetManifest.TrackMetadata], subset: String
    ) -> Classification {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last else { return .skipped(reason: "empty path") }
        if let reason = clutter(parts, name) { return .skipped(reason: reason) }
        let ext = fileExtension(name)
        guard audioExtensions.contains(ext) else { return .skipped(reason: "not an audio file") }
        let id = String(name.dropLast(ext.count + 1))
        guard parts.count >= 2, parts.count <= 3, id.count == 6, id.allSatisfy({ $0.isASCII && $0.isNumber }),
            parts[parts.count - 2] == String(id.prefix(3))
        else { return .skipped(reason: "not where FMA keeps audio (<3 digits>/<6 digits>.mp3)") }
        guard let track = metadata[id] else {
            return .skipped(reason: "not a track of \(subset) with a top genre in tracks.csv")
        }
        return .track(genre: track.label, id: id, ext: ext, expectedName: true)
    }

    /// What operating systems leave in folders, and why it is skipped; nil for anything else.
    static func clutter(_ parts: [String], _ name: String) -> String? {
        if parts.contains("__MACOSX") || name.hasPrefix("._") { return "macOS resource fork (__MACOSX, ._*)" }
        if name == ".DS_Store" { return "macOS folder metadata (.DS_Store)" }
        if name == "Thumbs.db" || name == "desktop.ini" { return "Windows folder metadata" }
        return nil
    }

    /// Whether `id` is `<genre>.<5 digits>` for `genre`, one of `genres`.
    public static func isExpectedID(_ id: String, genre: String, genres: [String]) -> Bool {
        guard genres.contains(genre), id.hasPrefix(genre + ".") else { return false }
        let digits = id.dropFirst(genre.count + 1)
        return digits.count == 5 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Where `unpack` writes a track: `genres/<genre>/<id>.<ext>`.
    public static func unpackedPath(genre: String, id: String, ext: String) -> String {
        "genres/\(genre)/\(id).\(ext)"
    }

    static func fileExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}

extension DatasetManifest {
    /// Classifies a path below the dataset's root (or an archive entry, which may sit under one
    /// more top folder) by the dataset's layout.
    public func classify(_ path: String, inArchive: Bool = false) -> DatasetLayout.Classification {
        switch layout {
        case .gtzan: return DatasetLayout.classify(path, genres: genres)
        case .folders:
            let parts = path.split(separator: "/")
            let inner = inArchive && parts.count == 3 ? parts.dropFirst().joined(separator: "/") : path
            let found = DatasetLayout.classifyFolders(inner)
            if case .track(let label, _, _, _) = found, !genres.isEmpty, !genres.contains(label) {
                return .skipped(reason: "folder '\(label)' is not one of \(name)'s labels")
            }
            return found
        case .fma:
            return DatasetLayout.classifyFMA(path, metadata: metadata ?? [:], subset: layouts.first?.name ?? name)
        }
    }

    /// Where `unpack` writes a track, below its folder.
    public func unpackedPath(genre: String, id: String, ext: String) -> String {
        switch layout {
        case .gtzan: DatasetLayout.unpackedPath(genre: genre, id: id, ext: ext)
        case .folders: id + "." + ext
        case .fma: String(id.prefix(3)) + "/" + id + "." + ext
        }
    }
}
