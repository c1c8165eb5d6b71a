import Basics
internal import CArchive

#if canImport(Glibc)
    import Glibc
#endif

/// Limits that keep a hostile or broken archive from filling the disk or memory.
public struct ArchiveLimits: Sendable, Equatable {
    /// Most bytes all entries together may inflate to (GTZAN is about 1.3 GB), skipped entries
    /// included.
    public var maxTotalBytes: Int64
    /// Most bytes one entry may inflate to (a 30 s GTZAN track is about 1.3 MB).
    public var maxEntryBytes: Int64
    /// Most bytes inflated per compressed byte consumed, for each entry and for the archive as a
    /// whole (zip bombs), judged from the first byte.
    public var maxCompressionRatio: Int
    /// Bytes an entry, and the archive as a whole, may inflate beyond `ratio x compressed`. It
    /// covers one 30 s track of digital silence (1.3 MB that deflate packs about 1000:1) and the
    /// decompressor's output block that libarchive inflates before handing any of it out; the
    /// archive-wide rule keeps many entries from each using it.
    public var ratioAllowanceBytes: Int64
    /// Most entries of any kind.
    public var maxEntries: Int

    public init(
        maxTotalBytes: Int64 = 4 << 30, maxEntryBytes: Int64 = 512 << 20, maxCompressionRatio: Int = 100,
        ratioAllowanceBytes: Int64 = 2 << 20, maxEntries: Int = 100_000
    ) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntryBytes = maxEntryBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioAllowanceBytes = ratioAllowanceBytes
        self.maxEntries = maxEntries
    }
}

extension ArchiveLimits {
    /// The most bytes `compressed` bytes may inflate to: `ratio x compressed + allowance`,
    /// saturating, so a ratio set very high lifts the rule instead of overflowing.
    func ratioBound(_ compressed: Int64) -> Int64 {
        let (product, overflow) = Int64(maxCompressionRatio).multipliedReportingOverflow(by: max(compressed, 0))
        let (sum, overflowAgain) = product.addingReportingOverflow(max(ratioAllowanceBytes, 0))
        return overflow || overflowAgain ? .max : sum
    }
}

/// One entry that passed the safety checks: a regular file or a directory.
public struct ArchiveEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
    }
    /// The path relative to the archive root: `/`-separated, no `.` components, no trailing `/`.
    /// Bytes that are not UTF-8 are replaced (U+FFFD); `name` shows them.
    public let path: String
    /// The name as stored, escaped for printing (`EntryName.display`).
    public let name: String
    public let kind: Kind
    /// The size the header declares, when it declares one.
    public let declaredSize: Int64?
}

/// Reads a zip or tar (optionally gzip, bzip2, xz or zstd compressed) archive with libarchive,
/// one entry at a time, refusing anything unsafe before a byte of it reaches the caller.
///
/// Memory stays flat: data is handed out in blocks of `blockSize`. Refused: absolute paths and
/// `..` components (backslashes count as separators), symbolic and hard links, devices, FIFOs and
/// sockets, encrypted entries, names that collide (exactly, by case, or by Unicode normalisation:
/// they would overwrite each other on macOS), zips whose entries overlap or whose central
/// directory is incomplete, damaged tar headers and tars without their end-of-archive blocks,
/// and entries or archives past `ArchiveLimits`, judged on the bytes actually inflated (skipped
/// entries included), not on the sizes headers declare. Only built-in decompressors are
/// enabled: libarchive never runs an external program.
public final class SafeArchiveReader {
    public let archivePath: String
    public let limits: ArchiveLimits
    private let handle: OpaquePointer
    private let memory: UnsafeMutableRawBufferPointer?
    private var buffer: [UInt8]
    private var seenNames: [String: String] = [:]
    private var entryCount = 0
    private var totalInflated: Int64 = 0
    private var current: ArchiveEntry?
    private var currentDrained = true
    /// The bytes to check as a zip if libarchive reads the file as one (see `init`).
    private var pendingZipCheck: RandomAccessBytes?
    /// Inflates a zip's entries itself when the zip starts the file (nil otherwise).
    private var zipEntries: ZipEntryReader?
    /// The directory's record of the current entry, when `zipEntries` may read it.
    private var currentRecord: ZipDirectory.Entry?
    /// Headers libarchive has returned.
    private var headerCount = 0
    /// Whether zip entries may be inflated by `ZipEntryReader` (tests compare both ways).
    var readsZipEntriesItself = true
    /// Entries `ZipEntryReader` has read (for tests).
    private(set) var entriesReadItself = 0

    /// Bytes handed to the caller per block.
    static let blockSize = 1 << 20
    /// Bytes libarchive reads from the file per call.
    static let readSize = 64 << 10

