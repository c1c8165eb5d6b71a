import Audio
import Basics
import Dataset
import Foundation
import TestSupport
import Testing

@Suite struct FMATests {
    @Test func tracksCSVIsReadByItsColumns() throws {
        let dir = TemporaryDirectory()
        _ = try FMAFixture.write(in: dir)
        FuzzSeeds.keep(file: dir.file("fma_metadata/tracks.csv"), as: .metadata)
        let (small, unlabelled) = try FMAMetadata.load(csv: dir.file("fma_metadata/tracks.csv"), subset: .small)
        #expect(unlabelled == 1)
        #expect(small.count == 18)
        let first = try #require(small.first)
        #expect(first.id == "000002" && first.genre == "Folk" && first.split == "training")
        #expect(first.artist == "100" && first.seconds == 6)
        #expect(small.first { $0.id == "000170" }?.seconds == 30, "a clip states at most 30 s")
        let medium = try FMAMetadata.load(csv: dir.file("fma_metadata/tracks.csv"), subset: .medium).tracks
        #expect(medium.map(\.id).contains("000140") && !small.map(\.id).contains("000140"))
        // FMA's own top genres include "Old-Time / Historic": a label, not a folder.
        var text = String(decoding: Fixtures.bytes(dir.file("fma_metadata/tracks.csv")), as: UTF8.self)
        text = text.replacingOccurrences(of: ",Folk,", with: ",Old-Time / Historic,")
        try text.write(toFile: dir.file("old-time.csv"), atomically: true, encoding: .utf8)
        let oldTime = try DatasetManifest.fma(csv: dir.file("old-time.csv"), subset: .small)
        #expect(oldTime.genres == ["Hip-Hop", "Old-Time / Historic", "Rock"])
        let full = try FMAMetadata.load(csv: dir.file("fma_metadata/tracks.csv"), subset: .full).tracks
        #expect(full.first { $0.id == "000170" }?.seconds == 200, "full tracks are untrimmed")
    }

    @Test func malformedCSVIsRefusedNamingTheRecord() throws {
        let dir = TemporaryDirectory()
        let cases = [
            ("a,b\n\"open,x\n", "a quoted field is not closed"),
            ("a,b\n\"q\"x,y\n", "text after a closing quote"),
            (",track\n,genre_top\n1,Rock\n", "no column set/subset"),
            (",track,set,set,artist\n,genre_top,subset,split,id\n1,Rock,small\n", "record 3 has 3 fields"),
            (
                ",track,set,set,artist\n,genre_top,subset,split,id\n1,Rock,small,test,4\n1,Rock,small,test,4\n",
                "not a new number"
            ),
        ]
        for (text, fragment) in cases {
            try text.write(toFile: dir.file("t.csv"), atomically: true, encoding: .utf8)
            FuzzSeeds.keep(Array(text.utf8), as: .metadata)
            do {
                _ = try FMAMetadata.load(csv: dir.file("t.csv"), subset: .small)
                Issue.record("read: \(text)")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
                #expect("\(error)".hasPrefix(dir.file("t.csv")))
            }
        }
        var long = ",track,set,set,artist\n,genre_top,subset,split,id\n1,\""
        long += String(repeating: "x", count: CSVReader.maxRecordBytes) + "\",small,test,1\n"
        try long.write(toFile: dir.file("t.csv"), atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.self) { try FMAMetadata.load(csv: dir.file("t.csv"), subset: .small) }
    }

    /// What FMA's errata report is found: an empty clip, a clip shorter than stated; tracks.csv
    /// gives the labels, the expected ids and the official split.
    @Test func validationFollowsTracksCSV() throws {
        let dir = TemporaryDirectory()
        let root = try FMAFixture.write(in: dir)
        let manifest = try DatasetManifest.fma(csv: dir.file("fma_metadata/tracks.csv"), subset: .small)
        #expect(manifest.genres == ["Folk", "Hip-Hop", "Rock"])
        #expect(manifest.splits["official"]?.test.count == 3)
        let report = try Validator(manifest: manifest).validate(path: root)
        #expect(report.dataset == "fma")
        #expect(report.missing == ["000099"])
        #expect(report.tracks.count == 17)
        #expect(report.tracks.first { $0.id == "000160" }?.status == .corrupt)
        let short = try #require(report.tracks.first { $0.id == "000170" })
        #expect(short.problems.map(\.code) == [.short])
        #expect(short.problems.first?.message.contains("of the 30.00 s the metadata states") == true)
        let ok = try #require(report.tracks.first { $0.id == "000002" })
        #expect(ok.genre == "Folk" && ok.path == "000/000002.mp3" && ok.problems.isEmpty)
        let skipped = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.path, $0.reason) })
        #expect(skipped["000/000777.mp3"]?.contains("tracks.csv") == true)
        #expect(skipped["000/000140.mp3"]?.contains("not a track of fma_small") == true)
        #expect(skipped["000/000150.mp3"] != nil)
        #expect(skipped["checksums"] == "not an audio file")
    }
}
