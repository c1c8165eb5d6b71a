import Audio
import Basics
import Features
import Foundation
import NeuralNet
import Training

/// One genre and its mean segment probability.
public struct GenreProbability: Codable, Sendable, Equatable {
    public var genre: String
    public var probability: Double
}

/// What `predict` found for one file.
public struct FilePrediction: Codable, Sendable, Equatable {
    public var file: String
    /// The file's own rate and channels.
    public var sampleRate: Int
    public var channels: Int
    public var seconds: Double
    /// How the audio was converted for the model, e.g. `stereo mixed down to mono` or
    /// `resampled 44100 Hz -> 22050 Hz (libsamplerate, Best Sinc Interpolator)`; empty when not.
    public var conversions: [String]
    /// Full segments classified (audio past the last full one is ignored).
    public var segments: Int
    /// Every genre, most probable first (ties in genre order).
    public var ranking: [GenreProbability]
    /// Each segment's probabilities, one per genre in the bundle's genre order (`genres`).
    public var segmentProbabilities: [[Float]]
    public var genres: [String]
}

/// Classifies audio with a verified bundle through the same segment pipeline `prepare` uses
/// (decode, mix down to mono, resample to the bundle's rate when it differs, every full segment
/// of the bundle's length, the bundle's features (MFCCs or log-mel) with its parameters), then
/// normalises as the bundle
/// says, runs the network on batches of segments as they come, and averages the segments'
/// probabilities. Memory stays flat however long the file.
public final class Predictor {
    public let bundle: ModelBundle
    let model: Sequential
    let normalization: Standardization?
    let extractor: MFCCExtractor
    let pipeline: SegmentPipeline

    /// Segments run through the network at once: 64, fewer when one segment's widest
    /// activation is large, so no activation of a batch passes `activationBudget` values
    /// whatever the bundle's manifest asks for (a wide convolution would otherwise take
    /// gigabytes at 64 segments).
    let batchSize: Int
    static let activationBudget = Trainer.activationBudget

    /// The batch for `a`: its widest per-segment array is the input, a convolutional layer's
    /// output, or a recurrent layer's gates over every step (bounded by the input's frames).
    public static func batchSize(for a: BundleManifest.Architecture) -> Int {
        let steps = a.input.first ?? 1
        let gates = a.layers.map { ($0.units ?? 0) * ($0.gateOrder?.count ?? 0) * steps }
        let widest = ([a.widestActivation] + gates).max() ?? 1
        return max(1, min(64, activationBudget / max(widest, 1)))
    }

    /// - Throws: `BundleError` when the bundle's feature parameters do not give its frame count.
    public init(bundle: ModelBundle) throws(BundleError) {
        self.bundle = bundle
        model = bundle.model()
        normalization = bundle.normalization
        let f = bundle.manifest.features
        let p = f.mfccParameters
        guard p.frames(samples: f.samplesPerSegment) == f.framesPerSegment, f.samplesPerSegment > 0 else {
            throw BundleError(
                bundle.path, file: "manifest.json",
                "features: \(f.samplesPerSegment) samples do not give \(f.framesPerSegment) frames")
        }
        batchSize = Self.batchSize(for: bundle.manifest.architecture)
        extractor = MFCCExtractor(parameters: p)
        pipeline = SegmentPipeline(parameters: p, segmentLength: f.samplesPerSegment, kind: f.kind)
    }

    /// Classifies one file.
    /// - Throws: `AudioError` naming the file: it cannot be read or decoded, its rate cannot be
    ///   converted, it holds damaged samples, or no full segment.
    public func predict(path: String) throws -> FilePrediction {
        try predict(file: try SoundFile(path: path))
    }

    /// Classifies an open file (audio in memory, say); the prediction and messages name
    /// `file.name`.
    public func predict(file: SoundFile) throws -> FilePrediction {
        let path = file.name
        let genres = bundle.manifest.genres.count
        var perSegment: [[Float]] = []
        var batch: [Float] = []
        var inBatch = 0
        func flush() {
            let probabilities = segmentProbabilities(batch, count: inBatch)
            for s in 0..<inBatch { perSegment.append(Array(probabilities[(s * genres)..<((s + 1) * genres)])) }
            batch.removeAll(keepingCapacity: true)
            inBatch = 0
        }
        let summary = try pipeline.run(file: file, extractor: extractor) { _, features in
            batch += features
            inBatch += 1
            if inBatch == batchSize { flush() }
        }
        if inBatch > 0 { flush() }
        guard summary.segments > 0 else {
            let rate = bundle.manifest.features.sampleRate
            throw AudioError.unusable(
                path: path,
                message: String(
                    format: "too short: %.2f s of audio, shorter than one %.2f s segment", summary.seconds,
                    Double(pipeline.segmentLength) / Double(rate)))
        }
        // The file's ranking: the segments' mean, summed in segment order.
        var sums = [Double](repeating: 0, count: genres)
        for segment in perSegment { for g in 0..<genres { sums[g] += Double(segment[g]) } }
        return FilePrediction(
            file: path, sampleRate: summary.sampleRate, channels: summary.channels, seconds: summary.seconds,
            conversions: summary.conversions, segments: summary.segments,
            ranking: rank(sums.map { $0 / Double(summary.segments) }), segmentProbabilities: perSegment,
            genres: bundle.manifest.genres)
    }

    /// Softmax probabilities of segments' features.
    /// - Parameters:
    ///   - features: `[count, frames, width]`, as `prepare` writes them (not normalised).
    ///   - count: segments.
    /// - Returns: `[count, genres]`.
    public func segmentProbabilities(_ features: [Float], count: Int) -> [Float] {
        var x = features
        normalization?.apply(&x)
        let f = bundle.manifest.features
        let logits = model.forward(Tensor(shape: [count, f.framesPerSegment, f.width], values: x), training: false)
        return SoftmaxCrossEntropy.evaluate(logits: logits, labels: [Int](repeating: 0, count: count)).probabilities
            .values
    }

    /// Genres ranked by their mean probability, most probable first (ties in genre order).
    func rank(_ means: [Double]) -> [GenreProbability] {
        let genres = bundle.manifest.genres
        return genres.indices.sorted { means[$0] != means[$1] ? means[$0] > means[$1] : $0 < $1 }.map {
            GenreProbability(genre: genres[$0], probability: means[$0])
        }
    }
}
