import Archive
import Audio
import Basics
import Dataset
import Foundation
import TestSupport
import Testing

@Suite struct UnpackTests {
    @Test(arguments: [ArchiveWriter.Format.zip(), .tarGzip])
    func writesOnlyTheNormalisedAudioTreeAndTheReport(format: ArchiveWriter.Format) throws {
        let dir = TemporaryDirectory()
        try ProblemDataset.write(dir.file("in.archive"), format: format)
        let report = try Unpacker().unpack(archive: dir.file("in.archive"), into: dir.file("data"), force: false)
        expectMatchesProblemDataset(report)

        let expectedFiles = ProblemDataset.tracks.map { "data/genres/\($0.genre)/\($0.id).\($0.ext)" }
        let folders = Set(ProblemDataset.tracks.map { "data/genres/\($0.genre)" })
        #expect(
            dir.tree()
                == (["in.archive", "data", "data/genres", "data/validation.json"] + expectedFiles + folders).sorted())
        for track in ProblemDataset.tracks {
            #expect(
                Fixtures.bytes(dir.file("data/genres/\(track.genre)/\(track.id).wav")) == track.bytes, "\(track.id)")
        }
        // validation.json is the report, with paths inside DIR.
        let written = try JSONDecoder().decode(
            ValidationReport.self, from: Data(Fixtures.bytes(dir.file("data/validation.json"))))
        #expect(written == report)
        #expect(written.tracks.first { $0.id == "blues.00000" }?.path == "genres/blues/blues.00000.wav")

        // Validating the unpacked folder finds the same things (no skipped files there).
        let again = try Validator().validate(path: dir.file("data"))
        expectMatchesProblemDataset(again, skipped: false)
        #expect(again.tracks.map(\.problems) == report.tracks.map(\.problems))
    }

    @Test func existingDestinationNeedsForce() throws {
        let dir = TemporaryDirectory()
        try ProblemDataset.write(dir.file("in.zip"), format: .zip())
        try FileManager.default.createDirectory(atPath: dir.file("data/old"), withIntermediateDirectories: true)
        #expect(throws: FileError.destinationExists(path: dir.file("data"))) {
            try Unpacker().unpack(archive: dir.file("in.zip"), into: dir.file("data"), force: false)
        }
        #expect(FileManager.default.fileExists(atPath: dir.file("data/old")), "a refused run leaves DIR alone")
        _ = try Unpacker().unpack(archive: dir.file("in.zip"), into: dir.file("data"), force: true)
        #expect(!FileManager.default.fileExists(atPath: dir.file("data/old")), "--force replaces DIR")
        #expect(FileManager.default.fileExists(atPath: dir.file("data/validation.json")))
        #expect(dir.tree().allSatisfy { !$0.hasPrefix(".") }, "no staging or replaced folders are left")
    }

    /// An unsafe or unreadable archive is refused part-way through, after good tracks were
    /// already written to the staging folder: nothing may remain.
    @Test(arguments: [
        ("traversal.zip", "path-traversal"), ("symlink.tar.gz", "symlink"), ("fifo.tar.gz", "special-file"),
        ("collision.zip", "name-collision"), ("encrypted.zip", "encrypted"), ("bomb.zip", "compression-ratio"),
        ("truncated.zip", "corrupt-archive"), ("text.zip", "not-an-archive"),
    ])
    func refusalLeavesNothingBehind(name: String, code: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.file(name)
        let good = ProblemDataset.tracks[0]
        let format: ArchiveWriter.Format = name.hasSuffix(".zip") ? .zip() : .tarGzip
        let writer = try ArchiveWriter(path: path, format: format, passphrase: name == "encrypted.zip" ? "pw" : nil)
        try writer.addFile("Data/genres_original/blues/blues.00000.wav", bytes: good.bytes)
        try writer.addFile("Data/genres_original/blues/blues.00001.wav", bytes: ProblemDataset.tracks[3].bytes)
        switch name {
        case "traversal.zip": try writer.addFile("Data/genres_original/../../../evil.wav", bytes: good.bytes)
        case "symlink.tar.gz":
            try writer.addSymlink("Data/genres_original/blues/blues.00002.wav", target: "/etc/passwd")
        case "fifo.tar.gz": try writer.addSpecial("Data/genres_original/blues/blues.00002.wav", kind: .fifo)
        case "collision.zip": try writer.addFile("genres/blues/blues.00000.wav", bytes: good.bytes)
        case "bomb.zip":
            try writer.addFile(
                "Data/genres_original/blues/blues.00002.wav", bytes: [UInt8](repeating: 0, count: 64 << 20))
        default: break
        }
        try writer.finish()
        if name == "truncated.zip" {
            let bytes = Fixtures.bytes(path)
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes.prefix(bytes.count * 3 / 4)))
        }
        if name == "text.zip" { _ = FileManager.default.createFile(atPath: path, contents: Data("hello".utf8)) }

        #expect {
            try Unpacker().unpack(archive: path, into: dir.file("data"), force: false)
        } throws: { error in
            (error as? ArchiveError)?.code == code
        }
        #expect(dir.tree() == [name], "nothing but the archive remains")
    }
}

@Suite struct ManifestTests {
    @Test func gtzanIds() {
        let m = DatasetManifest.gtzan
        #expect(
            m.genres == ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"])
        #expect(m.expectedIDs.count == 1000)
        #expect(m.expectedIDs.first == "blues.00000")
        #expect(m.expectedIDs.last == "rock.00099")
        #expect(m.samplesPerSegment(sampleRate: 22050) == 66150)
        #expect(m.knownFaults.contains { $0.ids == ["jazz.00054"] && $0.kind == "undecodable" })
    }

    /// Kereliuk, Sturm and Larsen's split as torchaudio publishes it: 443 / 197 / 290.
    @Test func faultFilteredSplit() throws {
        let split = try #require(DatasetManifest.gtzan.splits["fault-filtered"])
        #expect(split.train.count == 443)
        #expect(split.val.count == 197)
        #expect(split.test.count == 290)
        #expect(split.counts == ["train": 443, "val": 197, "test": 290])
        let all = split.train + split.val + split.test
        #expect(Set(all).count == 930, "no id in two partitions")
        let valid = Set(DatasetManifest.gtzan.expectedIDs)
        #expect(all.allSatisfy(valid.contains))
        // Spot checks against the published lists.
        #expect(split.train.first == "blues.00029" && split.train.last == "rock.00099")
        #expect(split.val.first == "blues.00000" && split.val.last == "rock.00085")
        #expect(split.test.first == "blues.00012" && split.test.last == "rock.00090")
        #expect(split.train.contains("jazz.00054"), "the published split keeps the Kaggle copy's unreadable track")
    }
}
