import Archive
import Audio
import Basics
import Dataset
import Features
import Formats
import Foundation

/// Computing the features of every kept segment, on all cores.
extension Preparer {
    /// Where a track's features are in the store, and how many segments it holds.
    struct Stored: Sendable {
        var key: Int
        var segments: Int
        /// The file carries `SyntheticMarker`'s tag.
        var synthetic = false
        /// How the audio was converted for the features (mixed down, resampled); empty if not.
        var conversions: [String] = []
    }

    /// Validates the folder and computes each track's features in the same decoding pass (a
    /// 16-bit track at the feature rate is decoded once, not once to validate and again to
    /// extract), storing them under the track's number as it finishes.
    /// - Returns: the report, and the stored features by the track's full path.
    func validateAndExtract(_ directory: String, into store: FeatureStore) throws -> (
        ValidationReport, [String: Stored]
    ) {
        let pipeline = SegmentPipeline(
            parameters: options.parameters, segmentLength: segmenter.length, kind: options.features)
        let extractors = ExtractorPool(parameters: options.parameters)
        let outcome = PrefetchOutcome()
        let maxSegments = options.segments
        let report = try Validator(manifest: manifest, progress: progress).validate(directory: directory) {
            index, path in
            guard Interruption.shared.receivedSignal == nil else {
                return .failure(.unreadable(path: path, message: "interrupted"))
            }
            let extractor = extractors.take()
            defer { extractors.give(extractor) }
            let (summary, probe) = pipeline.runProbing(path: path, extractor: extractor, maxSegments: maxSegments) {
                _, segment in
                do { try store.append(segment, track: index) } catch {
                    outcome.fail(error)
                    throw error
                }
            }
            if case .success(let s) = summary, s.segments > 0 {
                outcome.record(path, Stored(summary: s, key: index))
            } else {
                store.discard(track: index)
            }
            return probe
        }
        try Interruption.shared.check()
        return (report, try outcome.stored())
    }

    /// MFCCs of every kept segment of every track, `[segments * frames * nMFCC]` per track, on
    /// `jobs` threads, each with its own extractor, into `store` as each track finishes; tracks
    /// in `prefetched` (computed while validating) are not decoded again. What is decoded now is
    /// checked, not what the validation report says: a track that no longer decodes, holds
    /// damaged samples or changed its rate is skipped, and one that got shorter loses the
    /// segments it no longer fills.
    /// - Returns: where each track's features are, nil for a skipped one.
    func extract(
        _ tracks: [Chosen], root: String, into store: FeatureStore, prefetched: [String: Stored],
        skipped: inout [DatasetDescription.Skipped], dropped: inout [DatasetDescription.DroppedSegment]
    ) throws -> [Stored?] {
        let pipeline = SegmentPipeline(
            parameters: options.parameters, segmentLength: segmenter.length, kind: options.features)
        let progress = self.progress
        let standardRoot = URL(fileURLWithPath: root).standardizedFileURL.path
        let ready = tracks.map { prefetched[standardRoot + "/" + $0.path] }
        let missing = tracks.indices.filter { ready[$0] == nil }
        let total = missing.count
        let results = ConcurrentMap.results(
            count: total, threads: options.jobs, setUp: { _ in MFCCExtractor(parameters: pipeline.parameters) },
            stop: { Interruption.shared.receivedSignal != nil },
            finished: { done in progress?.update("\(done) of \(total) tracks") }
        ) { extractor, m in
            let i = missing[m]
            // Keys below zero: the validation pass stored its tracks under their numbers.
            let summary = try pipeline.run(
                path: root + "/" + tracks[i].path, extractor: extractor, maxSegments: tracks[i].segments.count
            ) { _, segment in
                do { try store.append(segment, track: -1 - i) } catch { throw StoreFailure(error: error) }
            }
            return Stored(summary: summary, key: -1 - i)
        }
        progress?.finish()
        try Interruption.shared.check()
        for case .failure(let failure as StoreFailure)? in results { throw failure.error }
        var outcomes = ready.map { $0.map { Result<Stored, any Error>.success($0) } }
        for (m, i) in missing.enumerated() { outcomes[i] = results[m]! }
        return tracks.indices.map { i in
            switch outcomes[i]! {
            case .success(var stored) where stored.segments > 0:
                stored.segments = min(stored.segments, tracks[i].segments.count)
                let why =
                    stored.conversions.isEmpty
                    ? "the file changed since it was validated: it ends sooner"
                    : "converted, the track ends before this segment does"
                for d in tracks[i].segments.dropFirst(stored.segments) {
                    dropped.append(.init(id: tracks[i].id, segment: d, reason: why))
                }
                return stored
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

extension Preparer.Stored {
    init(summary: SegmentPipeline.Summary, key: Int) {
        self.init(
            key: key, segments: summary.segments, synthetic: SyntheticMarker.marks(summary.software),
            conversions: summary.conversions)
    }
}

/// Extractors for the validation pass's threads, each used by one thread at a time (FFTW plans
/// and scratch buffers are not shared).
final class ExtractorPool: @unchecked Sendable {
    private let parameters: MFCCParameters
    private let lock = NSLock()
    private var free: [MFCCExtractor] = []

    init(parameters: MFCCParameters) { self.parameters = parameters }

    func take() -> MFCCExtractor {
        lock.withLock { free.popLast() } ?? MFCCExtractor(parameters: parameters)
    }

    func give(_ extractor: MFCCExtractor) { lock.withLock { free.append(extractor) } }
}

/// What the validation pass stored, and the first failure to store (a full disk).
final class PrefetchOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var byPath: [String: Preparer.Stored] = [:]
    private var failure: (any Error)?

    func record(_ path: String, _ stored: Preparer.Stored) { lock.withLock { byPath[path] = stored } }
    func fail(_ error: any Error) { lock.withLock { failure = failure ?? error } }

    func stored() throws -> [String: Preparer.Stored] {
        try lock.withLock {
            if let failure { throw failure }
            return byPath
        }
    }
}

/// Storing a track's features failed (a full disk): the job cannot go on, unlike a track that
/// cannot be decoded, which is skipped.
struct StoreFailure: Error {
    let error: any Error
}
