#if canImport(Glibc)
    import Glibc
#endif

/// Where an archive's bytes come from: a regular file, or bytes in memory (for fuzzing and for
/// archives inside archives). Gives random access for the checks that libarchive does not make.
public enum ArchiveSource: Sendable {
    case file(String)
    case memory([UInt8], name: String)

    /// The path or name, for messages.
    public var name: String {
        switch self {
        case .file(let path): path
        case .memory(_, let name): name
        }
    }
}

/// Random access to an archive's bytes: `pread` on a file, slices of an array in memory.
final class RandomAccessBytes {
    let size: Int64
    private let fd: Int32
    private let bytes: [UInt8]

    /// - Throws: `ArchiveError.notAnArchive` when the file cannot be opened or is not a regular
    ///   file (a FIFO would block the reader forever).
    init(_ source: ArchiveSource) throws(ArchiveError) {
        switch source {
        case .memory(let bytes, _):
            self.bytes = bytes
            fd = -1
            size = Int64(bytes.count)
        case .file(let path):
            bytes = []
            // O_NONBLOCK: opening a FIFO must not wait for a writer.
            fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                throw .notAnArchive(archive: path, message: String(cString: strerror(errno)))
            }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                throw .notAnArchive(archive: path, message: "not a regular file")
            }
            size = Int64(info.st_size)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// `count` bytes at `offset`, or nil when they are not all there.
    func read(at offset: Int64, count: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        return out.withUnsafeMutableBytes { read(at: offset, into: $0) } ? out : nil
    }

    /// Fills `buffer` with the bytes at `offset`; false when they are not all there.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        let count = buffer.count
        guard offset >= 0, offset <= size, Int64(count) <= size - offset else { return false }
        guard count > 0, let base = buffer.baseAddress else { return true }
        if fd < 0 {
            bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: count) }
            return true
        }
        var done = 0
        while done < count {
            let n = pread(fd, base + done, count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}

/// Little-endian fields of a byte array, bounds-checked: nil past the end.
struct LittleEndian {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u16(_ at: Int) -> Int? { value(at, 2).map { Int($0) } }
    func u32(_ at: Int) -> Int64? { value(at, 4).map { Int64($0) } }
    /// An unsigned 64-bit field, nil when it does not fit in `Int64`.
    func u64(_ at: Int) -> Int64? { value(at, 8).flatMap { $0 <= UInt64(Int64.max) ? Int64($0) : nil } }

    private func value(_ at: Int, _ width: Int) -> UInt64? {
        guard at >= 0, at <= bytes.count - width else { return nil }
        return (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
    }
}
