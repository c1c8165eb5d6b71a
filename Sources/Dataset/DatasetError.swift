/// Why a dataset cannot be used at all. Each `description` is one line naming the file and the
/// problem; a bad track is a finding in the report, never one of these. (Paths that cannot be
/// read or written are `FileError`s.)
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    case badManifest(path: String, message: String)
    /// A metadata table (FMA's tracks.csv) GenreKit cannot use.
    case badMetadata(path: String, message: String)
    case noTracks(source: String, layout: DatasetLayout.Kind = .gtzan)

    public var description: String {
        switch self {
        case .badManifest(let path, let message): "\(path): not a valid dataset manifest (\(message))"
        case .badMetadata(let path, let message): "\(path): \(message)"
        case .noTracks(let source, .gtzan):
            "\(source): holds no audio tracks in a GTZAN layout (genres/<genre>/<id>.wav or .au); for other datasets see --layout"
        case .noTracks(let source, .folders):
            "\(source): holds no audio tracks in labelled folders (<label>/<file>.wav, .flac, .mp3, ...)"
        case .noTracks(let source, .fma):
            "\(source): holds no track of the FMA subset (<3 digits>/<6 digits>.mp3, listed in tracks.csv with a top genre)"
        }
    }
}
