/// A file that is not what its format says: one line naming the file, the format and the
/// problem. (A file that cannot be read at all is a `FileError`.)
public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The formats read here, as the message names them.
    public enum Format: String, Sendable {
        case npy = "a readable .npy file"
        case safetensors = "a valid safetensors file"
    }

    public let path: String
    public let format: Format
    public let message: String

    public init(_ format: Format, path: String, _ message: String) {
        self.format = format
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): not \(format.rawValue) (\(message))" }
}
