import Basics
internal import CArchive

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a zip or a gzip-compressed tar with libarchive, atomically: the data goes to a
/// temporary name beside `path`, which `finish()` renames into place. An unfinished writer
/// removes its temporary file.
///
/// Entries get fixed owners (0) and the modification time given (default 0), so the same
/// entries give the same bytes. The bytes are hashed as they are written: `finish()` returns the
/// archive's SHA-256 and size without reading it back.
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
    private let output: Output
    public var modificationTime: Int = 0

    /// Creates the writer.
    /// - Parameters:
    ///   - path: where the finished archive goes.
    ///   - format: zip or tar.gz.
    ///   - passphrase: when set (zip only), entries are encrypted with traditional PKWARE
    ///     encryption; for tests of the refusal of encrypted archives.
    public init(path: String, format: Format, passphrase: String? = nil) throws(ArchiveError) {
        self.path = path
        temporaryPath = AtomicFile.temporaryPath(for: path)
        output = Output()
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
        var openFailure: String?
        if ok {
            // As archive_write_open_filename does: mode 0666 less the umask.
            output.fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            if output.fd < 0 { openFailure = String(cString: strerror(errno)) }
        }
        // As archive_write_open_filename does for a regular file: no padding after the last block.
        ok = ok && openFailure == nil && archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK
        ok =
            ok
            && archive_write_open(
                a, Unmanaged.passUnretained(output).toOpaque(), nil, Output.write, nil) == ARCHIVE_OK
        if !ok {
            let message = openFailure ?? SafeArchiveReader.message(a)
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

    /// Adds a regular file of `size` bytes that `fill` hands over in pieces, so a large entry
    /// need not be in memory at once. `fill` must give exactly `size` bytes.
    public func addFile(
        _ name: String, size: Int, permissions: Int = 0o644,
        fill: (_ write: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws -> Void
    ) throws {
        var given = 0
        var failure: (any Error)?
        do {
            try add(name, type: FileType.regular, permissions: permissions, size: size) { a in
                do {
                    try fill { (piece: UnsafeRawBufferPointer) throws(ArchiveError) in
                        guard given + piece.count <= size else {
                            throw .writeFailed(archive: path, message: "\(name): more than the \(size) bytes announced")
                        }
                        guard piece.isEmpty || archive_write_data(a, piece.baseAddress, piece.count) == piece.count
                        else { throw .writeFailed(archive: path, message: "\(name): \(SafeArchiveReader.message(a))") }
                        given += piece.count
                    }
                } catch {
                    failure = error
                    return false
                }
                if given != size {
                    failure = ArchiveError.writeFailed(
                        archive: path, message: "\(name): \(given) of \(size) bytes given")
                }
                return given == size
            }
        } catch {
            throw failure ?? error
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
    /// - Returns: the SHA-256 (hex) and size of the bytes written.
    @discardableResult
    public func finish() throws(ArchiveError) -> (sha256: String, bytes: Int) {
        guard let a = handle else { throw .writeFailed(archive: path, message: "writer already finished") }
        handle = nil
        var closed = archive_write_close(a) == ARCHIVE_OK
        let message = output.failure ?? SafeArchiveReader.message(a)
        archive_write_free(a)
        closed = output.close() && closed
        guard closed, rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            let why = closed ? String(cString: strerror(errno)) : Self.hidingTemporary(message, temporaryPath, path)
            throw .writeFailed(archive: path, message: why)
        }
        return (output.hash.hex(), output.hash.count)
    }

    /// Where libarchive's blocks go: the temporary file, through the hash.
    private final class Output {
        var fd: Int32 = -1
        var hash = StreamingSHA256()
        var failure: String?

        /// libarchive's write callback: every byte or a failure.
        static let write: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int = {
            _, context, buffer, length in
            let output = Unmanaged<Output>.fromOpaque(context!).takeUnretainedValue()
            guard let buffer else { return 0 }
            var done = 0
            while done < length {
                let n = Glibc.write(output.fd, buffer + done, length - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    output.failure = String(cString: strerror(errno))
                    return -1
                }
                done += n
            }
            output.hash.update(UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }

        /// Closes the file; false if the last bytes could not be written.
        func close() -> Bool {
            guard fd >= 0 else { return true }
            defer { fd = -1 }
            return Glibc.close(fd) == 0
        }

        deinit { _ = close() }
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
}
