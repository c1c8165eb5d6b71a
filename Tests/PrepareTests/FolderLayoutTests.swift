import Archive
import Audio
import Basics
import Dataset
import Features
import Formats
import Foundation
import Prepare
import TestSupport
import Testing

@Suite struct FolderLayoutTests {
    /// Only the checks that apply to any audio: no GTZAN ids, format or length are expected.
    @Test func validationMakesOnlyTheGenericChecks() throws {
        let dir = TemporaryDirectory()
        let root = try FolderDataset.write(in: dir)
        let report = try Validator(manifest: .folders(labels: [])).validate(path: root)
        #expect(report.dataset == "folders")
        #expect(report.tracks.count == FolderDataset.tracks.count)
        #expect(report.missing.isEmpty)
        let gtzanOnly: Set<Problem.Code> = [.unexpectedName, .sampleRate, .channels, .sampleFormat, .short]
        #expect(report.tracks.allSatisfy { $0.problems.allSatisfy { !gtzanOnly.contains($0.code) } })
        #expect(report.tracks.allSatisfy { $0.status != .corrupt })
        #expect(Set(report.tracks.map(\.id)).contains("chill/Track 2"))
        #expect(Set(report.skipped.map(\.path)) == ["README.txt", "chill/cover.jpg"])
        let mp3 = try #require(report.tracks.first { $0.path == "lofi/d.mp3" }?.audio)
        #expect(mp3.sampleRate == 44100 && mp3.channels == 2)
        // The generic checks still judge: a copy is a duplicate, a broken file undecodable.
        try FileManager.default.copyItem(atPath: root + "/lofi/a.wav", toPath: root + "/lofi/copy.wav")
        _ = FileManager.default.createFile(atPath: root + "/lofi/broken.flac", contents: Data(repeating: 7, count: 999))
        let again = try Validator(manifest: .folders(labels: [])).validate(path: root)
        #expect(again.tracks.first { $0.id == "lofi/copy" }?.problems.map(\.code) == [.duplicate])
        #expect(again.tracks.first { $0.id == "lofi/broken" }?.status == .corrupt)
    }

    /// Labels in sorted order, ids `<label>/<stem>`, every full 3 s segment of each track after
    /// conversion to 22050 Hz mono, each row what the shared pipeline computes for its file.
    @Test func prepareTakesEveryFullSegmentOfEveryFormat() throws {
        let dir = TemporaryDirectory()
        let root = try FolderDataset.write(in: dir)
        var options = Preparer.Options()
        options.segments = Segmenter.maxCount
        let d = try Preparer(manifest: .folders(labels: []), options: options).prepare(
            directory: root, out: dir.file("f"))
        #expect(d.dataset == "folders")
        #expect(d.genres == ["chill", "lofi", "vaporwave"])
        #expect(d.split.unit == "track")
        #expect(d.droppedSegments.isEmpty)
        #expect(d.skipped.map(\.id) == ["chill/e"], "2 s: no full segment")
        #expect(d.features.samplesPerSegment == 66150 && d.features.framesPerSegment == 130)
        #expect(d.features.segmentsPerTrack == Segmenter.maxCount)
        for track in d.tracks {
            let source = try #require(FolderDataset.tracks.first { $0.path.hasPrefix(track.id + ".") })
            #expect(track.segments == Array(0..<Int(source.seconds / 3)), "\(track.id)")
            #expect(track.label == d.genres.firstIndex(of: source.path.components(separatedBy: "/")[0]))
            let converted = (source.rate != 22050 ? 1 : 0) + (source.channels > 1 ? 1 : 0)
            #expect((track.conversions?.count ?? 0) == converted, "\(track.id)")
        }
        #expect(d.tracks.first { $0.id == "lofi/long" }?.segments.count == 41)
        // A row of the MP3 track is what the pipeline computes for that file.
        var rows: [String: [Float]] = [:]
        for part in Partition.allCases {
            let a = try NPY.readArchive(path: dir.file("f/\(part.rawValue).npz"))
            let features = try #require(a["mfcc"]).floats()
            let tracks = try #require(a["track"]?.integers())
            let segments = try #require(a["segment"]?.integers())
            for (r, (t, s)) in zip(tracks, segments).enumerated() {
                rows["\(d.tracks[Int(t)].id)#\(s)"] = Array(features[r * 1690..<(r + 1) * 1690])
            }
        }
        var expected: [Float] = []
        try SegmentPipeline(parameters: MFCCParameters(), segmentLength: 66150).run(
            path: root + "/vaporwave/d.mp3", extractor: MFCCExtractor(), maxSegments: 2
        ) { d, f in if d == 1 { expected = f } }
        #expect(rows["vaporwave/d#1"] == expected)
        #expect(rows.count == d.tracks.reduce(0) { $0 + $1.segments.count })
    }