    /// Opens the archive at `path`.
    /// - Throws: `ArchiveError.notAnArchive` if the file cannot be opened or is not an archive,
    ///   `.corrupt` or `.unsafe` when a zip's central directory fails its checks.
    public convenience init(path: String, limits: ArchiveLimits = ArchiveLimits()) throws(ArchiveError) {
        try self.init(source: .file(path), limits: limits)
    }

    /// Opens an archive held in a file or in memory.
    public init(source: ArchiveSource, limits: ArchiveLimits = ArchiveLimits()) throws(ArchiveError) {
        _ = utf8Names
        archivePath = source.name
        self.limits = limits
        let bytes = try RandomAccessBytes(source)
        // A file that starts as a zip is checked now; one libarchive finds a zip further in
        // (data prepended) is checked at its first entry. A gzip stream is never taken for a zip
        // because four of its bytes happen to spell the end record's signature.
        if ZipDirectory.looksLikeZip(bytes) {
            if let entries = try ZipDirectory.check(bytes, name: source.name, maxEntries: limits.maxEntries) {
                zipEntries = ZipEntryReader(file: bytes, entries: entries)
            }
        } else {
            pendingZipCheck = bytes
        }
        guard let a = archive_read_new() else {
            throw .notAnArchive(archive: source.name, message: "libarchive could not allocate a reader")
        }
        handle = a
        buffer = [UInt8](repeating: 0, count: Self.blockSize)
        Self.enableBuiltInFormats(a)
        var status: Int32
        switch source {
        case .file(let path):
            memory = nil
            status = archive_read_open_filename(a, path, Self.readSize)
        case .memory(let data, _):
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
            copy.copyBytes(from: data)
            memory = copy
            // In blocks, as a file is read: handed over whole, a stored entry's bytes are not
            // consumed until the entry ends, and the ratio rule would see them come from nothing.
            status = archive_read_open_memory2(a, copy.baseAddress, data.count, Self.readSize)
        }
        // On failure `deinit` frees the handle and the copy.
        if status != ARCHIVE_OK { throw .notAnArchive(archive: source.name, message: Self.message(a)) }
    }

    deinit {
        archive_read_free(handle)
        memory?.deallocate()
    }

    /// Zip and tar, and the decompressors libarchive has built in (it would otherwise run
    /// `lrzip`, `lzop`, `grzip` or `bzip2` from PATH for some of them).
    static func enableBuiltInFormats(_ a: OpaquePointer) {
        archive_read_support_format_zip(a)
        archive_read_support_format_tar(a)
        if archive_zlib_version() != nil { archive_read_support_filter_gzip(a) }
        if archive_bzlib_version() != nil { archive_read_support_filter_bzip2(a) }
        if archive_liblzma_version() != nil {
            archive_read_support_filter_xz(a)
            archive_read_support_filter_lzma(a)
        }
        if archive_libzstd_version() != nil { archive_read_support_filter_zstd(a) }
    }

    /// Bytes of the archive file read so far (compressed), for progress reports.
    public var bytesConsumed: Int64 { archive_filter_bytes(handle, -1) }

    /// The next safe entry, or nil at the end of the archive. The rest of the previous entry's
    /// data is read through the limits first (a tarball's skipped members inflate too).
    /// - Throws: `ArchiveError.unsafe` for an entry the policy refuses, `.corrupt` or
    ///   `.notAnArchive` when libarchive cannot go on or the archive is damaged.
    public func next() throws(ArchiveError) -> ArchiveEntry? {
        while true {
            try finishCurrent()
            let before = archive_filter_bytes(handle, 0)
            var entryPointer: OpaquePointer?
            let status = archive_read_next_header(handle, &entryPointer)
            if status == ARCHIVE_EOF {
                try checkEnd(streamPositionBefore: before)
                return nil
            }
            defer { headerCount += 1 }
            guard let entry = try accept(status, entryPointer) else { continue }
            return entry
        }
    }

