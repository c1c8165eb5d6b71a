import Archive
import Basics
import Foundation
import TestSupport
import Testing

/// Reads every entry of `path` through the safe reader: (path, bytes) of each file.
func readAll(_ path: String, limits: ArchiveLimits = ArchiveLimits()) throws -> [(String, [UInt8])] {
    FuzzSeeds.keep(file: path, as: .archive)
    let reader = try SafeArchiveReader(path: path, limits: limits)
    var files: [(String, [UInt8])] = []
    while let entry = try reader.next() {
        if entry.kind == .file { files.append((entry.path, try reader.readAll())) }
    }
    return files
}

/// The refusal `readAll` meets, as the error's stable code (nil if the archive reads cleanly).
func refusal(_ path: String, limits: ArchiveLimits = ArchiveLimits()) -> String? {
    do {
        _ = try readAll(path, limits: limits)
        return nil
    } catch let error as ArchiveError {
        return error.code
    } catch {
        return "unexpected: \(error)"
    }
}

/// Writes an archive with `build` and returns its path.
func makeArchive(
    _ dir: TemporaryDirectory, _ name: String, _ format: ArchiveWriter.Format, passphrase: String? = nil,
    _ build: (ArchiveWriter) throws -> Void
) throws -> String {
    let path = dir.file(name)
    let writer = try ArchiveWriter(path: path, format: format, passphrase: passphrase)
    try build(writer)
    try writer.finish()
    return path
}

@Suite struct ArchiveRoundTrip {
    @Test(arguments: [ArchiveWriter.Format.zip(level: 6), .zip(level: 0), .tarGzip])
    func writesAndReadsBack(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = try makeArchive(dir, "a.archive", format) { w in
            try w.addDirectory("Data")
            try w.addFile("Data/a.bin", bytes: payload)
            try w.addFile("./Data/empty", bytes: [])
        }
        let files = try readAll(path)
        #expect(files.map(\.0) == ["Data/a.bin", "Data/empty"])
        #expect(files[0].1 == payload)
        #expect(files[1].1.isEmpty)
        #expect(dir.tree() == ["a.archive"], "the temporary name was renamed away")
    }

    @Test(arguments: [ArchiveWriter.Format.zip(level: 6), .tarGzip])
    func sameEntriesGiveSameBytes(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        func make(_ name: String) throws -> [UInt8] {
            let path = try makeArchive(dir, name, format) { w in
                try w.addDirectory("x")
                try w.addFile("x/y.txt", bytes: Array("hello".utf8))
            }
            return Fixtures.bytes(path)
        }
        let first = try make("one")
        #expect(!first.isEmpty)
        #expect(first == (try make("two")))
    }

    /// The writer hashes what it writes, so no one reads the file back to fingerprint it.
    @Test(arguments: [ArchiveWriter.Format.zip(level: 6), .zip(level: 0), .tarGzip])
    func finishReportsTheFilesHashAndSize(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        let writer = try ArchiveWriter(path: dir.file("a"), format: format)
        try writer.addFile("big.bin", bytes: (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 ^ $0 >> 9) })
        try writer.addFile("small.txt", bytes: Array("x".utf8))
        let written = try writer.finish()
        let onDisk = Fixtures.bytes(dir.file("a"))
        #expect(written.bytes == onDisk.count && written.bytes > 0)
        #expect(written.sha256 == sha256Hex(onDisk))
        #expect(throws: ArchiveError.self) { try writer.finish() }
    }

    /// An entry handed over in pieces reads back whole; a piece past the announced size, or too
    /// few bytes, is an error, not a damaged archive.
    @Test func streamedEntries() throws {
        let dir = TemporaryDirectory()
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let writer = try ArchiveWriter(path: dir.file("a.zip"), format: .zip())
        try writer.addFile("s.bin", size: payload.count) { write in
            for start in stride(from: 0, to: payload.count, by: 7000) {
                try payload[start..<min(start + 7000, payload.count)].withUnsafeBytes { try write($0) }
            }
        }
        try writer.finish()
        #expect(try readAll(dir.file("a.zip")).map(\.1) == [payload])
        for (announced, given) in [(10, 11), (10, 9)] {
            let w = try ArchiveWriter(path: dir.file("b.zip"), format: .zip())
            #expect(throws: ArchiveError.self, "\(announced) announced, \(given) given") {
                try w.addFile("x", size: announced) { write in
                    try [UInt8](repeating: 1, count: given).withUnsafeBytes { try write($0) }
                }
            }
        }
    }

    @Test func unfinishedWriterLeavesNothing() throws {
        let dir = TemporaryDirectory()
        do {
            let writer = try ArchiveWriter(path: dir.file("x.zip"), format: .zip())
            try writer.addFile("a", bytes: [1, 2, 3])
        }
        #expect(dir.tree().isEmpty)
    }
}

