/// Why a dataset cannot be used at all. Each `description` is one line naming the file and the
/// problem; a bad track is a finding in the report, never one of these. (Paths that cannot be
/// read or written are `FileError`s.)
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    case badManifest(path: String, message: String)
    case noTracks(source: String)

    public var description: String {
        switch self {
        case .badManifest(let path, let message): "\(path): not a valid dataset manifest (\(message))"
        case .noTracks(let source):
            "\(source): holds no audio tracks in a GTZAN layout (genres/<genre>/<id>.wav or .au)"
        }
    }
}
