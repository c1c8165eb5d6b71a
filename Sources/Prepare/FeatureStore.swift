import Basics
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The features of every extracted track in a scratch file of the staging folder instead of in
/// memory: tracks are stored as they finish, in any order, and read back one segment at a time
/// while the tensors are written, so `prepare`'s memory stays flat in the track count. The file
/// is removed when the store goes, before the folder is committed.
final class FeatureStore: @unchecked Sendable {
    /// Floats per segment (frames x coefficients).
    let perSegment: Int
    private let path: String
    /// The output folder as the user named it, for messages.
    private let display: String
    private let fd: Int32
    private let lock = NSLock()
    private var end = 0
    /// Byte offset of each stored track, by its index in the extraction's track list.
    private var offsets: [Int: Int] = [:]

    init(in output: StagedDirectory, perSegment: Int) throws(FileError) {
        self.perSegment = perSegment
        path = output.path(".features.f32")
        display = output.displayPath
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: display, message: String(cString: strerror(errno))) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Stores the features of track `index`: whole segments, `[segments * perSegment]`.
    /// - Throws: `FileError` when the scratch file cannot take them.
    func store(_ values: [Float], track index: Int) throws {
        let bytes = values.count * MemoryLayout<Float>.size
        let offset = lock.withLock {
            defer { end += bytes }
            offsets[index] = end
            return end
        }
        guard bytes > 0 else { return }
        try values.withUnsafeBytes { try transfer($0.baseAddress!, bytes, at: offset) }
    }

    /// Segment `segment` (counted within the stored track) of track `index`, into `buffer`
    /// (`perSegment` floats).
    func read(track index: Int, segment: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws(FileError) {
        guard let base = lock.withLock({ offsets[index] }) else {
            throw .io(path: display, message: "no features stored for track \(index)")
        }
        let bytes = perSegment * MemoryLayout<Float>.size
        try transfer(UnsafeMutableRawPointer(buffer.baseAddress!), bytes, at: base + segment * bytes, reading: true)
    }

    /// `pwrite` or `pread` of all `count` bytes at `offset`, through short transfers and EINTR.
    private func transfer(
        _ pointer: UnsafeRawPointer, _ count: Int, at offset: Int, reading: Bool = false
    ) throws(FileError) {
        var done = 0
        while done < count {
            let n =
                reading
                ? pread(fd, UnsafeMutableRawPointer(mutating: pointer) + done, count - done, off_t(offset + done))
                : pwrite(fd, pointer + done, count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let why = n == 0 ? "the scratch file ended early" : String(cString: strerror(errno))
                throw .io(path: display, message: "cannot \(reading ? "read" : "write") the features (\(why))")
            }
            done += n
        }
    }
}
