/// Why a job could not read its input or write its output, whatever the stage: one line naming
/// the path and what to do.
public enum FileError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(path: String)
    case destinationExists(path: String)
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