    @Test func segmentsCapWhatATrackGives() throws {
        let dir = TemporaryDirectory()
        let root = try FolderDataset.write(in: dir)
        var options = Preparer.Options()
        options.segments = 3
        let d = try Preparer(manifest: .folders(labels: []), options: options).prepare(
            directory: root, out: dir.file("f"))
        #expect(d.tracks.first { $0.id == "lofi/long" }?.segments == [0, 1, 2])
        #expect(d.tracks.first { $0.id == "chill/a" }?.segments == [0, 1])
        #expect(d.droppedSegments.isEmpty)
        #expect(d.features.seconds == 9 && d.features.samplesPerSegment == 66150)
    }

    /// `unpack --layout folders` of a zip whose labels sit under one top folder gives the same
    /// tracks, and sharded prepare of folders merges to one prepare's bytes.
    @Test func unpackedAndShardedFoldersGiveTheSameTensors() throws {
        let dir = TemporaryDirectory()
        let root = try FolderDataset.write(in: dir)
        let zip = dir.file("mine.zip")
        let writer = try ArchiveWriter(path: zip, format: .zip())
        for t in FolderDataset.tracks {
            try writer.addFile("top/" + t.path, bytes: Fixtures.bytes(root + "/" + t.path))
        }
        _ = try writer.finish()
        let report = try Unpacker(validator: Validator(manifest: .folders(labels: []))).unpack(
            archive: zip, into: dir.file("unpacked"), force: false)
        #expect(report.tracks.count == FolderDataset.tracks.count)
        #expect(
            Set(Fixtures.tree(dir.file("unpacked")))
                == Set(FolderDataset.tracks.map(\.path) + ["validation.json", "chill", "lofi", "vaporwave"]))
        var options = Preparer.Options()
        options.segments = 20
        let folders = Preparer(manifest: .folders(labels: []), options: options)
        _ = try folders.prepare(directory: root, out: dir.file("single"))
        _ = try folders.prepare(directory: dir.file("unpacked"), out: dir.file("from-zip"))
        for part in Partition.allCases {
            #expect(
                Fixtures.bytes(dir.file("single/\(part.rawValue).npz"))
                    == Fixtures.bytes(dir.file("from-zip/\(part.rawValue).npz")))
        }
        let shards = try ShardMergeTests.shards(root, dir, count: 3, preparer: folders)
        _ = try ShardMerge().merge(shards: shards, out: dir.file("merged"))
        ShardMergeTests.sameFiles(dir.file("single"), dir.file("merged"))
    }
}

/// A dataset described by a manifest file, without changing code: its labels (and their order),
/// expected ids, a published split.
@Suite struct UserManifestTests {
    static let json = """
        {
          "formatVersion": 1, "name": "moods", "title": "Three moods", "tree": "folders",
          "genres": ["vaporwave", "lofi", "chill"],
          "ids": {"perGenre": 0, "format": "<label>/<file stem>", "count": 4},
          "layouts": [{"name": "moods", "audioRoot": ".", "file": "<label>/<name>.<ext>"}],
          "knownFaults": [],
          "metadata": {"lofi/a": {"label": "lofi"}, "lofi/d": {"label": "lofi", "seconds": 60},
                       "lofi/gone": {"label": "lofi"}, "chill/a": {"label": "chill"}},
          "splits": {"published": {"description": "a test split", "source": "the tests",
            "counts": {"train": 9, "val": 4, "test": 4},
            "train": ["chill/a", "chill/c", "chill/d", "lofi/a", "lofi/c", "lofi/d", "vaporwave/a", "vaporwave/c", "vaporwave/d"],
            "val": ["chill/Track 2", "lofi/Track 2", "vaporwave/Track 2", "lofi/e"],
            "test": ["chill/long", "lofi/long", "vaporwave/long", "vaporwave/e"]}}
        }
        """

