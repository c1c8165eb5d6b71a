import Archive
import Dataset
import Foundation
import Synth
import TestSupport
import Testing

@Suite struct SynthTests {
    @Test func sameArgumentsSameBytes() throws {
        let dir = TemporaryDirectory()
        var options = SyntheticGTZAN.Options()
        options.tracksPerGenre = 1
        options.seconds = 2
        try SyntheticGTZAN(options: options).write(to: dir.file("a.zip"))
        try SyntheticGTZAN(options: options).write(to: dir.file("b.zip"))
        #expect(Fixtures.bytes(dir.file("a.zip")) == Fixtures.bytes(dir.file("b.zip")))
        options.seed = 7
        try SyntheticGTZAN(options: options).write(to: dir.file("c.zip"))
        #expect(Fixtures.bytes(dir.file("a.zip")) != Fixtures.bytes(dir.file("c.zip")))
    }

    @Test func kaggleLayout() throws {
        let dir = TemporaryDirectory()
        var options = SyntheticGTZAN.Options()
        options.tracksPerGenre = 2
        options.seconds = 1
        try SyntheticGTZAN(options: options).write(to: dir.file("s.zip"))
        let reader = try SafeArchiveReader(path: dir.file("s.zip"))
        var files: [String] = []
        while let entry = try reader.next() { if entry.kind == .file { files.append(entry.path) } }
        #expect(files.contains("Data/genres_original/blues/blues.00000.wav"))
        #expect(files.contains("Data/genres_original/rock/rock.00001.wav"))
        #expect(files.contains("Data/images_original/pop/pop00001.png"))
        #expect(files.contains("Data/features_30_sec.csv"))
        #expect(files.contains("Data/features_3_sec.csv"))
        #expect(files.filter { $0.hasSuffix(".wav") }.count == 20)
        #expect(files.filter { $0.hasSuffix(".png") }.count == 20)
    }

    /// With --faults, validation finds exactly the planted faults, at the documented ids.
    @Test func plantedFaultsAreFound() throws {
        let dir = TemporaryDirectory()
        var options = SyntheticGTZAN.Options()
        options.tracksPerGenre = 2
        options.faults = true
        try SyntheticGTZAN(options: options).write(to: dir.file("s.zip"))
        let report = try Validator().validate(path: dir.file("s.zip"))
        var found: [String: Set<Problem.Code>] = [:]
        for track in report.tracks where !track.problems.isEmpty { found[track.id] = Set(track.problems.map(\.code)) }
        #expect(
            found == [
                "jazz.00054": [.undecodable], "country.00001": [.short], "metal.00001": [.truncated, .short],
                "reggae.00000": [.duplicate], "reggae.00001": [.duplicate],
            ])
        #expect(report.tracks.count == 21)
        #expect(report.tracks.first { $0.id == "country.00001" }?.audio?.segments == 9)
        #expect(
            Set(report.skipped.map(\.reason)).isSuperset(of: [
                "macOS resource fork (__MACOSX, ._*)", "macOS folder metadata (.DS_Store)",
            ]))
        #expect(SyntheticGTZAN.Fault.short.trackID(tracksPerGenre: 2) == "country.00001")
    }
}
