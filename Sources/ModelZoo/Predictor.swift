import Audio
import Features
import Foundation
import NeuralNet

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
}

/// Classifies audio with a verified bundle: decode (libsndfile), mix down to mono, resample to
/// the bundle's rate when it differs (libsamplerate's best sinc converter), cut every full segment
/// of the bundle's length, MFCCs with the bundle's parameters, normalise as the bundle says, run
/// the network, average the segments' probabilities.
public final class Predictor {
    public let bundle: Bundle
    let model: Sequential
    let normalization: Normalization?
    let extractor: MFCCExtractor
    let segmentLength: Int

    /// - Throws: `BundleError` when the bundle's feature parameters do not give its frame count.
    public init(bundle: Bundle) throws(BundleError) {
        self.bundle = bundle
        model = bundle.model()
        normalization = bundle.normalization
        let f = bundle.manifest.features
        var p = MFCCParameters()
        p.sampleRate = f.sampleRate
        p.nFFT = f.nFFT
        p.hopLength = f.hopLength
        p.nMels = f.nMels
        p.nMFCC = f.nMFCC
        p.fMin = f.fMin
        p.fMax = f.fMax
        p.center = f.center
        p.amin = f.powerToDB["amin"] ?? p.amin
        p.topDB = f.powerToDB["topDB"] ?? p.topDB
        guard p.frames(samples: f.samplesPerSegment) == f.framesPerSegment, f.samplesPerSegment > 0 else {
            throw BundleError(
                bundle.path, file: "manifest.json",
                "features: \(f.samplesPerSegment) samples do not give \(f.framesPerSegment) frames")
        }
        extractor = MFCCExtractor(parameters: p)
        segmentLength = f.samplesPerSegment
    }

    /// Classifies one file.
    /// - Throws: `AudioError` naming the file: it cannot be decoded, or holds no full segment.
    public func predict(path: String) throws(AudioError) -> FilePrediction {
        let decoded = try Sndfile.decodeFloat(path: path)
        let rate = bundle.manifest.features.sampleRate
        var conversions: [String] = []
        var mono = Resampler.mixdown(decoded.samples, channels: decoded.channels)
        if decoded.channels > 1 { conversions.append("\(decoded.channels) channels mixed down to mono") }
        if decoded.sampleRate != rate {
            mono = try Resampler.resample(mono, from: decoded.sampleRate, to: rate, name: path)
            conversions.append(
                "resampled \(decoded.sampleRate) Hz -> \(rate) Hz (libsamplerate, \(Resampler.converterName))")
        }
        let seconds =
            decoded.sampleRate > 0
            ? Double(decoded.samples.count / max(decoded.channels, 1)) / Double(decoded.sampleRate) : 0
        let count = mono.count / segmentLength
        guard count > 0 else {
            throw .undecodable(
                path: path,
                message:
                    String(
                        format: "%.2f s of audio, shorter than one %.2f s segment", seconds,
                        Double(segmentLength) / Double(rate)))
        }
        let probabilities = mono.withUnsafeBufferPointer { all in
            segmentProbabilities(
                (0..<count).flatMap { d in
                    extractor.mfcc(
                        samples: UnsafeBufferPointer(rebasing: all[(d * segmentLength)..<((d + 1) * segmentLength)]))
                }, count: count)
        }
        return FilePrediction(
            file: path, sampleRate: decoded.sampleRate, channels: decoded.channels, seconds: seconds,
            conversions: conversions, segments: count, ranking: rank(probabilities, count: count))
    }

    /// Softmax probabilities of segments' MFCCs.
    /// - Parameters:
    ///   - mfcc: `[count, frames, nMFCC]`, as `prepare` writes them (not normalised).
    ///   - count: segments.
    /// - Returns: `[count, genres]`.
    public func segmentProbabilities(_ mfcc: [Float], count: Int) -> [Float] {
        var x = mfcc
        normalization?.apply(&x)
        let f = bundle.manifest.features
        let logits = model.forward(Tensor(shape: [count, f.framesPerSegment, f.nMFCC], values: x), training: false)
        return SoftmaxCrossEntropy.evaluate(logits: logits, labels: [Int](repeating: 0, count: count)).probabilities
            .values
    }

    /// Genres ranked by the mean of the segments' probabilities.
    func rank(_ probabilities: [Float], count: Int) -> [GenreProbability] {
        let genres = bundle.manifest.genres
        let means = genres.indices.map { g in
            (0..<count).reduce(0.0) { $0 + Double(probabilities[$1 * genres.count + g]) } / Double(count)
        }
        return genres.indices.sorted { means[$0] != means[$1] ? means[$0] > means[$1] : $0 < $1 }.map {
            GenreProbability(genre: genres[$0], probability: means[$0])
        }
    }
}
