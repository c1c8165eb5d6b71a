internal import CLinux
import Foundation

/// A folder built under a hidden temporary name beside its destination and renamed into place
/// when complete, so a refused, failed or interrupted job never leaves a half-made folder that
/// looks finished.
///
/// The final rename never replaces a folder that appeared while the job ran (another run into
/// the same destination): only `force` replaces, and only the folder that was there at the
/// start. Staging folders of runs that were killed (`kill -9` leaves them) are removed on the
/// way in, and the note says so.
public final class StagedDirectory {
    /// Where the folder will be.
    public let target: URL
    /// Where it is built: `.NAME.<purpose>-PID` beside `target`.
    public let staging: URL
    /// The destination as the user wrote it, for messages.
    public let displayPath: String
    private let force: Bool
    private var committed = false
    /// Folders above `target` this job created, deepest first: removed again if it fails.
    private var createdParents: [URL] = []

    /// Creates the staging folder.
    /// - Parameters:
    ///   - path: the destination folder.
    ///   - force: allow replacing an existing destination (at `commit`).
    ///   - purpose: a word for the staging name (`unpacking`, `preparing`).
    ///   - inputs: what the job reads: the destination may not be, hold or lie inside one.
    ///   - note: told about stale staging folders removed.
    /// - Throws: `FileError.destinationExists` if `path` exists and not `force`,
    ///   `.overlap` for an output that would destroy an input, `.io` if the folder cannot be made.
    public init(
        _ path: String, force: Bool, purpose: String, inputs: [String] = [], note: (String) -> Void = { _ in }
    ) throws {
        try InputPath.refuseOverlap(output: path, inputs: inputs)
        let fm = FileManager.default
        displayPath = path
        self.force = force
        target = URL(fileURLWithPath: path).standardizedFileURL
        if fm.fileExists(atPath: target.path), !force { throw FileError.destinationExists(path: path) }
        let parent = target.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(target.lastPathComponent).\(purpose)-\(getpid())")
        createdParents = try Self.createParents(parent, display: path)
        for stale in StaleWork.sweep(beside: target) {
            note("removed \(stale.name), left by an earlier run that was killed (process \(stale.pid) is gone)")
        }
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            removeCreatedParents()
            throw FileError.io(path: path, message: "cannot create it (\(Self.reason(error)))")
        }
        Interruption.shared.install()
    }

    /// Removes the staging folder, and the parents this job created, unless it was committed.
    deinit {
        if !committed {
            try? FileManager.default.removeItem(at: staging)
            removeCreatedParents()
        }
    }

    /// `staging/relative`: where to write.
    public func path(_ relative: String) -> String { staging.appendingPathComponent(relative).path }

    /// `DESTINATION/relative`: what to call it in messages (never the hidden staging name).
    public func display(_ relative: String) -> String { displayPath + "/" + relative }

    /// Renames the staging folder into place. With `force`, an existing destination is replaced
    /// only now that the new one is complete (and put back if the swap fails).
    /// - Throws: `FileError.destinationExists` when the destination appeared meanwhile.
    public func commit() throws {
        try Interruption.shared.check()
        let fm = FileManager.default
        var old: URL?
        if force, fm.fileExists(atPath: target.path) {
            let aside = target.deletingLastPathComponent().appendingPathComponent(
                ".\(target.lastPathComponent).replaced-\(getpid())")
            try? fm.removeItem(at: aside)
            guard rename(target.path, aside.path) == 0 else {
                throw FileError.io(
                    path: displayPath, message: "cannot replace it (\(String(cString: strerror(errno))))")
            }
            old = aside
        }
        guard renameat2(AT_FDCWD, staging.path, AT_FDCWD, target.path, genrekit_rename_noreplace) == 0 else {
            let code = errno
            if let old { _ = rename(old.path, target.path) }
            if code == EEXIST || code == ENOTEMPTY { throw FileError.destinationExists(path: displayPath) }
            throw FileError.io(path: displayPath, message: "cannot create it (\(String(cString: strerror(code))))")
        }
        committed = true
        if let old { try? fm.removeItem(at: old) }
    }

    /// Creates the missing folders above `parent` (and `parent`), returning them deepest first.
    static func createParents(_ parent: URL, display: String) throws -> [URL] {
        var missing: [URL] = []
        var url = parent
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            missing.append(url)
            url.deleteLastPathComponent()
        }
        for folder in missing.reversed() {
            guard mkdir(folder.path, 0o755) == 0 || errno == EEXIST else {
                let why = String(cString: strerror(errno))
                for made in missing.reversed() where made != folder { rmdir(made.path) }
                throw FileError.io(path: display, message: "cannot create the folder \(folder.path) (\(why))")
            }
        }
        return missing
    }

    private func removeCreatedParents() {
        for folder in createdParents { rmdir(folder.path) }  // only if empty
    }

    /// Foundation's error as a reason without the NSCocoaErrorDomain dump.
    public static func reason(_ error: any Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(posix.code)))
        }
        return (error as NSError).localizedDescription
    }
}

/// Hidden work files of runs that were killed: `.NAME.<purpose>-PID` folders and
/// `.NAME.partial-PID` files beside a destination whose process no longer exists.
public enum StaleWork {
    public struct Item: Sendable, Equatable {
        public var name: String
        public var pid: Int32
    }

    /// Removes the stale work files beside `target` and returns what it removed.
    @discardableResult
    public static func sweep(beside target: URL) -> [Item] {
        let folder = target.deletingLastPathComponent()
        let prefix = ".\(target.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [Item] = []
        for name in names.sorted() where name.hasPrefix(prefix) {
            guard let pid = pid(name.dropFirst(prefix.count)), pid != getpid(), !isRunning(pid) else { continue }
            if (try? FileManager.default.removeItem(atPath: folder.appendingPathComponent(name).path)) != nil {
                removed.append(Item(name: name, pid: pid))
            }
        }
        return removed
    }

    /// The process id of `<word>-<pid>`, for the words GenreKit's work files use.
    static func pid(_ suffix: Substring) -> Int32? {
        guard let dash = suffix.lastIndex(of: "-"),
            ["unpacking", "preparing", "replaced", "partial", "training"].contains(suffix[..<dash])
        else { return nil }
        return Int32(suffix[suffix.index(after: dash)...])
    }

    static func isRunning(_ pid: Int32) -> Bool { pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) }
}
