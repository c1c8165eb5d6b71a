import Archive
import Audio
import Basics
import Dataset
import Features
import Formats
import Foundation

/// Choosing the tracks: the validation report, and which tracks are usable.
extension Preparer {
    /// `validation.json` if the folder has one (as `unpack` writes it), else a fresh validation
    /// that computes the features in the same pass (into `store`; returned by track path).
    func loadReport(_ directory: String, store: FeatureStore) throws -> (ValidationReport, String, [String: Stored]) {
        let path = directory + "/validation.json"
        if let data = FileManager.default.contents(atPath: path) {
            return (try Self.validationReport(data, path: path), "validation.json", [:])
        }
        let (report, stored) = try validateAndExtract(directory, into: store)
        return (report, "validated now", stored)
    }

    /// A folder's validation.json, decoded; the error names `path`.
    static func validationReport(_ data: Data, path: String) throws(FileError) -> ValidationReport {
        do { return try JSONDecoder().decode(ValidationReport.self, from: data) } catch {
            throw .io(
                path: path,
                message: "not a validation report (\(JSONProblem.describe(error))); remove it to validate anew")
        }
    }

    /// The usable tracks, in label order then id; everything else is recorded with its reason.
    func choose(
        _ report: ValidationReport, skipped: inout [DatasetDescription.Skipped],
        dropped: inout [DatasetDescription.DroppedSegment]
    ) throws -> [Chosen] {
        var seen: [String: String] = [:]
        var chosen: [Chosen] = []
        let ordered = report.tracks.sorted {
            (manifest.genres.firstIndex(of: $0.genre) ?? Int.max, $0.id) < (
                manifest.genres.firstIndex(of: $1.genre) ?? Int.max, $1.id
            )
        }
        for track in ordered {
            guard track.status != .corrupt, let audio = track.audio else {
                let why = track.problems.map { "\($0.code.rawValue): \($0.message)" }.joined(separator: "; ")
                skipped.append(.init(id: track.id, reason: "corrupt (\(why))"))
                continue
            }
            guard let label = manifest.genres.firstIndex(of: track.genre) else {
                skipped.append(
                    .init(id: track.id, reason: "genre '\(track.genre)' is not one of the \(manifest.name) genres"))
                continue
            }
            guard Resampler.supportedRates.contains(audio.sampleRate) else {
                skipped.append(
                    .init(
                        id: track.id,
                        reason:
                            "\(audio.sampleRate) Hz; GenreKit converts \(Resampler.supportedRates.lowerBound) to \(Resampler.supportedRates.upperBound) Hz"
                    ))
                continue
            }
            if !options.keepDuplicates, let first = seen[audio.fingerprint] {
                skipped.append(
                    .init(
                        id: track.id,
                        reason: "identical audio to \(first), which is used instead (no leak across splits)"))
                continue
            }
            seen[audio.fingerprint] = track.id
            let segments = Array(
                segmenter.segments(samples: convertedLength(audio.frames, from: audio.sampleRate)).indices)
            // Only a dataset of fixed length misses segments; others just have fewer.
            for d in segments.count..<options.segments where manifest.audio != nil {
                dropped.append(.init(id: track.id, segment: d, reason: "the track ends at \(audio.seconds) s"))
            }
            guard !segments.isEmpty else {
                skipped.append(.init(id: track.id, reason: "no full segment (\(audio.seconds) s)"))
                continue
            }
            chosen.append(
                Chosen(
                    id: track.id, genre: track.genre, label: label, path: track.path, fingerprint: audio.fingerprint,
                    segments: segments))
        }
        return chosen
    }

    /// Samples `frames` at `rate` become at the feature rate: libsamplerate's count,
    /// `round(frames * to / from)`, or `frames` when the rates agree.
    func convertedLength(_ frames: Int, from rate: Int) -> Int {
        let target = options.parameters.sampleRate
        return rate == target || rate <= 0 ? frames : Int((Double(frames) * Double(target) / Double(rate)).rounded())
    }
}
