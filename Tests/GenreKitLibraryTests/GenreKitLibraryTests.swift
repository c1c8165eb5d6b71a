import Foundation
import GenreKit
import TestSupport
import Testing

/// The library as a Swift program sees it: only `import GenreKit` (TestSupport makes the
/// bundle and finds the fixtures). Features against librosa's numbers in Tests/Reference, the
/// classifier against a bundle.
@Suite struct GenreKitLibraryTests {
    static let cases = ["music_3s", "noise_3s", "quiet_click_3s"]

    /// A float32 `.npy` (format 1.0, little-endian) of two axes, in C order (row-major) however
    /// it is stored (librosa's transposed arrays are saved in Fortran order); read here so this
    /// target needs nothing but the public API.
    static func npy(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let bytes = try #require(FileManager.default.contents(atPath: Fixtures.reference + "/mfcc/" + name))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.contains("'descr': '<f4'"))
        let shapeText = try #require(header.firstMatch(of: /'shape': \(([0-9, ]*)\)/)?.1)
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let stored = bytes[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(shape.count == 2 && stored.count == shape.reduce(1, *))
        guard header.contains("'fortran_order': True") else { return (shape, stored) }
        let (rows, columns) = (shape[0], shape[1])
        return (shape, (0..<(rows * columns)).map { stored[($0 % columns) * rows + $0 / columns] })
    }

    @Test(arguments: cases) func featuresEqualLibrosas(_ name: String) throws {
        let (y, sr) = try load(Fixtures.reference + "/mfcc/\(name).wav")
        #expect(sr == 22050 && y.count == 66150)
        for n in [13, 40] {
            let ours = try mfcc(y: y, sr: sr, nMFCC: n)
            let theirs = try Self.npy("\(name).mfcc\(n).npy")
            #expect([ours.frames, ours.width] == theirs.shape)
            #expect(zip(ours.values, theirs.values).map { abs($0 - $1) }.max()! <= 5e-4, "\(name) mfcc\(n)")
        }
        let mel = try logMel(y: y, sr: sr)
        let theirs = try Self.npy("\(name).logmel.npy")
        #expect([mel.frames, mel.width] == theirs.shape && mel.width == 128)
        #expect(zip(mel.values, theirs.values).map { abs($0 - $1) }.max()! <= 0.01, "\(name) log-mel, dB")
        #expect(mel[1, 2] == mel.values[1 * 128 + 2], "row-major [frames, width]")
    }

    @Test func badParametersAndFilesAreOneLineErrors() throws {
        #expect(throws: GenreKitError.self) { try mfcc(y: [0, 0, 0], sr: 22050, hopLength: 0) }
        do {
            _ = try load("/no/such/file.wav")
            Issue.record("a missing file was loaded")
        } catch {
            #expect(error.message.contains("/no/such/file.wav") && !error.message.contains("\n"), "\(error)")
        }
    }

    @Test func classifierRunsAVerifiedBundle() throws {
        let dir = TemporaryDirectory()
        let path = try TrainedRun.shared.package(into: dir.file("zoo"))
        let classifier = try GenreClassifier(contentsOf: path)
        #expect(classifier.genres.count == 10 && classifier.featureKind == "mfcc" && classifier.sampleRate == 22050)
        #expect(classifier.segmentSeconds == 3)

        let file = Fixtures.reference + "/mfcc/music_3s.wav"
        let fromFile = try classifier.classify(file: file)
        #expect(fromFile.segmentProbabilities.count == 1 && fromFile.ranking.count == 10)
        #expect(abs(fromFile.ranking.map(\.probability).reduce(0, +) - 1) < 1e-5)
        #expect(fromFile.top == fromFile.ranking[0] && fromFile.conversions.isEmpty)

        // The same samples from memory give the same numbers; at twice the rate they are resampled.
        let (y, sr) = try load(file)
        #expect(try classifier.classify(samples: y, sampleRate: sr) == fromFile)
        let doubled = y.flatMap { [$0, $0] }
        let resampled = try classifier.classify(samples: doubled, sampleRate: 44100)
        #expect(resampled.conversions.contains { $0.contains("44100") }, "\(resampled.conversions)")

        do {
            _ = try classifier.classify(samples: Array(y.prefix(22050)), sampleRate: sr)
            Issue.record("one second was classified")
        } catch { #expect(error.message.contains("too short"), "\(error)") }

        _ = FileManager.default.createFile(atPath: dir.file("bad.tar.gz"), contents: Data("not a bundle".utf8))
        do {
            _ = try GenreClassifier(contentsOf: dir.file("bad.tar.gz"))
            Issue.record("a damaged bundle was opened")
        } catch { #expect(error.message.hasPrefix(dir.file("bad.tar.gz") + ": "), "\(error)") }
    }
}