@Suite struct ArchiveRefusals {
    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func parentTraversal(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        for name in ["../evil.wav", "Data/../../evil.wav", "Data\\..\\..\\evil.wav"] {
            let path = try makeArchive(dir, "t-\(name.count)", format) { w in
                try w.addFile("Data/fine.wav", bytes: [1])
                try w.addFile(name, bytes: [1])
            }
            #expect(refusal(path) == "path-traversal", "\(name)")
        }
    }

    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func absolutePath(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        for name in ["/etc/evil", "C:/evil", "\\evil"] {
            let path = try makeArchive(dir, "a-\(name.count)", format) { try $0.addFile(name, bytes: [1]) }
            #expect(refusal(path) == "absolute-path", "\(name)")
        }
    }

    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func symlink(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "s", format) { try $0.addSymlink("Data/link.wav", target: "/etc/passwd") }
        #expect(refusal(path) == "symlink")
    }

    @Test func hardlink() throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "h.tar.gz", .tarGzip) { w in
            try w.addFile("Data/a.wav", bytes: [1, 2])
            try w.addHardlink("Data/b.wav", target: "Data/a.wav")
        }
        #expect(refusal(path) == "hardlink")
    }

    @Test(arguments: [ArchiveWriter.Special.fifo, .characterDevice, .blockDevice])
    func specialFiles(kind: ArchiveWriter.Special) throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "d.tar.gz", .tarGzip) { try $0.addSpecial("Data/dev", kind: kind) }
        #expect(refusal(path) == "special-file")
    }

    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func collidingNames(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        let pairs = [
            ("Data/a.wav", "Data/a.wav"), ("Data/a.wav", "data/A.WAV"), ("Data/a.wav", "./Data//a.wav"),
            ("Data/caf\u{E9}.wav", "Data/cafe\u{301}.wav"),
        ]
        for (i, (first, second)) in pairs.enumerated() {
            let path = try makeArchive(dir, "c\(i)", format) { w in
                try w.addFile(first, bytes: [1])
                try w.addFile(second, bytes: [2])
            }
            #expect(refusal(path) == "name-collision", "\(first) vs \(second)")
        }
    }

    @Test func encryptedEntry() throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "e.zip", .zip(), passphrase: "secret") { w in
            try w.addFile("Data/a.wav", bytes: Array(repeating: 7, count: 1000))
        }
        #expect(refusal(path) == "encrypted")
    }

    /// 64 MiB of zeros deflate to about 64 KiB: a ratio near 1000:1.
    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func compressionRatio(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "bomb", format) { w in
            try w.addFile("Data/fine.bin", bytes: (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) })
            try w.addFile("Data/bomb.bin", bytes: [UInt8](repeating: 0, count: 64 << 20))
        }
        #expect(refusal(path) == "compression-ratio")
        // The same archive passes when the limit allows it, so the refusal is the ratio's doing.
        #expect(refusal(path, limits: ArchiveLimits(maxCompressionRatio: 5000)) == nil)
    }

    /// A stored entry (as `numpy.savez` writes) held in memory: libarchive hands its bytes over
    /// without consuming them block by block, which once made 8 MB stored read as "from about 0"
    /// and a zip bomb. Stored or deflated, in a file or in memory, it reads back whole.
    @Test(arguments: [ArchiveWriter.Format.zip(level: 0), .zip(level: 6)])
    func storedEntriesInMemoryAreNotBombs(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        var random = SplitMix64(seed: 3)
        let data = (0..<(8 << 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let path = try makeArchive(dir, "stored.zip", format) { w in try w.addFile("mel.npy", bytes: data) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for source in [ArchiveSource.file(path), .memory(Array(bytes), name: path)] {
            let reader = try SafeArchiveReader(source: source)
            #expect(try reader.next()?.path == "mel.npy")
            #expect(try reader.readAll() == data, "\(source.name)")
        }
        // The ratio rule still holds in memory: a deflated bomb is refused there too.
        let bomb = try makeArchive(dir, "bomb.zip", .zip()) { w in
            try w.addFile("bomb.bin", bytes: [UInt8](repeating: 0, count: 64 << 20))
        }
        let reader = try SafeArchiveReader(
            source: .memory(Array(try Data(contentsOf: URL(fileURLWithPath: bomb))), name: bomb))
        _ = try reader.next()
        #expect(throws: ArchiveError.self) { try reader.readAll() }
    }

    @Test func entryAndTotalSizeLimits() throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "big.zip", .zip(level: 0)) { w in
            for i in 0..<4 { try w.addFile("Data/\(i).bin", bytes: [UInt8](repeating: UInt8(i), count: 300_000)) }
        }
        #expect(refusal(path, limits: ArchiveLimits(maxEntryBytes: 200_000)) == "entry-too-large")
        #expect(refusal(path, limits: ArchiveLimits(maxTotalBytes: 1_000_000)) == "total-too-large")
        #expect(refusal(path, limits: ArchiveLimits(maxEntries: 3)) == "too-many-entries")
        #expect(refusal(path) == nil)
    }

    /// Headers that understate the sizes do not get past the limits: they count inflated bytes.
    @Test func understatedSizesAreCaughtOnInflatedBytes() throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "lie.zip", .zip(level: 1)) { w in
            try w.addFile("Data/a.bin", bytes: (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        }
        var bytes = Fixtures.bytes(path)
        // Rewrite the uncompressed size in the local header (offset 22) and the central
        // directory entry (offset 24) to 1000 bytes.
        func patch(signature: [UInt8], offset: Int) {
            for i in 0..<(bytes.count - 4) where Array(bytes[i..<i + 4]) == signature {
                bytes.replaceSubrange((i + offset)..<(i + offset + 4), with: [0xE8, 0x03, 0, 0])
            }
        }
        patch(signature: [0x50, 0x4B, 0x03, 0x04], offset: 22)
        patch(signature: [0x50, 0x4B, 0x01, 0x02], offset: 24)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let code = refusal(path, limits: ArchiveLimits(maxEntryBytes: 2_000_000))
        // The headers now declare 1000 bytes, under the limit: only the inflated count catches it.
        #expect(code == "entry-too-large")
    }

    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func truncatedArchive(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "t", format) { w in
            for i in 0..<3 {
                try w.addFile(
                    "Data/\(i).bin", bytes: (0..<200_000).map { UInt8(truncatingIfNeeded: ($0 * (i + 3)) >> 2) })
            }
        }
        let bytes = Fixtures.bytes(path)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes.prefix(bytes.count / 2)))
        #expect(refusal(path) == "corrupt-archive")
    }

    @Test func notAnArchive() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("notes.txt")
        _ = FileManager.default.createFile(atPath: path, contents: Data("just some text, not an archive\n".utf8))
        #expect(refusal(path) == "not-an-archive")
        #expect(refusal(dir.file("absent.zip")) == "not-an-archive")
        let error = ArchiveError.notAnArchive(archive: path, message: "Unrecognized archive format")
        #expect(error.description.hasPrefix(path + ": "))
        #expect(!error.description.contains("\n"))
    }
}
