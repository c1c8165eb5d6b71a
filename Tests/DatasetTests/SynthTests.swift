import Archive
import Audio
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

    /// --blend mixes a second genre under each track: reproducible, audibly there, and the
    /// track's own genre still dominates; 0 changes nothing.
    @Test func blendMixesASecondGenre() throws {
        let dir = TemporaryDirectory()
        var options = SyntheticGTZAN.Options()
        options.tracksPerGenre = 1
        options.seconds = 3
        func blues(_ blend: Float, _ name: String) throws -> [Float] {
            options.blend = blend
            try SyntheticGTZAN(options: options).write(to: dir.file(name + ".zip"))
            let reader = try SafeArchiveReader(path: dir.file(name + ".zip"))
            while let entry = try reader.next(), entry.path != "Data/genres_original/blues/blues.00000.wav" {}
            _ = FileManager.default.createFile(atPath: dir.file(name + ".wav"), contents: Data(try reader.readAll()))
            return try Sndfile.decodeFloat(path: dir.file(name + ".wav")).samples
        }
        let plain = try blues(0, "plain")
        let blended = try blues(0.8, "blended")
        #expect(try blues(0.8, "again") == blended)
        #expect(Fixtures.bytes(dir.file("blended.zip")) == Fixtures.bytes(dir.file("again.zip")))
        var defaults = SyntheticGTZAN.Options()
        defaults.tracksPerGenre = 1
        defaults.seconds = 3
        try SyntheticGTZAN(options: defaults).write(to: dir.file("default.zip"))
        #expect(Fixtures.bytes(dir.file("plain.zip")) == Fixtures.bytes(dir.file("default.zip")))
        // blended = (plain + level * other) / (1 + level), level in [0, 0.8]: what is left after
        // taking out the plain track's share is the other genre, and it is not silence.
        let dot = zip(plain, blended).map { Double($0 * $1) }.reduce(0, +)
        let share = dot / plain.map { Double($0 * $0) }.reduce(0, +)
        let residual = zip(plain, blended).map { Double($1) - share * Double($0) }
        let residualRMS = (residual.map { $0 * $0 }.reduce(0, +) / Double(residual.count)).squareRoot()
        let plainRMS = (plain.map { Double($0 * $0) }.reduce(0, +) / Double(plain.count)).squareRoot()
        #expect(share > 1 / 1.8 - 0.1 && share < 1.05, "the track's own part: \(share)")
        #expect(residualRMS > 0.01 * plainRMS, "a second genre is mixed in: \(residualRMS) vs \(plainRMS)")
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
        #expect(files.contains("Data/genres_original/rock/rock.00050.wav"), "ids spread over the index")
        #expect(files.contains("Data/images_original/pop/pop00050.png"))
        #expect(files.contains("Data/features_30_sec.csv"))
        #expect(files.contains("Data/features_3_sec.csv"))
        #expect(files.filter { $0.hasSuffix(".wav") }.count == 20)
        #expect(files.filter { $0.hasSuffix(".png") }.count == 20)
    }

    /// With --faults, validation finds exactly the planted faults, at the documented ids (the
    /// last of each genre: 00050 with two tracks per genre).
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
                "jazz.00054": [.undecodable], "country.00050": [.short], "metal.00050": [.truncated, .short],
                "reggae.00000": [.duplicate], "reggae.00050": [.duplicate],
            ])
        #expect(report.tracks.count == 21)
        #expect(report.tracks.first { $0.id == "country.00050" }?.audio?.segments == 9)
        #expect(
            Set(report.skipped.map(\.reason)).isSuperset(of: [
                "macOS resource fork (__MACOSX, ._*)", "macOS folder metadata (.DS_Store)",
            ]))
        #expect(SyntheticGTZAN.Fault.short.trackID(tracksPerGenre: 2) == "country.00050")
    }

    /// N tracks per genre are the ids floor(i * 100 / N), so a small set has GTZAN's mix of
    /// artists (the first twelve blues excerpts are all John Lee Hooker).
    @Test func idsSpreadOverTheIndex() {
        #expect(SyntheticGTZAN.indices(tracksPerGenre: 1) == [0])
        #expect(SyntheticGTZAN.indices(tracksPerGenre: 3) == [0, 33, 66])
        #expect(SyntheticGTZAN.indices(tracksPerGenre: 10) == Array(stride(from: 0, to: 100, by: 10)))
        #expect(SyntheticGTZAN.indices(tracksPerGenre: 100) == Array(0..<100))
    }

    /// Excerpts of one artist (Bob Marley: 35 of the 100 reggae ids) share a signature: their
    /// tempos sit far closer together than the genre's, so the artist leak exists in the
    /// synthetic data as in GTZAN.
    @Test func anArtistsExcerptsShareASignature() throws {
        let dir = TemporaryDirectory()
        var options = SyntheticGTZAN.Options()
        options.tracksPerGenre = 100
        options.seconds = 0.25
        try SyntheticGTZAN(options: options, genres: ["reggae"]).write(to: dir.file("s.zip"))
        let reader = try SafeArchiveReader(path: dir.file("s.zip"))
        var csv = ""
        while let entry = try reader.next() {
            if entry.path == "Data/features_30_sec.csv" { csv = String(decoding: try reader.readAll(), as: UTF8.self) }
        }
        var tempo: [String: Double] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            tempo[String(fields[0].dropLast(4))] = Double(fields[4])!
        }
        #expect(tempo.count == 100)
        let index = try #require(DatasetManifest.gtzan.artists)
        let marley = tempo.filter { index.artist(of: $0.key) == "Bob Marley" }.map(\.value)
        let others = tempo.filter { index.artist(of: $0.key) != "Bob Marley" }.map(\.value)
        func spread(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        #expect(marley.count == 35)
        #expect(spread(marley) < 0.3 * spread(others), "Marley \(spread(marley)), others \(spread(others))")
    }
}
