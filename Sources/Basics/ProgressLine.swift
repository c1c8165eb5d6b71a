import Foundation

/// A one-line progress report on standard error, redrawn in place at most ten times a second.
/// Silent when standard error is not a terminal or when `quiet` is set.
public final class ProgressLine: @unchecked Sendable {
    private let label: String
    /// `genrekit <label>`, for notes.
    private var command: String { "genrekit \(label)" }
    private let enabled: Bool
    private var lastDraw = 0.0
    private var drawn = false
    private let lock = NSLock()

    public init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Shows `text` after the label (skipped if the last redraw was under 0.1 s ago).
    public func update(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date().timeIntervalSinceReferenceDate
        guard now - lastDraw >= 0.1 else { return }
        lastDraw = now
        drawn = true
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(text())".utf8))
    }

    /// Prints `label: text` on its own line of standard error (whether or not it is a terminal
    /// or `quiet`: a note is not progress).
    public func note(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        if enabled, drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        FileHandle.standardError.write(Data("\(command): \(text)\n".utf8))
    }

    /// Clears the line.
    public func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
