import Audio
import Features
import Formats
import Foundation
import TestSupport
import Testing

/// A stereo 44.1 kHz FLAC through the pipeline prepare and predict share, against librosa's
/// `load(sr=22050, mono=True, res_type="sinc_best")` and its features per 3 s segment
/// (Tests/Reference/resample, made by scripts/reference/make_reference.py).
@Suite struct ResampledParity {
    static let flac = Fixtures.reference + "/resample/stereo_44100_6s.flac"

    func features(_ kind: FeatureKind) throws -> (SegmentPipeline.Summary, [Float]) {
        let pipeline = SegmentPipeline(parameters: MFCCParameters(), segmentLength: 66150, kind: kind)
        var ours: [Float] = []
        let summary = try pipeline.run(path: Self.flac, extractor: MFCCExtractor()) { _, f in ours += f }
        return (summary, ours)
    }

    @Test(arguments: [(FeatureKind.mfcc, "segments_mfcc13"), (.mel, "segments_logmel")])
    func resampledSegmentsMatchLibrosa(kind: FeatureKind, file: String) throws {
        let expected = try NPY.read(path: Fixtures.reference + "/resample/stereo_44100_6s.\(file).npy")
        #expect(expected.shape == [2, 130, kind.width(MFCCParameters())])
        let (summary, ours) = try features(kind)
        #expect(summary.sampleRate == 44100 && summary.channels == 2 && summary.segments == 2)
        #expect(summary.conversions.count == 2)
        let diff = maxAbsDifference(ours, expected.floats())
        print("resampled stereo 44.1 kHz \(kind) max abs difference \(diff)")
        // The issue asks for 0.05; librosa and GenreKit run the same libsamplerate converter.
        #expect(diff <= 1e-3)
    }
}
