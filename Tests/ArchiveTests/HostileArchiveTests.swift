import Archive
import Basics
import Foundation
import TestSupport
import Testing

/// Archives built to get around the limits, damaged ones that must not pass as whole, and names
/// that must not reach a terminal raw (issue: hostile and unlucky inputs).
@Suite struct HostileArchiveTests {
    func write(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) -> String {
        FuzzSeeds.keep(bytes, as: .archive)
        _ = FileManager.default.createFile(atPath: dir.file(name), contents: Data(bytes))
        return dir.file(name)
    }

    /// A kernel that deflates about 2:1, so every entry passes the ratio rule on its own.
    static let kernel: [UInt8] = (0..<300_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) & 0x0F }

    @Test func overlappingZipEntriesAreRefused() throws {
        let dir = TemporaryDirectory()
        let names = (0..<6).map { "Data/genres_original/blues/blues.0000\($0).wav" }
        let path = write(dir, "fifield.zip", try RawZip.overlapping(names: names, kernel: Self.kernel))
        #expect(refusal(path) == "overlapping-entries")
        // The same kernel in a plain zip is fine: the refusal is the overlap's doing.
        let plain = write(dir, "plain.zip", try RawZip.make([RawZip.Entry("Data/k.bin", Self.kernel)]))
        #expect(try readAll(plain).map { sha256Hex($0.1) } == [sha256Hex(Self.kernel)])
    }

    /// Data prepended to a zip (a self-extractor's stub) does not hide its directory from the
    /// checks; a tar that happens to hold a zip end record's bytes is not taken for a zip.
    @Test func zipChecksFollowLibarchivesOwnReading() throws {
        let dir = TemporaryDirectory()
        let names = (0..<3).map { "Data/\($0).bin" }
        let bomb = try RawZip.overlapping(names: names, kernel: Self.kernel)
        #expect(refusal(write(dir, "stub.zip", [UInt8](repeating: 0x41, count: 300) + bomb)) == "overlapping-entries")
        let end = [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)
        let tar = RawTar.make([RawTar.Member("Data/a.bin", [UInt8](repeating: 7, count: 900) + end)])
        #expect(refusal(write(dir, "end.tar", tar)) == nil)
    }

    /// The ratio counts from the first byte: 6 MiB of zeros (about 6 KB deflated) is refused
    /// once it passes the 2 MiB allowance, not after the old 6.4 MB of slack.
    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func ratioIsJudgedFromTheFirstByte(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "z", format) { w in
            try w.addFile("Data/zeros.bin", bytes: [UInt8](repeating: 0, count: 6 << 20))
        }
        let error = try #require(refusalError(path))
        #expect(error.code == "compression-ratio")
        guard case .unsafe(_, _, .compressionRatio(let inflated, _, _)) = error else { return }
        #expect(inflated <= (2 << 20) + (1 << 20), "stopped within a block of the allowance, at \(inflated)")
    }

    /// Entries each under the allowance still add up: the archive as a whole is held to the ratio
    /// (800 entries of 1.5 MiB at 1000:1 would write 1.2 GB from a 2 MB zip).
    @Test func manySmallBombsAddUp() throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "many.zip", .zip()) { w in
            for i in 0..<40 { try w.addFile("Data/\(i).bin", bytes: [UInt8](repeating: 0, count: 1536 << 10)) }
        }
        #expect(refusal(path) == "compression-ratio")
        // Each entry alone is within the allowance.
        let one = try makeArchive(dir, "one.zip", .zip()) { w in
            try w.addFile("Data/0.bin", bytes: [UInt8](repeating: 0, count: 1536 << 10))
        }
        #expect(refusal(one) == nil)
    }

    /// Members a caller skips inflate all the same in a tarball: they count toward the total.
    @Test func skippedTarMembersCountTowardTheTotal() throws {
        let dir = TemporaryDirectory()
        let noise = (0..<400_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let path = try makeArchive(dir, "skip.tar.gz", .tarGzip) { w in
            for i in 0..<4 { try w.addFile("Data/images_original/\(i).png", bytes: noise) }
        }
        let reader = try SafeArchiveReader(path: path, limits: ArchiveLimits(maxTotalBytes: 1_000_000))
        #expect(throws: ArchiveError.self) {
            while try reader.next() != nil {}
        }
    }

    @Test func damagedTarHeaderIsRefusedNotRetried() throws {
        let dir = TemporaryDirectory()
        // The damaged member's data holds a whole tar header: libarchive's retry would find it.
        let hidden = RawTar.make([RawTar.Member("Data/hidden.wav", [1, 2, 3])], endBlocks: false)
        let bytes = RawTar.make([
            RawTar.Member("Data/genres/blues/blues.00000.wav", [1, 2]),
            RawTar.Member("Data/genres/blues/blues.00001.wav", hidden, badChecksum: true),
            RawTar.Member("Data/genres/blues/blues.00002.wav", [4, 5, 6]),
        ])
        #expect(refusal(write(dir, "damaged.tar", bytes)) == "corrupt-archive")
    }

    @Test func tarWithoutEndBlocksIsTruncated() throws {
        let dir = TemporaryDirectory()
        let members = [RawTar.Member("Data/a.wav", [1, 2, 3]), RawTar.Member("Data/b.wav", [4, 5])]
        #expect(refusal(write(dir, "whole.tar", RawTar.make(members))) == nil)
        #expect(refusal(write(dir, "cut.tar", RawTar.make(members, endBlocks: false))) == "corrupt-archive")
    }

    @Test func zipCutInsideItsCentralDirectoryIsTruncated() throws {
        let dir = TemporaryDirectory()
        let whole = try RawZip.make((0..<3).map { RawZip.Entry("Data/\($0).wav", Self.kernel) })
        #expect(refusal(write(dir, "whole.zip", whole)) == nil)
        #expect(refusal(write(dir, "cut.zip", Array(whole.dropLast(40)))) == "corrupt-archive")
    }

    /// `tar -C dir -cf x.tar .` names its entries `./`, `./Data/...`.
    @Test func dotSlashPrefixesAreAccepted() throws {
        let dir = TemporaryDirectory()
        let bytes = RawTar.make([
            RawTar.Member("./", type: UInt8(ascii: "5")), RawTar.Member("./Data/", type: UInt8(ascii: "5")),
            RawTar.Member("./Data/a.wav", [7, 8]),
        ])
        #expect(try readAll(write(dir, "dot.tar", bytes)).map(\.0) == ["Data/a.wav"])
    }

    @Test func namesAreShownEscaped() throws {
        let dir = TemporaryDirectory()
        let forged = "Data/x\n\u{1B}[31mgenrekit unpack: all fine.wav"
        let path = write(dir, "n.tar", RawTar.make([RawTar.Member(forged, [1]), RawTar.Member(forged, [2])]))
        let error = try #require(refusalError(path))
        #expect(!error.description.contains("\n"))
        #expect(!error.description.contains("\u{1B}"))
        #expect(error.description.contains("x\\n\\x1b[31mgenrekit"))

        let invalid: [UInt8] = Array("Data/caf".utf8) + [0xFF, 0xFE] + Array(".wav".utf8)
        let zip = write(dir, "u.zip", try RawZip.make([.init(rawName: invalid, [1]), .init(rawName: invalid, [2])]))
        let zipError = try #require(refusalError(zip))
        #expect(zipError.description.contains("'Data/caf\\xff\\xfe.wav'"), "\(zipError)")
    }

    @Test func escapingKeepsOrdinaryNames() {
        #expect(
            EntryName.display("Data/genres_original/blues/blues.00000.wav")
                == "Data/genres_original/blues/blues.00000.wav")
        #expect(EntryName.display(Array("caf\u{E9}".utf8)) == "caf\u{E9}")
        #expect(EntryName.display("a\u{202E}b") == "a\\u{202e}b")
        #expect(EntryName.display([0x61, 0xE2, 0x82]) == "a\\xe2\\x82")
    }

    /// Reading from memory gives what reading the file gives (the fuzz targets read from memory).
    @Test func memorySourceReadsAsTheFileDoes() throws {
        let dir = TemporaryDirectory()
        let path = try makeArchive(dir, "m.tar.gz", .tarGzip) { w in
            try w.addFile("Data/a.bin", bytes: Self.kernel)
            try w.addFile("Data/b.bin", bytes: [1, 2, 3])
        }
        let reader = try SafeArchiveReader(source: .memory(Fixtures.bytes(path), name: "m.tar.gz"))
        var files: [(String, [UInt8])] = []
        while let entry = try reader.next() { files.append((entry.path, try reader.readAll())) }
        #expect(files.map(\.0) == (try readAll(path)).map(\.0))
        #expect(files.map { sha256Hex($0.1) } == (try readAll(path)).map { sha256Hex($0.1) })
    }

    @Test func aFIFOIsNotOpened() throws {
        let dir = TemporaryDirectory()
        #expect(mkfifo(dir.file("fifo.zip"), 0o644) == 0)
        #expect(refusal(dir.file("fifo.zip")) == "not-an-archive")
    }
}

/// The error `readAll` meets, if any.
func refusalError(_ path: String, limits: ArchiveLimits = ArchiveLimits()) -> ArchiveError? {
    do {
        _ = try readAll(path, limits: limits)
        return nil
    } catch {
        return error as? ArchiveError
    }
}
