import Basics

/// The checks on a zip's central directory that libarchive does not make (APPNOTE.TXT 4.3):
/// the directory must be complete (a zip cut inside it would otherwise be read from its local
/// headers as if whole), its entry count must match the end record's, and no two entries' data
/// may overlap. Overlapping entries are how one compressed kernel is inflated many times over
/// (David Fifield, "A better zip bomb", 2019), each entry passing any per-entry ratio rule.
///
/// The central directory is located as libarchive's seekable zip reader locates it, so both
/// read the same entries: the last end record, then the first directory signature at or after
/// the offset it gives (data prepended to the zip shifts every offset by the same amount).
enum ZipDirectory {
    /// Whether the bytes start as a zip does (a local header, or the end record of an empty zip).
    static func looksLikeZip(_ file: RandomAccessBytes) -> Bool {
        guard let head = file.read(at: 0, count: 4) else { return false }
        return head == signature(localHeader) || head == signature(endRecord) || head == [0x50, 0x4B, 0x30, 0x30]
    }

    /// Checks the central directory of a zip.
    /// - Parameters:
    ///   - file: the archive.
    ///   - maxEntries: more entries than this are refused before any is read.
    /// - Returns: the entries in file order (the order libarchive's seekable reader returns
    ///   them in), or nil when the file has no end record and does not start as a zip (not a zip).
    /// - Throws: `ArchiveError.corrupt` for a missing or damaged directory, `.unsafe` for
    ///   overlapping entries or too many of them.
    @discardableResult
    static func check(_ file: RandomAccessBytes, name: String, maxEntries: Int) throws(ArchiveError) -> [Entry]? {
        func corrupt(_ why: String) -> ArchiveError { .corrupt(archive: name, entry: nil, message: why) }
        guard let end = try findEnd(file, corrupt: corrupt) else {
            if looksLikeZip(file) {
                throw corrupt("no end of central directory record: the zip is truncated or damaged")
            }
            return nil
        }
        guard end.entries <= maxEntries else {
            throw .unsafe(archive: name, entry: "(central directory)", reason: .tooManyEntries(limit: maxEntries))
        }
        guard end.offset >= 0, end.size >= 0, end.offset <= end.position, end.size <= end.position - end.offset,
            end.size <= maxDirectoryBytes
        else { throw corrupt("the central directory's offset or size lies outside the file") }
        let start = try directoryStart(file, end: end, corrupt: corrupt)
        let correction = start - end.offset
        guard end.position - start <= maxDirectoryBytes,
            let directory = file.read(at: start, count: Int(end.position - start))
        else {
            throw corrupt("the central directory cannot be read")
        }
        var ranges = try entries(LittleEndian(directory), file: file, correction: correction, corrupt: corrupt)
        guard ranges.count == end.entries else {
            throw corrupt("the central directory holds \(ranges.count) entries, its end record says \(end.entries)")
        }
        ranges.sort { $0.start < $1.start }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.start < a.end {
            throw .unsafe(archive: name, entry: b.displayName, reason: .overlappingEntries(with: a.displayName))
        }
        if let last = ranges.last, last.end > start {
            throw .unsafe(
                archive: name, entry: last.displayName, reason: .overlappingEntries(with: "(central directory)"))
        }
        return ranges
    }

    /// A directory larger than this is refused (100,000 entries with 200-byte names take 25 MB).
    static let maxDirectoryBytes: Int64 = 64 << 20

    static let localHeader: UInt32 = 0x0403_4B50
    static let directoryHeader: UInt32 = 0x0201_4B50
    static let endRecord: UInt32 = 0x0605_4B50
    static let zip64EndRecord: UInt32 = 0x0606_4B50
    static let zip64Locator: UInt32 = 0x0706_4B50

    static func signature(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }

    /// The end record's view of the directory. `position` is where the directory must end: the
    /// end record, or the Zip64 end record when there is one.
    struct End {
        var entries: Int
        var offset: Int64
        var size: Int64
        var position: Int64
    }

