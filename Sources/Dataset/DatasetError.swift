/// Why a dataset job cannot go on. Each `description` is one line naming the file and the
/// problem; a bad track is a finding in the report, never one of these.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(path: String)
    case destinationExists(path: String)
    case badManifest(path: String, message: String)
    case noTracks(source: String)
    case io(path: String, message: String)
    /// SIGINT or SIGTERM arrived; the job stopped and removed what it had staged.
    case interrupted(signal: Int32)

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file or folder"
        case .destinationExists(let path): "\(path): already exists (use --force to replace it)"
        case .badManifest(let path, let message): "\(path): not a valid dataset manifest (\(message))"
        case .noTracks(let source):
            "\(source): holds no audio tracks in a GTZAN layout (genres/<genre>/<id>.wav or .au)"
        case .io(let path, let message): "\(path): \(message)"
        case .interrupted(let signal): "interrupted by signal \(signal)"
        }
    }
}
