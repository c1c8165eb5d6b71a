import Archive
import Audio
import Foundation
import FuzzEntries
import TestSupport
import Testing

/// Every input fuzzing ever crashed (or hung) GenreKit with, kept in `Fuzz/Regressions/<target>/`,
/// run again through the same entry the fuzz target calls: none may crash now. The entries also
/// accept honest files, so a fuzz target that refuses everything would show here.
@Suite struct FuzzRegressionTests {
    static let root = Fixtures.packageRoot + "/Fuzz/Regressions"

    static var regressions: [(FuzzEntry, String)] {
        FuzzEntry.allCases.flatMap { entry in
            let dir = root + "/" + entry.rawValue
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { (entry, dir + "/" + $0) }
        }
    }

    @Test func everyKeptCrashInputIsHandled() {
        for (entry, path) in Self.regressions {
            // Refused or accepted: either is fine; returning at all is the point.
            _ = entry.run(Fixtures.bytes(path))
        }
    }

    @Test func entriesAcceptHonestFiles() throws {
        let dir = TemporaryDirectory()
        let tone = try Sndfile.encode(samples: Fixtures.tone(seconds: 1), sampleRate: 22050)
        #expect(FuzzEntry.audio.run(tone))
        let zip = try RawZip.make([RawZip.Entry("Data/a.wav", tone)])
        #expect(FuzzEntry.archive.run(zip))
        let tar = RawTar.make([RawTar.Member("genres/a.wav", tone)])
        #expect(FuzzEntry.archive.run(tar))
        let safetensors = Fixtures.bytes(Fixtures.pythonWrittenSafetensors)
        #expect(!safetensors.isEmpty)
        #expect(FuzzEntry.safetensors.run(safetensors))
        let writer = try ArchiveWriter(path: dir.file("a.npz"), format: .zip())
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        let padded = header + String(repeating: " ", count: (64 - (11 + header.utf8.count) % 64) % 64) + "\n"
        let npy =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.utf8.count & 0xFF), UInt8(padded.utf8.count >> 8)]
            + Array(padded.utf8) + [UInt8](repeating: 0, count: 8)
        try writer.addFile("x.npy", bytes: npy)
        try writer.finish()
        #expect(FuzzEntry.npy.run(npy))
        #expect(FuzzEntry.npy.run(Fixtures.bytes(dir.file("a.npz"))))
        #expect(!FuzzEntry.bundle.run(zip), "a zip of audio is not a bundle")
        #expect(!FuzzEntry.manifest.run(Array("{}".utf8)))
    }
}
