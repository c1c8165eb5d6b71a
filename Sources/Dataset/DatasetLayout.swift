/// Where a file sits in a GTZAN download, and what GenreKit does with it.
///
/// Recognised layouts: the Kaggle zip (`Data/genres_original/<genre>/<genre>.000NN.wav`), the
/// Marsyas tarball (`genres/<genre>/<genre>.000NN.au`) and an unpacked folder
/// (`genres/<genre>/<id>.<ext>`), each possibly under one extra top-level folder.
public enum DatasetLayout {
    /// Audio extensions taken as tracks (anything libsndfile may read).
    public static let audioExtensions: Set<String> = ["wav", "au", "snd", "aif", "aiff", "flac", "ogg"]

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
        if parts.contains("__MACOSX") || name.hasPrefix("._") {
            return .skipped(reason: "macOS resource fork (__MACOSX, ._*)")
        }
        if name == ".DS_Store" { return .skipped(reason: "macOS folder metadata (.DS_Store)") }
        if name == "Thumbs.db" || name == "desktop.ini" { return .skipped(reason: "Windows folder metadata") }
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
