import Archive
import Audio
import Basics
import Dataset
import Foundation
import TestSupport
import Testing

/// Checks a report against `ProblemDataset`: every track's status and exact problem codes, the
/// missing ids, and the skipped files with their reasons.
func expectMatchesProblemDataset(_ report: ValidationReport, skipped: Bool = true) {
    #expect(report.tracks.count == ProblemDataset.tracks.count)
    for expected in ProblemDataset.tracks {
        guard let track = report.tracks.first(where: { $0.id == expected.id && $0.genre == expected.genre }) else {
            Issue.record("\(expected.id) is not in the report")
            continue
        }
        #expect(track.status == expected.status, "\(expected.id)")
        #expect(Set(track.problems.map(\.code)) == Set(expected.codes), "\(expected.id): \(track.problems)")
        #expect(track.problems.allSatisfy { !$0.message.isEmpty && !$0.message.contains("\n") })
    }
    #expect(report.missing == ProblemDataset.missing)
    let s = report.summary
    #expect(s.ok == 1)
    #expect(s.corrupt == 2)
    #expect(s.warning == ProblemDataset.tracks.count - 3)
    #expect(s.missing == ProblemDataset.missing.count)
    #expect(report.isUsable)
    #expect(!report.isClean)
    if skipped {
        #expect(report.skipped.map(\.path) == ProblemDataset.extras.map(\.0).sorted())
        for (path, reason) in ProblemDataset.extras {
            #expect(report.skipped.first { $0.path == path }?.reason == reason)
        }
    }
}

@Suite struct ValidationTests {
    @Test func kaggleZipReportsEveryProblemCode() throws {
        let dir = TemporaryDirectory()
        try ProblemDataset.write(dir.file("gtzan.zip"), format: .zip())
        let report = try Validator().validate(path: dir.file("gtzan.zip"))
        expectMatchesProblemDataset(report)
        #expect(report.sourceKind == "archive")
        #expect(report.tracks.first { $0.id == "blues.00000" }?.path == "Data/genres_original/blues/blues.00000.wav")
        #expect(dir.tree() == ["gtzan.zip"], "validate writes nothing")
    }

    @Test func marsyasTarballReportsEveryProblemCode() throws {
        let dir = TemporaryDirectory()
        try ProblemDataset.write(dir.file("genres.tar.gz"), format: .tarGzip)
        expectMatchesProblemDataset(try Validator().validate(path: dir.file("genres.tar.gz")))
    }

    /// The Marsyas tarball holds AU files; they are probed like the WAVs.
    @Test func auTracks() throws {
        let dir = TemporaryDirectory()
        let samples = ProblemDataset.tone(500)
        let au = try Sndfile.encode(samples: samples, sampleRate: 22050, container: .au)
        let tracks = [
            ProblemDataset.Track(genre: "rock", id: "rock.00000", ext: "au", bytes: au, status: .ok, codes: []),
            ProblemDataset.Track(
                genre: "rock", id: "rock.00001", ext: "au", bytes: Array(au.prefix(au.count / 2)), status: .corrupt,
                codes: [.truncated, .short]),
        ]
        try ProblemDataset.write(dir.file("genres.tar.gz"), format: .tarGzip, tracks: tracks)
        let report = try Validator().validate(path: dir.file("genres.tar.gz"))
        #expect(report.tracks.map(\.status) == [.ok, .corrupt])
        #expect(report.tracks[0].audio?.container == "AU")
        #expect(Set(report.tracks[1].problems.map(\.code)) == [.truncated, .short])
    }

    @Test func shortTrackSaysHowManySegmentsSurvive() throws {
        let dir = TemporaryDirectory()
        try ProblemDataset.write(dir.file("g.zip"), format: .zip())
        let report = try Validator().validate(path: dir.file("g.zip"))
        let short = try #require(report.tracks.first { $0.id == "classical.00000" })
        #expect(short.audio?.segments == 6)
        #expect(short.problems.first { $0.code == .short }?.message == "20.00 s of 30 s: 6 of 10 segments survive")
        let truncated = try #require(report.tracks.first { $0.id == "blues.00002" })
        #expect(truncated.problems.first?.code == .truncated, "the corrupt finding comes first")
        #expect(truncated.problems.first?.message.hasPrefix("the header declares 661500 frames (30.00 s)") == true)
    }

