import Foundation

/// Why a file could not be written.
public struct WriteError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path): cannot write (\(message))" }
}

/// Whole-file writes that never leave half a file: the bytes go to a temporary name in the same
/// folder, which is then renamed over `path`. On failure the temporary file is removed and the
/// old file, if any, is untouched.
public enum AtomicFile {
    /// The hidden name beside `path` that a write goes to first: `.NAME.partial-PID`, which
    /// `StaleWork` sweeps when the process is gone.
    public static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        return String(path[..<slash]) + ".\(path[slash...]).partial-\(getpid())"
    }

    public static func write(_ data: Data, to path: String) throws(WriteError) {
        let temporary = temporaryPath(for: path)
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            unlink(temporary)
            throw WriteError(path: path, message: StagedDirectory.reason(error))
        }
        guard rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(path: path, message: message)
        }
    }
}
