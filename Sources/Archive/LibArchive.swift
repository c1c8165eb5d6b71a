import CArchive

#if canImport(Glibc)
    import Glibc
#endif

/// Limits that keep a hostile or broken archive from filling the disk or memory.
public struct ArchiveLimits: Sendable, Equatable {
    /// Most bytes all entries together may inflate to (GTZAN is about 1.3 GB).
    public var maxTotalBytes: Int64
    /// Most bytes one entry may inflate to (a 30 s GTZAN track is about 1.3 MB).
    public var maxEntryBytes: Int64
    /// Most bytes inflated per compressed byte read, for one entry (zip bombs).
    public var maxCompressionRatio: Int
    /// The ratio is only judged once an entry has inflated this many bytes.
    public var ratioCheckAfterBytes: Int64
    /// Most entries of any kind.
    public var maxEntries: Int

    public init(
        maxTotalBytes: Int64 = 4 << 30, maxEntryBytes: Int64 = 512 << 20, maxCompressionRatio: Int = 100,
        ratioCheckAfterBytes: Int64 = 1 << 20, maxEntries: Int = 100_000
    ) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntryBytes = maxEntryBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioCheckAfterBytes = ratioCheckAfterBytes
        self.maxEntries = maxEntries
    }
}

/// One entry that passed the safety checks: a regular file or a directory.
public struct ArchiveEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
    }
    /// The path relative to the archive root: `/`-separated, no `.` components, no trailing `/`.
    public let path: String
    public let kind: Kind
    /// The size the header declares, when it declares one.
    public let declaredSize: Int64?
}

/// Reads a zip or tar (optionally gzip, bzip2 or xz compressed) archive with libarchive, one
/// entry at a time, refusing anything unsafe before a byte of it reaches the caller.
///
/// Memory stays flat: data is handed out in blocks of `blockSize`. Refused: absolute paths and
/// `..` components (backslashes count as separators), symbolic and hard links, devices, FIFOs and
/// sockets, encrypted entries, names that collide (exactly, by case, or by Unicode normalisation:
/// they would overwrite each other on macOS), and entries or archives past `ArchiveLimits`, judged
/// on the bytes actually inflated, not on the sizes headers declare.
public final class SafeArchiveReader {
    public let archivePath: String
    public let limits: ArchiveLimits
    private let handle: OpaquePointer
    private var buffer: [UInt8]
    private var seenNames: [String: String] = [:]
    private var entryCount = 0
    private var totalInflated: Int64 = 0
    private var current: ArchiveEntry?

    /// Bytes handed to the caller per block.
    static let blockSize = 1 << 20
    /// Bytes libarchive reads from the file per call: the granularity of the raw byte count.
    static let readSize = 64 << 10