    /// The last end-of-central-directory record in the file's final 64 KiB + 22 bytes.
    static func findEnd(_ file: RandomAccessBytes, corrupt: (String) -> ArchiveError) throws(ArchiveError) -> End? {
        let tailLength = Int(min(file.size, 22 + 0xFFFF))
        let tailStart = file.size - Int64(tailLength)
        guard tailLength >= 22, let tail = file.read(at: tailStart, count: tailLength) else { return nil }
        let sig = signature(endRecord)
        var at = tailLength - 22
        while at >= 0 {
            if tail[at] == sig[0], tail[at + 1] == sig[1], tail[at + 2] == sig[2], tail[at + 3] == sig[3] {
                let record = LittleEndian(Array(tail[at..<min(at + 22, tail.count)]))
                // The comment must end within the file; a signature inside a comment is skipped.
                if let comment = record.u16(20), at + 22 + comment <= tailLength {
                    return try end(record, at: tailStart + Int64(at), file: file, corrupt: corrupt)
                }
            }
            at -= 1
        }
        return nil
    }

    static func end(
        _ r: LittleEndian, at position: Int64, file: RandomAccessBytes, corrupt: (String) -> ArchiveError
    ) throws(ArchiveError) -> End {
        guard let disk = r.u16(4), let cdDisk = r.u16(6), let here = r.u16(8), let total = r.u16(10),
            let size = r.u32(12), let offset = r.u32(16)
        else { throw corrupt("short end of central directory record") }
        guard disk == 0 || disk == 0xFFFF, cdDisk == 0 || cdDisk == 0xFFFF, here == total else {
            throw corrupt("a zip split over several disks")
        }
        guard total == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF else {
            return End(entries: total, offset: offset, size: size, position: position)
        }
        // Zip64: the locator sits just before the end record and points at the Zip64 end record.
        guard position >= 20, let locator = file.read(at: position - 20, count: 20).map(LittleEndian.init),
            locator.u32(0) == Int64(zip64Locator), let at = locator.u64(8),
            let record = file.read(at: at, count: 56).map(LittleEndian.init), record.u32(0) == Int64(zip64EndRecord),
            let entries = record.u64(32), let size64 = record.u64(40), let offset64 = record.u64(48),
            record.u32(16) == 0, record.u32(20) == 0
        else {
            if total != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF {
                return End(entries: total, offset: offset, size: size, position: position)
            }
            throw corrupt("the Zip64 end of central directory record is missing or damaged")
        }
        guard entries <= Int64(Int32.max) else { throw corrupt("the Zip64 end record claims \(entries) entries") }
        return End(entries: Int(entries), offset: offset64, size: size64, position: at)
    }

    /// Where the directory really starts: the first directory or end signature at or after the
    /// recorded offset (as libarchive searches for it), read a chunk at a time.
    static func directoryStart(
        _ file: RandomAccessBytes, end: End, corrupt: (String) -> ArchiveError
    ) throws(ArchiveError) -> Int64 {
        let candidates = [signature(directoryHeader), signature(endRecord), signature(zip64EndRecord)]
        let limit = min(end.position + 4, file.size)
        var chunkStart = end.offset
        while chunkStart + 4 <= limit {
            let count = Int(min(1 << 20, limit - chunkStart))
            guard let bytes = file.read(at: chunkStart, count: count) else { break }
            var at = 0
            while at + 4 <= bytes.count {
                if bytes[at] == 0x50, candidates.contains(where: { $0.elementsEqual(bytes[at..<at + 4]) }) {
                    return chunkStart + Int64(at)
                }
                at += 1
            }
            chunkStart += Int64(max(1, count - 3))
        }
        throw corrupt("no central directory where the end record says it is")
    }

    /// One entry as the directory describes it, with where its bytes lie in the file.
    struct Entry: Equatable {
        /// The name as stored.
        var name: [UInt8]
        /// Where its local header starts and its data ends.
        var start: Int64
        var end: Int64
        /// Where its data starts (after the local header's name and extra field).
        var dataStart: Int64
        /// The general-purpose flags (bit 0 encrypted, bit 3 sizes in a data descriptor).
        var flags: Int
        var method: Method
        var crc32: UInt32
        var compressedSize: Int64 { end - dataStart }
        /// The inflated size; nil when it does not fit in `Int64`.
        var uncompressedSize: Int64?

        var displayName: String { EntryName.display(name) }

        /// How the data is stored (APPNOTE.TXT 4.4.5): the two GenreKit inflates itself, or
        /// another it leaves to libarchive.
        enum Method: Equatable {
            case stored
            case deflate
            case other(Int)

            init(_ code: Int) {
                switch code {
                case 0: self = .stored
                case 8: self = .deflate
                default: self = .other(code)
                }
            }
        }
    }

