import Zlib

/// Reads a zip entry's data straight from the file and inflates it with libdeflate, a quarter
/// faster than libarchive's zlib stream and without its copies, for `SafeArchiveReader`.
///
/// It only vouches for an entry it can check in full: stored or deflated, not encrypted, with an
/// inflated size the directory states. The data must inflate to exactly that size (libdeflate
/// never writes past the buffer), use every compressed byte, and match the directory's CRC-32:
/// the checks libarchive's seekable zip reader makes on the same directory values. Anything
/// else returns nil and the caller reads the entry through libarchive, which then reports what
/// is wrong in its usual words.
final class ZipEntryReader {
    let file: RandomAccessBytes
    /// The directory's entries in file order: the order libarchive returns their headers in.
    let entries: [ZipDirectory.Entry]
    private let inflater = RawInflater()
    /// The compressed bytes of the entry being read, kept between entries.
    private var scratch: [UInt8] = []
    /// Larger deflated entries are left to libarchive, which reads them in blocks: the scratch
    /// copy stays small whatever the limits allow (a GTZAN track is 1.3 MB).
    static let maxCompressedBytes = 64 << 20

    init(file: RandomAccessBytes, entries: [ZipDirectory.Entry]) {
        self.file = file
        self.entries = entries
    }

    /// The directory entry of libarchive's `index`-th header (counting from 0), if its name is
    /// the one libarchive gave: never another entry's data.
    func entry(header index: Int, name: [UInt8]) -> ZipDirectory.Entry? {
        guard entries.indices.contains(index), entries[index].name == name else { return nil }
        return entries[index]
    }

    /// Flags that leave the data as plain DEFLATE or stored bytes: compression options (bits 1
    /// and 2), sizes in a data descriptor (3; the seekable reader takes the directory's), UTF-8
    /// names (11).
    static let plainFlags = 0x0002 | 0x0004 | 0x0008 | 0x0800

    /// The entry's inflated bytes, or nil when this reader cannot vouch for them. The caller
    /// checks `entry.uncompressedSize` against its limits first: it bounds what this allocates
    /// besides the scratch copy of at most `maxCompressedBytes`.
    func read(_ entry: ZipDirectory.Entry) -> [UInt8]? {
        guard let size = entry.uncompressedSize, let count = Int(exactly: size),
            entry.flags & ~Self.plainFlags == 0
        else { return nil }
        let compressed = Int(entry.compressedSize)
        var ok = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { out, initialised in
            let output = UnsafeMutableRawBufferPointer(out)
            switch entry.method {
            case .stored:
                ok = compressed == count && file.read(at: entry.dataStart, into: output)
            case .deflate where compressed <= Self.maxCompressedBytes:
                if scratch.count < compressed { scratch = [UInt8](repeating: 0, count: compressed) }
                ok = scratch.withUnsafeMutableBytes { input in
                    let input = UnsafeMutableRawBufferPointer(rebasing: input[0..<compressed])
                    return file.read(at: entry.dataStart, into: input)
                        && inflater.inflate(UnsafeRawBufferPointer(input), into: output)
                }
            default:
                ok = false
            }
            ok = ok && Zlib.crc32(UnsafeRawBufferPointer(output)) == entry.crc32
            initialised = ok ? count : 0
        }
        return ok ? bytes : nil
    }
}
