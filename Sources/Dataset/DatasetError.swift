/// Why a dataset job cannot go on. Each `description` is one line naming the file and the
/// problem; a bad track is a finding in the report, never one of these.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(path: String)
    case destinationExists(path: String)
    case badManifest(path: String, message: String)
    case noTracks(source: String)
    case io(path: String, message: String)
    /// The path is not what the command takes; the message says what it is and what to do.
    case wrongInput(path: String, message: String)
    /// An output that is, holds or lies inside an input.
    case overlap(output: String, input: String)
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
        case .wrongInput(let path, let message): "\(path): \(message)"
        case .overlap(let output, let input):
            output == input
                ? "\(output): the output cannot be the input; choose another output"
                : "\(output): overlaps the input \(input) (one holds the other); choose an output outside it"
        case .interrupted(let signal): "interrupted by signal \(signal)"
        }
    }
}
