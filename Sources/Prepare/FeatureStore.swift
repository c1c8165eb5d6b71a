import Basics
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The features of every extracted track in a scratch file of the staging folder instead of in
/// memory: segments are stored as the decoder hands them out, tracks in any order, and read back
/// one segment at a time while the tensors are written, so `prepare`'s memory stays flat in the
/// track count and in a track's length. The file is removed when the store goes, before the
/// folder is committed.
final class FeatureStore: @unchecked Sendable {
    /// Floats per segment (frames x coefficients).
    let perSegment: Int
    private let path: String
    /// The output folder as the user named it, for messages.
    private let display: String
    private let fd: Int32
    private let lock = NSLock()
    private var end = 0
    /// Byte offset of each stored segment, by the track's key and the segment's place in it.
    private var offsets: [Int: [Int]] = [:]

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

    /// Appends the next segment (`perSegment` floats) of track `key`, as the decoder hands it
    /// out: memory holds one segment, however long the track.
    /// - Throws: `FileError` when the scratch file cannot take it.
    func append(_ segment: [Float], track key: Int) throws(FileError) {
        precondition(segment.count == perSegment, "a segment is \(perSegment) floats")
        let bytes = perSegment * MemoryLayout<Float>.size
        let offset = lock.withLock {
            defer { end += bytes }
            offsets[key, default: []].append(end)
            return end
        }
        var failure: FileError?
        segment.withUnsafeBytes { raw in
            do throws(FileError) { try transfer(raw.baseAddress!, bytes, at: offset) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Forgets what track `key` stored (its decoding failed part way); the bytes stay unread.
    func discard(track key: Int) { _ = lock.withLock { offsets.removeValue(forKey: key) } }

    /// Segment `segment` (counted within the stored track) of track `key`, into `buffer`
    /// (`perSegment` floats).
    func read(track key: Int, segment: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws(FileError) {
        guard let offset = lock.withLock({ offsets[key].flatMap { segment < $0.count ? $0[segment] : nil } }) else {
            throw .io(path: display, message: "no features stored for segment \(segment) of track \(key)")
        }
        let bytes = perSegment * MemoryLayout<Float>.size
        try transfer(UnsafeMutableRawPointer(buffer.baseAddress!), bytes, at: offset, reading: true)
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
