import Archive
import Basics
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Unpacks a GTZAN archive into `DIR/genres/<genre>/<id>.<ext>` plus `DIR/validation.json`,
/// validating every track on the way.
///
/// Works in a hidden temporary folder beside `DIR` (`.DIR.unpacking-PID`) and renames it into
/// place at the end, so a refused, failed or interrupted (SIGINT, SIGTERM) run leaves no `DIR`
/// and no staging folder behind.
public struct Unpacker {
    public var validator: Validator

    public init(validator: Validator = Validator()) { self.validator = validator }

    /// - Parameters:
    ///   - archive: the zip or tarball.
    ///   - directory: the folder to create.
    ///   - force: replace `directory` if it exists.
    /// - Returns: the report also written to `validation.json`.
    /// - Throws: `ArchiveError` for unreadable or unsafe archives, `FileError` otherwise.
    public func unpack(archive: String, into directory: String, force: Bool) throws -> ValidationReport {
        let fm = FileManager.default
        guard fm.fileExists(atPath: archive) else { throw FileError.notFound(path: archive) }
        let progress = validator.progress
        let output = try StagedDirectory(
            directory, force: force, purpose: "unpacking", inputs: [archive], note: { progress?.note($0) })
        var madeFolders: Set<String> = []
        let scan = try ArchiveScan(
            archive: archive, manifest: validator.manifest, policy: validator.policy, limits: validator.limits,
            progress: validator.progress)
        // Strings for the writing threads (the staging folder object stays on this one).
        let staging = output.staging.path + "/"
        let shown = output.displayPath + "/"
        let report = try scan.run(
            place: { _, unpacked in
                try Interruption.shared.check()
                let folder = String(unpacked[..<unpacked.lastIndex(of: "/")!])
                if madeFolders.insert(folder).inserted {
                    do { try fm.createDirectory(atPath: output.path(folder), withIntermediateDirectories: true) } catch
                    {
                        throw FileError.io(path: output.display(folder), message: StagedDirectory.reason(error))
                    }
                }
                return unpacked
            },
            save: { unpacked, bytes in
                try Self.write(bytes, to: staging + unpacked, display: shown + unpacked)
            })
        try Self.write(
            Array(try ReportFormatter.json(report).utf8), to: output.path("validation.json"),
            display: output.display("validation.json"))
        try output.commit()
        return report
    }

    /// Writes a new file with POSIX calls (no extra copies of the bytes); errors name `display`.
    static func write(_ bytes: [UInt8], to path: String, display: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw FileError.io(path: display, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var offset = 0
        try bytes.withUnsafeBytes { buf in
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.io(path: display, message: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }
}