    @Test func jsonIsStableAndRoundTrips() throws {
        let dir = TemporaryDirectory()
        try ProblemDataset.write(dir.file("g.zip"), format: .zip())
        let first = try ReportFormatter.json(try Validator().validate(path: dir.file("g.zip")))
        let second = try ReportFormatter.json(try Validator().validate(path: dir.file("g.zip")))
        #expect(first == second)
        let decoded = try JSONDecoder().decode(ValidationReport.self, from: Data(first.utf8))
        #expect(try ReportFormatter.json(decoded) == first)
        for code in [
            "undecodable", "truncated", "short", "sample-rate", "channels", "sample-format", "silent", "clipped",
            "duplicate", "unexpected-name",
        ] {
            #expect(first.contains("\"code\" : \"\(code)\""), "\(code)")
        }
    }

    @Test func textReportIsShort() throws {
        let dir = TemporaryDirectory()
        try ProblemDataset.write(dir.file("g.zip"), format: .zip())
        let text = ReportFormatter.text(try Validator().validate(path: dir.file("g.zip")))
        #expect(text.contains("13 tracks: 1 ok, 10 warning, 2 corrupt"))
        #expect(text.contains("missing (989 of the gtzan ids): blues.00003-00099, classical.00002-00099"))
        #expect(!text.contains("blues.00000  "), "ok tracks are counted, not listed")
        #expect(text.split(separator: "\n").count < 40)
    }

    @Test func unreadableInputsAreErrors() throws {
        let dir = TemporaryDirectory()
        #expect(throws: FileError.notFound(path: dir.file("absent"))) {
            try Validator().validate(path: dir.file("absent"))
        }
        _ = FileManager.default.createFile(atPath: dir.file("x.zip"), contents: Data("not a zip".utf8))
        #expect(throws: ArchiveError.self) { try Validator().validate(path: dir.file("x.zip")) }
        let empty = try ArchiveWriter(path: dir.file("empty.zip"), format: .zip())
        try empty.addFile("README.txt", bytes: Array("hi".utf8))
        try empty.finish()
        #expect(throws: DatasetError.noTracks(source: dir.file("empty.zip"))) {
            try Validator().validate(path: dir.file("empty.zip"))
        }
    }
}

@Suite struct LayoutTests {
    @Test(arguments: [
        (
            "Data/genres_original/blues/blues.00000.wav",
            DatasetLayout.Classification.track(genre: "blues", id: "blues.00000", ext: "wav", expectedName: true)
        ),
        ("genres/jazz/jazz.00054.au", .track(genre: "jazz", id: "jazz.00054", ext: "au", expectedName: true)),
        ("gtzan/genres/rock/rock.00001.WAV", .track(genre: "rock", id: "rock.00001", ext: "wav", expectedName: true)),
        ("genres/rock/pop.00001.wav", .track(genre: "rock", id: "pop.00001", ext: "wav", expectedName: false)),
        (
            "genres/rock/rock.00001 (1).wav",
            .track(genre: "rock", id: "rock.00001 (1)", ext: "wav", expectedName: false)
        ),
        (
            "__MACOSX/Data/genres_original/blues/._blues.00000.wav",
            .skipped(reason: "macOS resource fork (__MACOSX, ._*)")
        ),
        ("Data/genres_original/blues/._blues.00000.wav", .skipped(reason: "macOS resource fork (__MACOSX, ._*)")),
        ("Data/.DS_Store", .skipped(reason: "macOS folder metadata (.DS_Store)")),
        ("Data/images_original/blues/blues00000.png", .skipped(reason: "spectrogram image (not used)")),
        ("Data/features_3_sec.csv", .skipped(reason: "feature table (not used)")),
        ("genres/input.mf", .skipped(reason: "Marsyas collection file (not used)")),
        ("Data/genres_original/blues.00000.wav", .skipped(reason: "audio outside a genre folder")),
        ("Data/genres_original/blues/notes.txt", .skipped(reason: "not an audio file")),
    ])
    func classify(path: String, expected: DatasetLayout.Classification) {
        #expect(DatasetLayout.classify(path, genres: DatasetManifest.gtzan.genres) == expected)
    }
}
