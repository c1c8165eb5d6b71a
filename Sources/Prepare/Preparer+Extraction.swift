import Archive
import Audio
import Basics
import Features
import Formats
import Foundation

/// Computing the features of every kept segment, on all cores.
extension Preparer {
    /// MFCCs of every kept segment of every track, `[segments * frames * nMFCC]` per track, on
    /// `jobs` threads, each with its own extractor, into `store` as each track finishes. What is
    /// decoded now is checked, not what the validation report says: a track that no longer
    /// decodes, holds damaged samples or changed its rate is skipped, and one that got shorter
    /// loses the segments it no longer fills.
    /// - Returns: the segments stored for each track, nil for a skipped one.
    func extract(
        _ tracks: [Chosen], root: String, into store: FeatureStore, skipped: inout [DatasetDescription.Skipped],
        dropped: inout [DatasetDescription.DroppedSegment]
    ) throws -> [Int?] {
        let pipeline = SegmentPipeline(parameters: options.parameters, segmentLength: segmenter.length)
        let progress = self.progress
        let total = tracks.count
        let results = ConcurrentMap.results(
            count: total, threads: options.jobs, setUp: { _ in MFCCExtractor(parameters: pipeline.parameters) },
            stop: { Interruption.shared.receivedSignal != nil },
            finished: { done in progress?.update("\(done) of \(total) tracks") }
        ) { extractor, i in
            var features: [Float] = []
            let summary = try pipeline.run(
                path: root + "/" + tracks[i].path, extractor: extractor, maxSegments: tracks[i].segments.count
            ) { _, mfcc in features += mfcc }
            guard summary.sampleRate == pipeline.parameters.sampleRate else {
                throw AudioError.unusable(
                    path: tracks[i].path,
                    message: "now \(summary.sampleRate) Hz: the file changed since it was validated")
            }
            do { try store.store(features, track: i) } catch { throw StoreFailure(error: error) }
            return summary.segments
        }
        progress?.finish()
        try Interruption.shared.check()
        for case .failure(let failure as StoreFailure)? in results { throw failure.error }
        return tracks.indices.map { i in
            switch results[i]! {
            case .success(let count) where count > 0:
                for d in tracks[i].segments.dropFirst(count) {
                    dropped.append(
                        .init(
                            id: tracks[i].id, segment: d,
                            reason: "the file changed since it was validated: it ends sooner"))
                }
                return count
            case .success:
                skipped.append(
                    .init(id: tracks[i].id, reason: "no full segment now: the file changed since it was validated"))
                return nil
            case .failure(let error):
                skipped.append(.init(id: tracks[i].id, reason: "cannot use it now: \(error)"))
                return nil
            }
        }
    }
}

/// Storing a track's features failed (a full disk): the job cannot go on, unlike a track that
/// cannot be decoded, which is skipped.
struct StoreFailure: Error {
    let error: any Error
}
