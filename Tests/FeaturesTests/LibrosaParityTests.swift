import Audio
import Basics
import Features
import Formats
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

    /// The stages one by one (`powerSpectrogram`, `melspectrogram(S:)`, `powerToDB`,
    /// `mfcc(S:)`) give the fused path's numbers bit for bit, and librosa's.
    @Test(arguments: cases)
    func stagesComposeToTheFusedPath(name: String) throws {
        let samples = try monoSamples("\(name).wav")
        let extractor = MFCCExtractor()
        let power = samples.withUnsafeBufferPointer { extractor.powerSpectrogram($0) }
        let frames = MFCCParameters().frames(samples: samples.count)
        #expect(power.count == frames * 1025)
        var mel = extractor.melspectrogram(S: power)
        #expect(mel == samples.withUnsafeBufferPointer { extractor.melPower($0) })
        let expected = try reference("\(name).melpower.npy").floats()
        #expect(maxAbsDifference(mel, expected) / expected.max()! <= 1e-6)
        extractor.powerToDB(&mel)
        #expect(extractor.mfcc(S: mel) == extractor.mfcc(samples: samples))
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
            // Measured up to 3.7e-4 (quiet_click_3s; librosa's own float32 and float64 runs differ
            // by up to 6.7e-5): float32 log10 near the 80 dB floor.
            #expect(diff <= 5e-4, "\(name) mfcc\(n)")
        }
    }
}

/// The `mel` features: librosa's `power_to_db(melspectrogram(y), ref=1.0, amin=1e-10,
/// top_db=80)`, held to 0.01 dB.
@Suite struct LogMelParity {
    @Test(arguments: cases)
    func logMel(name: String) throws {
        let samples = try monoSamples("\(name).wav")
        let expected = try reference("\(name).logmel.npy")
        let extractor = MFCCExtractor()
        let ours = samples.withUnsafeBufferPointer { extractor.features(.mel, samples: $0) }
        #expect(expected.shape == [ours.count / 128, 128])
        let diff = maxAbsDifference(ours, expected.floats())
        print("\(name) log-mel max abs difference \(diff) dB")
        #expect(diff <= 0.01, "\(name)")
        // The stages compose to it: melPower, then powerToDB.
        var mel = samples.withUnsafeBufferPointer { extractor.melPower($0) }
        extractor.powerToDB(&mel)
        #expect(mel == ours)
        // The 80 dB floor is there: nothing lies more than top_db below the peak.
        #expect(ours.max()! - ours.min()! <= 80.0001)
    }

    /// The 10-way segmentation of a whole track through the pipeline prepare and predict
    /// share, `mel` kind: each segment's floor is its own peak's, as librosa's per-segment call.
    @Test func trackOf30sInTenSegments() throws {
        let expected = try reference("track_30s.segments_logmel.npy")
        #expect(expected.shape == [10, 130, 128])
        let pipeline = SegmentPipeline(parameters: MFCCParameters(), segmentLength: 66150, kind: .mel)
        var ours: [Float] = []
        let summary = try pipeline.run(
            path: Fixtures.reference + "/mfcc/track_30s.wav", extractor: MFCCExtractor(), maxSegments: 10
        ) { _, features in
            #expect(features.count == 130 * 128)
            ours += features
        }
        #expect(summary.segments == 10)
        let diff = maxAbsDifference(ours, expected.floats())
        print("track_30s log-mel segments max abs difference \(diff) dB")
        #expect(diff <= 0.01)
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
        #expect(diff <= 5e-4)
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
}