    /// Checks a header libarchive returned and turns it into an entry (nil for the archive's own
    /// root folder, `./`).
    private func accept(_ status: Int32, _ pointer: OpaquePointer?) throws(ArchiveError) -> ArchiveEntry? {
        if status == ARCHIVE_RETRY {
            // A tar header whose checksum fails: libarchive would go looking for the next one.
            throw .corrupt(archive: archivePath, entry: nil, message: "damaged header: \(Self.message(handle))")
        }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry = pointer else {
            let message = Self.message(handle)
            if entryCount == 0 { throw .notAnArchive(archive: archivePath, message: message) }
            throw .corrupt(archive: archivePath, entry: nil, message: message)
        }
        let raw = Self.pathname(entry)
        let name = EntryName.display(raw)
        // Warnings other than a name in another character set mean an inconsistent header
        // (sizes or checksums that differ between a zip's directory and its local header).
        if status == ARCHIVE_WARN, !Self.message(handle).contains("converted") {
            throw .corrupt(archive: archivePath, entry: name, message: Self.message(handle))
        }
        if let bytes = pendingZipCheck {
            pendingZipCheck = nil
            if archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_ZIP,
                try ZipDirectory.check(bytes, name: archivePath, maxEntries: limits.maxEntries) == nil
            {
                throw .corrupt(archive: archivePath, entry: nil, message: "a zip without its central directory")
            }
        }
        entryCount += 1
        if entryCount > limits.maxEntries {
            throw .unsafe(archive: archivePath, entry: name, reason: .tooManyEntries(limit: limits.maxEntries))
        }
        let kind = try classify(entry, name: name)
        guard let path = try normalise(String(decoding: raw, as: UTF8.self), name: name, kind: kind) else {
            return nil
        }
        if archive_entry_is_encrypted(entry) != 0 {
            throw .unsafe(archive: archivePath, entry: name, reason: .encrypted)
        }
        let declared: Int64? = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        if kind == .file {
            if let declared, declared > limits.maxEntryBytes {
                throw .unsafe(
                    archive: archivePath, entry: name,
                    reason: .entryTooLarge(bytes: declared, limit: limits.maxEntryBytes))
            }
            let key = path.lowercased()
            if let other = seenNames[key] {
                throw .unsafe(archive: archivePath, entry: name, reason: .nameCollision(with: other))
            }
            seenNames[key] = name
        }
        let result = ArchiveEntry(path: path, name: name, kind: kind, declaredSize: declared)
        current = result
        currentDrained = kind != .file
        // The record must agree with what libarchive read: the same name, and the inflated
        // size libarchive's seekable reader takes from the same directory.
        currentRecord = zipEntries?.entry(header: headerCount, name: raw).flatMap {
            kind == .file && declared != nil && $0.uncompressedSize == declared ? $0 : nil
        }
        return result
    }

    /// A tar must end with its end-of-archive blocks: libarchive takes a tar cut at a member
    /// boundary as complete. The first null block is consumed only when it is there.
    private func checkEnd(streamPositionBefore before: Int64) throws(ArchiveError) {
        let isTar = archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_TAR
        if isTar, archive_filter_bytes(handle, 0) == before {
            throw .corrupt(
                archive: archivePath, entry: nil, message: "no end-of-archive blocks: the tar is truncated")
        }
    }

    /// Reads what the caller left of the current entry's data, through the limits. A zip entry
    /// is skipped by seeking (nothing inflates); a tarball's data inflates either way.
    private func finishCurrent() throws(ArchiveError) {
        defer { current = nil }
        guard current != nil, !currentDrained else { return }
        if archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_ZIP {
            if archive_read_data_skip(handle) != ARCHIVE_OK {
                throw .corrupt(archive: archivePath, entry: current?.name, message: Self.message(handle))
            }
            return
        }
        do { try read { _ in } } catch let error as ArchiveError { throw error } catch {
            throw .corrupt(archive: archivePath, entry: current?.name, message: "\(error)")
        }
    }

