internal import CArchive

#if canImport(Glibc)
    import Glibc
#endif

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
            throw .writeFailed(archive: path, message: Self.hidingTemporary(message, temporaryPath, path))
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
            let why = closed ? String(cString: strerror(errno)) : Self.hidingTemporary(message, temporaryPath, path)
            throw .writeFailed(archive: path, message: why)
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

    /// libarchive's message with the temporary name replaced by the one the user gave.
    static func hidingTemporary(_ message: String, _ temporary: String, _ path: String) -> String {
        message.replacing(temporary, with: path)
    }

    static func temporaryName(for path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        return path[..<slash] + ".\(path[slash...]).partial-\(getpid())"
    }
}
