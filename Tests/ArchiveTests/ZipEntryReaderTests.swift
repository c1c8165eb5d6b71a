import Basics
import Foundation
import TestSupport
import Testing
import Zlib

@testable import Archive

/// Every file of an archive read with and without `ZipEntryReader`: the bytes (or the refusal's
/// code and message) must not depend on who inflated them.
private struct Reading: Equatable, CustomStringConvertible {
    var files: [String: [UInt8]] = [:]
    var refusal: String?
    /// Entries `ZipEntryReader` inflated.
    var readItself = 0

    init(_ source: ArchiveSource, itself: Bool, limits: ArchiveLimits = ArchiveLimits()) {
        var reader: SafeArchiveReader?
        do {
            let r = try SafeArchiveReader(source: source, limits: limits)
            reader = r
            r.readsZipEntriesItself = itself
            while let entry = try r.next() {
                if entry.kind == .file { files[entry.path] = try r.readAll() }
            }
        } catch let error as ArchiveError {
            refusal = "\(error.code): \(error)"
        } catch {
            refusal = "unexpected: \(error)"
        }
        readItself = reader?.entriesReadItself ?? 0
    }

    static func == (a: Self, b: Self) -> Bool { a.files == b.files && a.refusal == b.refusal }

    /// Each file's size and CRC-32, not its bytes, when an expectation fails.
    var description: String {
        let files = self.files.keys.sorted().map { "\($0): \(self.files[$0]!.count) bytes, crc \(crc($0))" }
        return "files [\(files.joined(separator: "; "))], refusal \(refusal ?? "none"), read itself \(readItself)"
    }

    private func crc(_ name: String) -> String { String(Zlib.crc32(files[name]!), radix: 16) }
}

@Suite struct ZipEntryReaderTests {
    /// Noise (deflate can hardly shrink it, as with recorded audio), a tone, and an empty file.
    static let payloads: [String: [UInt8]] = {
        var random = SplitMix64(seed: 11)
        return [
            "Data/noise.bin": (0..<1_500_000).map { _ in UInt8(truncatingIfNeeded: random.next()) },
            "Data/tone.bin": (0..<400_000).map { UInt8(truncatingIfNeeded: Int(100 * sin(Double($0) / 9))) },
            "Data/empty": [],
        ]
    }()

    func makeZip(_ dir: TemporaryDirectory, level: Int) throws -> String {
        try makeArchive(dir, "z\(level).zip", .zip(level: level)) { w in
            try w.addDirectory("Data")
            for name in Self.payloads.keys.sorted() { try w.addFile(name, bytes: Self.payloads[name]!) }
        }
    }

    /// Stored and deflated zips, as written by libarchive (deflated entries carry data
    /// descriptors), from a file and from memory: the same bytes both ways, and GenreKit inflated
    /// every file itself (the comparison would be empty otherwise).
    @Test(arguments: [0, 6])
    func readsWhatLibarchiveReads(level: Int) throws {
        let dir = TemporaryDirectory()
        let path = try makeZip(dir, level: level)
        for source in [ArchiveSource.file(path), .memory(Fixtures.bytes(path), name: path)] {
            let itself = Reading(source, itself: true)
            let libarchive = Reading(source, itself: false)
            #expect(itself.refusal == nil)
            #expect(itself.files == Self.payloads)
            #expect(itself == libarchive)
            #expect(itself.readItself == Self.payloads.count)
            #expect(libarchive.readItself == 0)
        }
    }

    /// Damage GenreKit's own inflating cannot vouch for is left to libarchive, which reports it
    /// as before: a byte changed in the deflated data, and a CRC-32 changed in both headers.
    @Test func damageIsReportedAsLibarchiveReportsIt() throws {
        let dir = TemporaryDirectory()
        let good = Fixtures.bytes(try makeZip(dir, level: 6))
        let entries = try #require(
            ZipDirectory.check(try RandomAccessBytes(.memory(good, name: "z")), name: "z", maxEntries: 10))
        let noise = try #require(entries.first { $0.name == Array("Data/noise.bin".utf8) })
        var flipped = good
        flipped[Int(noise.dataStart) + 700_000] ^= 0x55
        // The CRC-32 made wrong where a local header (offset 14) or the directory (16) holds it.
        var badCRC = good
        for at in 0..<(good.count - 4) where good[at] == 0x50 && good[at + 1] == 0x4B {
            let field: Int? =
                switch (good[at + 2], good[at + 3]) {
                case (0x03, 0x04): 14
                case (0x01, 0x02): 16
                default: nil
                }
            if let field, Array(good[(at + field)..<(at + field + 4)]) == le32(noise.crc32) {
                badCRC[at + field] ^= 0xFF
            }
        }
        #expect(badCRC != good)
        for (name, bytes) in [("flipped.zip", flipped), ("crc.zip", badCRC)] {
            let itself = Reading(.memory(bytes, name: name), itself: true)
            let libarchive = Reading(.memory(bytes, name: name), itself: false)
            #expect(itself.refusal?.hasPrefix("corrupt-archive") == true, "\(name): \(itself.refusal ?? "read")")
            #expect(itself == libarchive, "\(name)")
        }
    }

    /// A ratio limit set as high as it goes lifts the rule; it must not overflow the arithmetic
    /// (`--max-ratio 9223372036854775807` crashed validate with an arithmetic overflow).
    @Test func theHighestRatioLimitDoesNotOverflow() throws {
        let dir = TemporaryDirectory()
        let path = try makeZip(dir, level: 6)
        let limits = ArchiveLimits(maxCompressionRatio: .max, ratioAllowanceBytes: .max)
        #expect(limits.ratioBound(1) == .max)
        for itself in [true, false] {
            let reading = Reading(.file(path), itself: itself, limits: limits)
            #expect(reading.refusal == nil && reading.files == Self.payloads, "itself: \(itself)")
        }
    }

    /// Limits apply to what the directory states before GenreKit inflates anything: an entry over
    /// a limit is left to libarchive, which refuses it with the usual code.
    @Test func limitsStillRefuse() throws {
        let dir = TemporaryDirectory()
        let path = try makeZip(dir, level: 6)
        for limits in [ArchiveLimits(maxEntryBytes: 1_000_000), ArchiveLimits(maxTotalBytes: 1_000_000)] {
            let itself = Reading(.file(path), itself: true, limits: limits)
            #expect(itself.refusal != nil)
            #expect(itself == Reading(.file(path), itself: false, limits: limits))
        }
    }

    private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
}