    /// Opens `path` for reading.
    /// - Throws: `ArchiveError.notAnArchive` if the file cannot be opened.
    public init(path: String, limits: ArchiveLimits = ArchiveLimits()) throws(ArchiveError) {
        _ = utf8Names
        guard let a = archive_read_new() else {
            throw .notAnArchive(archive: path, message: "libarchive could not allocate a reader")
        }
        archivePath = path
        self.limits = limits
        handle = a
        buffer = [UInt8](repeating: 0, count: Self.blockSize)
        archive_read_support_filter_all(a)
        archive_read_support_format_zip(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_gnutar(a)
        // On failure `deinit` frees the handle.
        if archive_read_open_filename(a, path, Self.readSize) != ARCHIVE_OK {
            throw .notAnArchive(archive: path, message: Self.message(a))
        }
    }

    deinit { archive_read_free(handle) }

    /// Bytes of the archive file read so far (compressed), for progress reports.
    public var bytesConsumed: Int64 { archive_filter_bytes(handle, -1) }

    /// The next safe entry, or nil at the end of the archive.
    /// - Throws: `ArchiveError.unsafe` for an entry the policy refuses, `.corrupt` or
    ///   `.notAnArchive` when libarchive cannot go on.
    public func next() throws(ArchiveError) -> ArchiveEntry? {
        current = nil
        var entryPointer: OpaquePointer?
        var status: Int32
        repeat {
            status = archive_read_next_header(handle, &entryPointer)
        } while status == ARCHIVE_RETRY
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry = entryPointer else {
            let message = Self.message(handle)
            if entryCount == 0 { throw .notAnArchive(archive: archivePath, message: message) }
            throw .corrupt(archive: archivePath, entry: nil, message: message)
        }
        entryCount += 1
        let raw = Self.pathname(entry)
        if entryCount > limits.maxEntries {
            throw .unsafe(archive: archivePath, entry: raw, reason: .tooManyEntries(limit: limits.maxEntries))
        }
        let path = try normalise(raw)
        let kind = try classify(entry, name: raw)
        if archive_entry_is_encrypted(entry) != 0 {
            throw .unsafe(archive: archivePath, entry: raw, reason: .encrypted)
        }
        let declared: Int64? = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        if kind == .file {
            if let declared, declared > limits.maxEntryBytes {
                throw .unsafe(
                    archive: archivePath, entry: raw,
                    reason: .entryTooLarge(bytes: declared, limit: limits.maxEntryBytes))
            }
            let key = path.lowercased()
            if let other = seenNames[key] {
                throw .unsafe(archive: archivePath, entry: raw, reason: .nameCollision(with: other))
            }
            seenNames[key] = raw
        }
        let result = ArchiveEntry(path: path, kind: kind, declaredSize: declared)
        current = result
        return result
    }

    /// Streams the current entry's data to `body` in blocks, enforcing the size and ratio limits.
    /// - Throws: `ArchiveError` when libarchive fails or a limit is passed; whatever `body` throws.
    public func read(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let entry = current else { return }
        let rawStart = archive_filter_bytes(handle, -1)
        var inflated: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { archive_read_data(handle, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                throw ArchiveError.corrupt(archive: archivePath, entry: entry.path, message: Self.message(handle))
            }
            inflated += Int64(n)
            totalInflated += Int64(n)
            try checkLimits(entry: entry, inflated: inflated, rawRead: archive_filter_bytes(handle, -1) - rawStart)
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Reads the current entry's data into memory (the size limits still apply).
    public func readAll() throws -> [UInt8] {
        var bytes: [UInt8] = []
        if let size = current?.declaredSize, size > 0 { bytes.reserveCapacity(Int(size)) }
        try read { bytes.append(contentsOf: $0) }
        return bytes
    }

    private func checkLimits(entry: ArchiveEntry, inflated: Int64, rawRead: Int64) throws(ArchiveError) {
        if inflated > limits.maxEntryBytes {
            throw .unsafe(
                archive: archivePath, entry: entry.path,
                reason: .entryTooLarge(bytes: inflated, limit: limits.maxEntryBytes))
        }
        if totalInflated > limits.maxTotalBytes {
            throw .unsafe(archive: archivePath, entry: entry.path, reason: .totalTooLarge(limit: limits.maxTotalBytes))
        }
        // The raw byte count moves in steps of one file read, so allow one read of slack.
        let compressed = max(rawRead, 0) + Int64(Self.readSize)
        if inflated > limits.ratioCheckAfterBytes, inflated > compressed * Int64(limits.maxCompressionRatio) {
            throw .unsafe(
                archive: archivePath, entry: entry.path,
                reason: .compressionRatio(
                    inflated: inflated, compressed: max(rawRead, 1), limit: limits.maxCompressionRatio))
        }
    }

    private func normalise(_ raw: String) throws(ArchiveError) -> String {
        if raw.hasPrefix("/") || raw.hasPrefix("\\") || Self.hasDriveLetter(raw) {
            throw .unsafe(archive: archivePath, entry: raw, reason: .absolutePath)
        }
        var parts: [Substring] = []
        for part in raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }) where part != "." {
            if part == ".." { throw .unsafe(archive: archivePath, entry: raw, reason: .parentTraversal) }
            parts.append(part)
        }
        if parts.isEmpty { throw .unsafe(archive: archivePath, entry: raw, reason: .emptyName) }
        return parts.joined(separator: "/")
    }

    private static func hasDriveLetter(_ raw: String) -> Bool {
        let chars = Array(raw.utf8.prefix(2))
        return chars.count == 2 && chars[1] == UInt8(ascii: ":")
            && ((chars[0] >= 65 && chars[0] <= 90) || (chars[0] >= 97 && chars[0] <= 122))
    }

    private func classify(_ entry: OpaquePointer, name: String) throws(ArchiveError) -> ArchiveEntry.Kind {
        if let target = archive_entry_hardlink(entry) {
            throw .unsafe(archive: archivePath, entry: name, reason: .hardlink(target: String(cString: target)))
        }
        let type = UInt32(archive_entry_filetype(entry))
        switch type & FileType.mask {
        case FileType.regular: return .file
        case FileType.directory: return .directory
        case FileType.symlink:
            let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            throw .unsafe(archive: archivePath, entry: name, reason: .symlink(target: target))
        case FileType.characterDevice:
            throw .unsafe(archive: archivePath, entry: name, reason: .specialFile(kind: "character device"))
        case FileType.blockDevice:
            throw .unsafe(archive: archivePath, entry: name, reason: .specialFile(kind: "block device"))
        case FileType.fifo:
            throw .unsafe(archive: archivePath, entry: name, reason: .specialFile(kind: "FIFO"))
        case FileType.socket:
            throw .unsafe(archive: archivePath, entry: name, reason: .specialFile(kind: "socket"))
        default:
            throw .unsafe(archive: archivePath, entry: name, reason: .specialFile(kind: "file of unknown type \(type)"))
        }
    }

    static func pathname(_ entry: OpaquePointer) -> String {
        if let utf8 = archive_entry_pathname_utf8(entry) { return String(cString: utf8) }
        if let native = archive_entry_pathname(entry) { return String(cString: native) }
        return ""
    }

    static func message(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}

/// libarchive converts entry names through the C library's character type locale. In the
/// default "C" locale its pax writer cannot convert a non-ASCII UTF-8 name and crashes (libarchive
/// 3.6.2 passes the failed conversion's NULL to strlen), and readers lose such names. Swift
/// programs start in that locale, so switch character handling to UTF-8 once, before the first
/// archive is touched (the program does no other locale-dependent work).
private let utf8Names: Void = {
    let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
    if codeset.uppercased().filter({ $0 != "-" }) != "UTF8" {
        _ = setlocale(LC_CTYPE, "C.UTF-8")
    }
}()

/// The `AE_IF*` file type constants of `archive_entry.h` (macros with casts, which Swift does
/// not import).
enum FileType {
    static let mask: UInt32 = 0o170000
    static let regular: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000
    static let symlink: UInt32 = 0o120000
    static let characterDevice: UInt32 = 0o020000
    static let blockDevice: UInt32 = 0o060000
    static let fifo: UInt32 = 0o010000
    static let socket: UInt32 = 0o140000
}

/// Writes a zip or a gzip-compressed tar with libarchive, atomically: the data goes to a
/// temporary name beside `path`, which `finish()` renames into place. An unfinished writer
/// removes its temporary file.
///
/// Entries get fixed owners (0) and the modification time given (default 0), so the same
/// entries give the same bytes.
public final class ArchiveWriter {
    public enum Format: Sendable, Equatable {
        /// Zip with deflate at `level` (0 stores).
        case zip(level: Int = 6)
        /// POSIX (pax restricted) tar through gzip.
        case tarGzip
    }

    /// Kinds of entry beyond regular files and directories, for tests of the refusals.
    public enum Special: Sendable {
        case fifo, characterDevice, blockDevice
    }

    public let path: String
    private let temporaryPath: String
    private var handle: OpaquePointer?
    public var modificationTime: Int = 0

    /// Creates the writer.
    /// - Parameters:
    ///   - path: where the finished archive goes.
    ///   - format: zip or tar.gz.
    ///   - passphrase: when set (zip only), entries are encrypted with traditional PKWARE
    ///     encryption; for tests of the refusal of encrypted archives.
    public init(path: String, format: Format, passphrase: String? = nil) throws(ArchiveError) {
        self.path = path
        temporaryPath = Self.temporaryName(for: path)
        _ = utf8Names
        guard let a = archive_write_new() else {
            throw .writeFailed(archive: path, message: "libarchive could not allocate a writer")
        }
        handle = a
        var ok: Bool
        switch format {
        case .zip(let level):
            ok = archive_write_set_format_zip(a) == ARCHIVE_OK
            ok = ok && archive_write_set_option(a, "zip", "compression", level == 0 ? "store" : "deflate") == ARCHIVE_OK
            if level > 0 {
                ok = ok && archive_write_set_option(a, "zip", "compression-level", String(level)) == ARCHIVE_OK
            }
            if let passphrase {
                ok = ok && archive_write_set_option(a, "zip", "encryption", "traditional") == ARCHIVE_OK
                ok = ok && archive_write_set_passphrase(a, passphrase) == ARCHIVE_OK
            }
        case .tarGzip:
            ok = archive_write_set_format_pax_restricted(a) == ARCHIVE_OK
            ok = ok && archive_write_add_filter_gzip(a) == ARCHIVE_OK
            // No time stamp in the gzip header: same entries, same bytes.
            ok = ok && archive_write_set_filter_option(a, "gzip", "timestamp", nil) == ARCHIVE_OK
        }
        ok = ok && archive_write_open_filename(a, temporaryPath) == ARCHIVE_OK
        if !ok {
            let message = SafeArchiveReader.message(a)
            archive_write_free(a)
            handle = nil
            unlink(temporaryPath)
            throw .writeFailed(archive: path, message: message)
        }
    }

    deinit {
        if let handle {
            archive_write_free(handle)
            unlink(temporaryPath)
        }
    }

    /// Adds a regular file.
    public func addFile(_ name: String, bytes: [UInt8], permissions: Int = 0o644) throws(ArchiveError) {
        try add(name, type: FileType.regular, permissions: permissions, size: bytes.count) { a in
            bytes.withUnsafeBytes { buf in
                buf.isEmpty ? 0 : archive_write_data(a, buf.baseAddress, buf.count)
            } == bytes.count
        }
    }

    /// Adds a directory.
    public func addDirectory(_ name: String) throws(ArchiveError) {
        try add(name, type: FileType.directory, permissions: 0o755, size: 0)
    }

    /// Adds a symbolic link to `target`.
    public func addSymlink(_ name: String, target: String) throws(ArchiveError) {
        try add(name, type: FileType.symlink, permissions: 0o777, size: 0) { _ in
            true
        } configure: {
            archive_entry_set_symlink($0, target)
        }
    }

    /// Adds a hard link to the earlier entry `target` (tar only).
    public func addHardlink(_ name: String, target: String) throws(ArchiveError) {
        try add(name, type: FileType.regular, permissions: 0o644, size: 0) { _ in
            true
        } configure: {
            archive_entry_set_hardlink($0, target)
        }
    }

    /// Adds a FIFO or device node (tar only).
    public func addSpecial(_ name: String, kind: Special) throws(ArchiveError) {
        let type =
            switch kind {
            case .fifo: FileType.fifo
            case .characterDevice: FileType.characterDevice
            case .blockDevice: FileType.blockDevice
            }
        try add(name, type: type, permissions: 0o644, size: 0)
    }

    /// Closes the archive and renames it into place.
    public func finish() throws(ArchiveError) {
        guard let a = handle else { return }
        handle = nil
        let closed = archive_write_close(a) == ARCHIVE_OK
        let message = SafeArchiveReader.message(a)
        archive_write_free(a)
        guard closed, rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            throw .writeFailed(archive: path, message: closed ? "rename failed: errno \(errno)" : message)
        }
    }

    private func add(
        _ name: String, type: UInt32, permissions: Int, size: Int,
        data: (OpaquePointer) -> Bool = { _ in true },
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(ArchiveError) {
        guard let a = handle, let entry = archive_entry_new() else {
            throw .writeFailed(archive: path, message: "writer already finished")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(permissions))
        archive_entry_set_size(entry, la_int64_t(size))
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        configure(entry)
        guard archive_write_header(a, entry) == ARCHIVE_OK, data(a) else {
            throw .writeFailed(archive: path, message: "\(name): \(SafeArchiveReader.message(a))")
        }
    }

    static func temporaryName(for path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        return path[..<slash] + ".\(path[slash...]).partial-\(getpid())"
    }
}
