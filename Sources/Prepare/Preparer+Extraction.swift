import Archive
import Audio
import Crypto
import Dataset
import Features
import Foundation

/// Computing the features of every kept segment, on all cores.
extension Preparer {
    /// MFCCs of every kept segment of every track, `[segments * frames * nMFCC]` per track, on
    /// `jobs` threads, each with its own extractor. What is decoded now is checked, not what
    /// the validation report says: a track that no longer decodes, holds damaged samples or
    /// changed its rate is skipped, and one that got shorter loses the segments it no longer
    /// fills.
    func extract(
        _ tracks: [Chosen], root: String, skipped: inout [DatasetDescription.Skipped],
        dropped: inout [DatasetDescription.DroppedSegment]
    ) throws -> [[Float]?] {
        let results = UnsafeMutableBufferPointer<Result<(features: [Float], segments: Int), any Error>?>.allocate(
            capacity: tracks.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        let counter = Counter()
        let pipeline = SegmentPipeline(parameters: options.parameters, segmentLength: segmenter.length)
        let progress = self.progress
        let total = tracks.count
        DispatchQueue.concurrentPerform(iterations: max(1, min(options.jobs, tracks.count))) { _ in
            let extractor = MFCCExtractor(parameters: pipeline.parameters)
            while Interruption.shared.receivedSignal == nil, let i = counter.next(below: total) {
                slots[i] = Result {
                    var features: [Float] = []
                    let summary = try pipeline.run(
                        path: root + "/" + tracks[i].path, extractor: extractor, maxSegments: tracks[i].segments.count
                    ) { _, mfcc in features += mfcc }
                    guard summary.sampleRate == pipeline.parameters.sampleRate else {
                        throw AudioError.unusable(
                            path: tracks[i].path,
                            message: "now \(summary.sampleRate) Hz: the file changed since it was validated")
                    }
                    return (features, summary.segments)
                }
                progress?.update("\(counter.done()) of \(total) tracks")
            }
        }
        progress?.finish()
        try Interruption.shared.check()
        return tracks.indices.map { i in
            switch results[i]! {
            case .success(let (values, count)) where count > 0:
                for d in tracks[i].segments.dropFirst(count) {
                    dropped.append(
                        .init(
                            id: tracks[i].id, segment: d,
                            reason: "the file changed since it was validated: it ends sooner"))
                }
                return values
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

/// A shared work counter for the extraction threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0
    private var finished = 0

    /// The next index below `limit`, or nil when all are issued.
    func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard issued < limit else { return nil }
        issued += 1
        return issued - 1
    }

    /// Counts one finished item and returns how many are finished.
    func done() -> Int {
        lock.lock()
        defer { lock.unlock() }
        finished += 1
        return finished
    }
}
