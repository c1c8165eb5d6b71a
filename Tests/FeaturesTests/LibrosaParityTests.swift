import Audio
import Basics
import Dataset
import Features
import Foundation
import TestSupport
import Testing

/// Reads `Tests/Reference/mfcc/NAME` with the project's own `.npy` reader.
func reference(_ name: String) throws -> NPYArray {
    try NPY.read(path: Fixtures.reference + "/mfcc/" + name)
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func monoSamples(_ name: String) throws -> [Float] {
    let decoded = try Sndfile.decodeFloat(path: Fixtures.reference + "/mfcc/" + name)
    #expect(decoded.channels == 1 && decoded.sampleRate == 22050)
    return decoded.samples
}

let cases = ["music_3s", "noise_3s", "quiet_click_3s", "short_1s"]

@Suite struct LibrosaParity {
    @Test func hannWindow() throws {
        let expected = try reference("hann_2048_periodic.npy")
        #expect(expected.shape == [2048])
        #expect(maxAbsDifference(Spectral.hann(2048), expected.floats()) <= 1e-7)
    }

    @Test func melFilterbank() throws {
        let expected = try reference("mel_filterbank_sr22050_nfft2048_nmels128.npy")
        #expect(expected.shape == [128, 1025])
        let bank = MelFilterbank(sampleRate: 22050, nFFT: 2048, nMels: 128)
        let diff = maxAbsDifference(bank.dense, expected.floats())
        print("filterbank max abs difference \(diff)")
        #expect(diff <= 1e-6)
    }

    @Test(arguments: cases)
    func melPower(name: String) throws {
        let expected = try reference("\(name).melpower.npy")
        let extractor = MFCCExtractor()
        let ours = try monoSamples("\(name).wav").withUnsafeBufferPointer { extractor.melPower($0) }
        #expect(expected.shape == [ours.count / 128, 128])
        let reference = expected.floats()
        // Power spans many decades: judge relative to the largest value of the spectrogram.
        let peak = reference.max()!
        let diff = maxAbsDifference(ours, reference)
        print("\(name) melpower max abs difference \(diff), relative to peak \(diff / peak)")
        #expect(diff / peak <= 1e-6)
    }

    @Test(arguments: cases)
    func mfcc(name: String) throws {
        let samples = try monoSamples("\(name).wav")
        for n in [13, 20, 40] {
            var p = MFCCParameters()
            p.nMFCC = n
            let expected = try reference("\(name).mfcc\(n).npy")
            let ours = MFCCExtractor(parameters: p).mfcc(samples: samples)
            #expect(expected.shape == [ours.count / n, n], "\(name) mfcc\(n)")
            let diff = maxAbsDifference(ours, expected.floats())
            print("\(name) mfcc\(n) max abs difference \(diff)")
            #expect(diff <= 0.01, "\(name) mfcc\(n)")
        }
    }
}

@Suite struct SegmentParity {
    /// The seed's 10-way segmentation of a whole track, each segment through MFCC separately.
    @Test func trackOf30sInTenSegments() throws {
        let expected = try reference("track_30s.segments_mfcc13.npy")
        #expect(expected.shape == [10, 130, 13])
        let samples = try monoSamples("track_30s.wav")
        let segmenter = Segmenter()
        let ranges = segmenter.segments(samples: samples.count)
        #expect(ranges.count == 10)
        #expect(ranges[9] == 595_350..<661_500)
        let extractor = MFCCExtractor()
        let ours = samples.withUnsafeBufferPointer { all in
            ranges.flatMap { extractor.mfcc(samples: UnsafeBufferPointer(rebasing: all[$0])) }
        }
        let diff = maxAbsDifference(ours, expected.floats())
        print("track_30s segments max abs difference \(diff)")
        #expect(diff <= 0.01)
    }

    @Test func shortTracksLoseTheirLastSegments() {
        let s = Segmenter()
        #expect(s.length == 66150)
        #expect(s.segments(samples: 661_500).count == 10)
        #expect(s.segments(samples: 661_499).count == 9)
        #expect(s.segments(samples: 700_000).count == 10, "audio past 30 s is ignored")
        #expect(s.segments(samples: 66149).isEmpty)
    }
}

@Suite struct NPYFormat {
    /// Files written by NumPy (Tests/Reference) parse, in C and Fortran order alike.
    @Test func readsNumPyFiles() throws {
        let labels = try NPY.read(path: Fixtures.reference + "/lstm/labels.npy")
        #expect(labels.dtype == .int64)
        #expect(labels.shape == [4])
        let input = try NPY.read(path: Fixtures.reference + "/lstm/input.npy")
        #expect(input.shape == [4, 130, 13])
        let mfcc = try reference("music_3s.mfcc13.npy")
        #expect(mfcc.shape == [130, 13])
        // This file is Fortran-ordered (librosa's output transposed). Read back in C order, row 0
        // must be frame 0: the 13 coefficients our extractor computes for the first frame.
        let ours = MFCCExtractor().mfcc(samples: try monoSamples("music_3s.wav"))
        #expect(maxAbsDifference(Array(mfcc.floats()[0..<13]), Array(ours[0..<13])) <= 0.01)
    }

    @Test func fortranOrderBecomesCOrder() throws {
        // [[1, 2, 3], [4, 5, 6]] stored column-major is 1 4 2 5 3 6.
        let stored = NPY.encode(NPYArray([1, 4, 2, 5, 3, 6] as [Float], shape: [2, 3]))
        let at = try #require((0..<stored.count - 5).first { Array(stored[$0..<$0 + 5]) == Array("False".utf8) })
        var fortran = stored
        fortran.replaceSubrange(at..<at + 5, with: Array("True ".utf8))
        #expect(try NPY.decode(fortran).floats() == [1, 2, 3, 4, 5, 6])
        #expect(try NPY.decode(stored).floats() == [1, 4, 2, 5, 3, 6])
    }

    @Test func writeThenRead() throws {
        let dir = TemporaryDirectory()
        let floats = NPYArray((0..<60).map { Float($0) / 7 }, shape: [3, 4, 5])
        let longs = NPYArray([Int64(-1), 0, 9_000_000_000], shape: [3])
        let ints = NPYArray([Int32(7)], shape: [1])
        let bytes = NPY.encode(floats)
        #expect((bytes.count - floats.data.count) % 64 == 0, "header padded to 64 bytes")
        #expect(try NPY.decode(bytes) == floats)
        try NPY.writeArchive([("mfcc", floats), ("label", longs), ("track", ints)], to: dir.file("a.npz"))
        let back = try NPY.readArchive(path: dir.file("a.npz"))
        #expect(back == ["mfcc": floats, "label": longs, "track": ints])
        try NPY.writeArchive([("mfcc", floats), ("label", longs), ("track", ints)], to: dir.file("b.npz"))
        #expect(Fixtures.bytes(dir.file("a.npz")) == Fixtures.bytes(dir.file("b.npz")))
    }

    @Test func rejectsWhatItCannotRead() {
        #expect(throws: FileError.self) { try NPY.decode(Array("not numpy".utf8), name: "x.npy") }
        var bytes = NPY.encode(NPYArray([Float(1), 2], shape: [2]))
        bytes.removeLast()
        #expect(throws: FileError.self) { try NPY.decode(bytes, name: "x.npy") }
    }
}