    @Test func aManifestFileDescribesADataset() throws {
        let dir = TemporaryDirectory()
        let root = try FolderDataset.write(in: dir)
        try Self.json.write(toFile: dir.file("moods.json"), atomically: true, encoding: .utf8)
        FuzzSeeds.keep(Array(Self.json.utf8), as: .dataset)
        let manifest = try DatasetManifest.load(path: dir.file("moods.json"))
        let report = try Validator(manifest: manifest).validate(path: root)
        #expect(report.dataset == "moods")
        #expect(report.missing == ["lofi/gone"])
        let stated = try #require(report.tracks.first { $0.id == "lofi/d" })
        #expect(stated.problems.map(\.code) == [.short], "7.5 s of the 60 s it states")
        var options = Preparer.Options()
        options.segments = 20
        options.splitList = "published"
        options.unit = .track
        let d = try Preparer(manifest: manifest, options: options).prepare(directory: root, out: dir.file("f"))
        #expect(d.genres == ["vaporwave", "lofi", "chill"], "the manifest's order is the label order")
        #expect(d.tracks.first { $0.id == "chill/a" }?.label == 2)
        #expect(d.tracks.first { $0.id == "lofi/long" }?.split == .test)
        #expect(d.tracks.first { $0.id == "vaporwave/Track 2" }?.split == .val)
    }

    @Test func unusableManifestsAreRefusedWithTheReason() throws {
        let dir = TemporaryDirectory()
        let cases = [
            (
                Self.json.replacingOccurrences(of: #"["vaporwave", "lofi", "chill"]"#, with: #"["lofi", "lofi"]"#),
                "twice"
            ),
            (Self.json.replacingOccurrences(of: #"{"label": "chill"}"#, with: #"{"label": "jazz"}"#), "'jazz'"),
            (
                Self.json.replacingOccurrences(of: #""formatVersion": 1"#, with: #""formatVersion": 9"#),
                "formatVersion 9"
            ),
            (Self.json.replacingOccurrences(of: #""tree": "folders""#, with: #""tree": "trees""#), "trees"),
            (Self.json.replacingOccurrences(of: #""vaporwave/e"]"#, with: #""vaporwave/e", "chill/a"]"#), "twice"),
            // Found by fuzzing: a negative count crashed listing the expected ids, a huge one
            // would fill memory with them.
            (Self.json.replacingOccurrences(of: #""perGenre": 0"#, with: #""perGenre": -1"#), "perGenre -1"),
            (
                Self.json.replacingOccurrences(of: #""perGenre": 0"#, with: #""perGenre": 400000"#),
                "perGenre 400000"
            ),
            // Each count in range, but 11 labels x 99,999 is over the million in all.
            (
                Self.json.replacingOccurrences(of: #""perGenre": 0"#, with: #""perGenre": 99999"#)
                    .replacingOccurrences(
                        of: #"["vaporwave", "lofi", "chill"]"#,
                        with: #"["vaporwave", "lofi", "chill", "a", "b", "c", "d", "e", "f", "g", "h"]"#),
                "at most 1000000 ids"
            ),
        ]
        for (text, fragment) in cases {
            try text.write(toFile: dir.file("m.json"), atomically: true, encoding: .utf8)
            do {
                _ = try DatasetManifest.load(path: dir.file("m.json"))
                Issue.record("loaded a manifest with \(fragment)")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
                #expect("\(error)".hasPrefix(dir.file("m.json")))
            }
        }
    }
}