    /// Streams the current entry's data to `body` in blocks, enforcing the size and ratio limits.
    /// - Throws: `ArchiveError` when libarchive fails or a limit is passed; whatever `body` throws.
    public func read(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let entry = current, !currentDrained else { return }
        currentDrained = true
        let rawStart = archive_filter_bytes(handle, -1)
        var inflated: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { archive_read_data(handle, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                throw ArchiveError.corrupt(archive: archivePath, entry: entry.name, message: Self.message(handle))
            }
            inflated += Int64(n)
            totalInflated += Int64(n)
            try checkLimits(entry: entry, inflated: inflated, compressed: archive_filter_bytes(handle, -1) - rawStart)
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Reads the current entry's data into memory (the size limits still apply).
    public func readAll() throws -> [UInt8] {
        if let bytes = try readZipEntryItself() { return bytes }
        var bytes: [UInt8] = []
        if let size = current?.declaredSize, size > 0, size <= limits.maxEntryBytes { bytes.reserveCapacity(Int(size)) }
        try read { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The current zip entry inflated by `ZipEntryReader`, when the sizes its directory states
    /// are within every limit and the data proves them; nil leaves the entry to libarchive,
    /// which reads it against the limits block by block and reports what is wrong.
    private func readZipEntryItself() throws(ArchiveError) -> [UInt8]? {
        guard readsZipEntriesItself, let entry = current, !currentDrained, let record = currentRecord,
            let size = record.uncompressedSize, let zip = zipEntries
        else { return nil }
        // The size is checked against the entry limit before it is added to anything.
        guard size <= limits.maxEntryBytes, size <= limits.ratioBound(record.compressedSize) else { return nil }
        let total = totalInflated + size
        guard total <= limits.maxTotalBytes, total <= limits.ratioBound(record.end), let bytes = zip.read(record)
        else { return nil }
        totalInflated = total
        currentDrained = true
        entriesReadItself += 1
        // libarchive moves past the data without inflating it (progress reads its position).
        if archive_read_data_skip(handle) != ARCHIVE_OK {
            throw .corrupt(archive: archivePath, entry: entry.name, message: Self.message(handle))
        }
        return bytes
    }

    private func checkLimits(entry: ArchiveEntry, inflated: Int64, compressed: Int64) throws(ArchiveError) {
        if inflated > limits.maxEntryBytes {
            throw .unsafe(
                archive: archivePath, entry: entry.name,
                reason: .entryTooLarge(bytes: inflated, limit: limits.maxEntryBytes))
        }
        if totalInflated > limits.maxTotalBytes {
            throw .unsafe(archive: archivePath, entry: entry.name, reason: .totalTooLarge(limit: limits.maxTotalBytes))
        }
        let whole = archive_filter_bytes(handle, -1)
        if inflated > limits.ratioBound(compressed) || totalInflated > limits.ratioBound(whole) {
            throw .unsafe(
                archive: archivePath, entry: entry.name,
                reason: .compressionRatio(
                    inflated: inflated, compressed: max(compressed, 0), limit: limits.maxCompressionRatio))
        }
    }

    /// The path without `.` components and separators at either end; nil for the root folder
    /// itself (`./`, as `tar -C dir -cf x.tar .` writes it).
    private func normalise(_ raw: String, name: String, kind: ArchiveEntry.Kind) throws(ArchiveError) -> String? {
        if raw.hasPrefix("/") || raw.hasPrefix("\\") || Self.hasDriveLetter(raw) {
            throw .unsafe(archive: archivePath, entry: name, reason: .absolutePath)
        }
        var parts: [Substring] = []
        for part in raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }) where part != "." {
            if part == ".." { throw .unsafe(archive: archivePath, entry: name, reason: .parentTraversal) }
            parts.append(part)
        }
        if parts.isEmpty {
            if kind == .directory { return nil }
            throw .unsafe(archive: archivePath, entry: name, reason: .emptyName)
        }
        return parts.joined(separator: "/")
    }

    private static func hasDriveLetter(_ raw: String) -> Bool {
        let chars = Array(raw.utf8.prefix(2))
        return chars.count == 2 && chars[1] == UInt8(ascii: ":")
            && ((chars[0] >= 65 && chars[0] <= 90) || (chars[0] >= 97 && chars[0] <= 122))
    }

    private func classify(_ entry: OpaquePointer, name: String) throws(ArchiveError) -> ArchiveEntry.Kind {
        if let target = archive_entry_hardlink(entry) {
            throw .unsafe(archive: archivePath, entry: name, reason: .hardlink(target: Self.display(target)))
        }
        let type = UInt32(archive_entry_filetype(entry))
        switch type & FileType.mask {
        case FileType.regular: return .file
        case FileType.directory: return .directory
        case FileType.symlink:
            let target = archive_entry_symlink(entry).map(Self.display) ?? ""
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

    /// The entry's name as stored: the bytes in the archive's own encoding when libarchive has
    /// them (they may not be UTF-8), else its UTF-8 form.
    static func pathname(_ entry: OpaquePointer) -> [UInt8] {
        if let native = archive_entry_pathname(entry) { return bytes(native) }
        if let utf8 = archive_entry_pathname_utf8(entry) { return bytes(utf8) }
        return []
    }

    static func bytes(_ c: UnsafePointer<CChar>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: c, count: strlen(c))).map { UInt8(bitPattern: $0) }
    }

    static func display(_ c: UnsafePointer<CChar>) -> String { EntryName.display(bytes(c)) }

    static func message(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { EntryName.display(bytes($0)) } ?? "unknown libarchive error"
    }
}

/// libarchive converts entry names through the C library's character type locale. In the
/// default "C" locale its pax writer cannot convert a non-ASCII UTF-8 name and crashes (libarchive
/// 3.6.2 passes the failed conversion's NULL to strlen), and readers lose such names. Swift
/// programs start in that locale, so switch character handling to UTF-8 once, before the first
/// archive is touched (the program does no other locale-dependent work).
let utf8Names: Void = {
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
