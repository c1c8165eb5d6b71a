import Foundation

/// A folder built under a hidden temporary name beside its destination and renamed into place
/// when complete, so a refused, failed or interrupted job never leaves a half-made folder that
/// looks finished.
public final class StagedDirectory {
    /// Where the folder will be.
    public let target: URL
    /// Where it is built: `.NAME.<purpose>-PID` beside `target`.
    public let staging: URL
    private var committed = false

    /// Creates the staging folder.
    /// - Parameters:
    ///   - path: the destination folder.
    ///   - force: allow replacing an existing destination (at `commit`).
    ///   - purpose: a word for the staging name (`unpacking`, `preparing`).
    /// - Throws: `DatasetError.destinationExists` if `path` exists and not `force`.
    public init(_ path: String, force: Bool, purpose: String) throws {
        let fm = FileManager.default
        target = URL(fileURLWithPath: path).standardizedFileURL
        if fm.fileExists(atPath: target.path), !force { throw DatasetError.destinationExists(path: path) }
        let parent = target.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(target.lastPathComponent).\(purpose)-\(getpid())")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw DatasetError.io(
                path: parent.path, message: "cannot create a folder here (\(error.localizedDescription))")
        }
        Interruption.shared.install()
    }

    /// Removes the staging folder unless it was committed.
    deinit {
        if !committed { try? FileManager.default.removeItem(at: staging) }
    }

    /// `staging/relative`.
    public func path(_ relative: String) -> String { staging.appendingPathComponent(relative).path }

    /// Renames the staging folder into place, replacing an existing destination only now that
    /// the new one is complete (and putting the old one back if the swap fails).
    public func commit() throws {
        try Interruption.shared.check()
        let fm = FileManager.default
        if fm.fileExists(atPath: target.path) {
            let old = target.deletingLastPathComponent().appendingPathComponent(
                ".\(target.lastPathComponent).replaced-\(getpid())")
            try fm.moveItem(at: target, to: old)
            do {
                try fm.moveItem(at: staging, to: target)
            } catch {
                try? fm.moveItem(at: old, to: target)
                throw error
            }
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: staging, to: target)
        }
        committed = true
    }
}