    /// Every entry the directory lists, checked against the file.
    static func entries(
        _ d: LittleEndian, file: RandomAccessBytes, correction: Int64, corrupt: (String) -> ArchiveError
    ) throws(ArchiveError) -> [Entry] {
        var ranges: [Entry] = []
        var at = 0
        while at < d.bytes.count {
            guard d.u32(at) == Int64(directoryHeader) else {
                // libarchive stops at the end record; anything else is damage.
                if d.u32(at) == Int64(zip64EndRecord) || d.u32(at) == Int64(endRecord) { break }
                throw corrupt("a damaged central directory record at offset \(at)")
            }
            guard var compressed = d.u32(at + 20), var local = d.u32(at + 42), let nameLength = d.u16(at + 28),
                let extraLength = d.u16(at + 30), let commentLength = d.u16(at + 32),
                at + 46 + nameLength + extraLength + commentLength <= d.bytes.count
            else { throw corrupt("a central directory record runs past the directory") }
            let rawName = Array(d.bytes[(at + 46)..<(at + 46 + nameLength)])
            let name = EntryName.display(rawName)
            let extra = Array(d.bytes[(at + 46 + nameLength)..<(at + 46 + nameLength + extraLength)])
            var uncompressed = d.u32(at + 24)
            if compressed == 0xFFFF_FFFF || local == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF {
                let sizes = zip64Sizes(
                    extra, uncompressed: uncompressed == 0xFFFF_FFFF, compressed: compressed == 0xFFFF_FFFF,
                    local: local == 0xFFFF_FFFF)
                // The compressed size and offset place the entry; an inflated size that cannot
                // be read only keeps GenreKit from inflating the entry itself (`ZipEntryReader`).
                if compressed == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                    guard let sizes, !(compressed == 0xFFFF_FFFF && sizes.compressed == nil),
                        !(local == 0xFFFF_FFFF && sizes.local == nil)
                    else { throw corrupt("entry '\(name)' lacks its Zip64 sizes") }
                }
                compressed = sizes?.compressed ?? compressed
                local = sizes?.local ?? local
                if uncompressed == 0xFFFF_FFFF { uncompressed = sizes?.uncompressed }
            }
            let start = local + correction
            guard start >= 0, let header = file.read(at: start, count: 30).map(LittleEndian.init),
                header.u32(0) == Int64(localHeader), let n = header.u16(26), let m = header.u16(28)
            else { throw corrupt("entry '\(name)' has no local header where the directory says") }
            let dataStart = start + 30 + Int64(n + m)
            let (end, overflow) = dataStart.addingReportingOverflow(compressed)
            guard !overflow, end <= file.size else { throw corrupt("entry '\(name)' runs past the end of the file") }
            ranges.append(
                Entry(
                    name: rawName, start: start, end: end, dataStart: dataStart, flags: d.u16(at + 8) ?? 0,
                    method: .init(d.u16(at + 10) ?? 0), crc32: UInt32(truncatingIfNeeded: d.u32(at + 16) ?? 0),
                    uncompressedSize: uncompressed))
            at += 46 + nameLength + extraLength + commentLength
        }
        return ranges
    }

    /// The sizes and local header offset from a Zip64 extended information field (id 1), whose
    /// 8-byte values appear only for the fields set to 0xFFFFFFFF, in order (uncompressed,
    /// compressed, offset). A value asked for but not there (or past `Int64`) is nil; nil when
    /// there is no such field.
    static func zip64Sizes(_ extra: [UInt8], uncompressed: Bool, compressed: Bool, local: Bool)
        -> (uncompressed: Int64?, compressed: Int64?, local: Int64?)?
    {
        let e = LittleEndian(extra)
        var at = 0
        while at + 4 <= extra.count {
            guard let id = e.u16(at), let size = e.u16(at + 2) else { return nil }
            if id == 1 {
                let fields = LittleEndian(Array(extra[(at + 4)..<min(at + 4 + size, extra.count)]))
                var next = 0
                func take(_ wanted: Bool) -> Int64? {
                    guard wanted else { return nil }
                    defer { next += 8 }
                    return fields.u64(next)
                }
                let u = take(uncompressed)
                let c = take(compressed)
                return (u, c, take(local))
            }
            at += 4 + size
        }
        return nil
    }
}
