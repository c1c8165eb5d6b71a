import Archive
import Audio
import Basics
import Features
import Formats
import Foundation

/// Writing the tensors: each split's `.npy` arrays, the `.npz` files and `dataset.json`.
extension Preparer {
    /// Each split's arrays as .npy bytes, the MFCCs copied once from the per-track features, and
    /// what each split holds.
    func encodeSplits(_ kept: [Chosen], features: [[Float]], partitions: [String: Partition]) -> (
        [[(String, [UInt8])]], [String: DatasetDescription.SplitSummary]
    ) {
        var encoded: [[(String, [UInt8])]] = []
        var summaries: [String: DatasetDescription.SplitSummary] = [:]
        let perSegment = self.perSegment
        for part in Partition.allCases {
            var rows: [(track: Int, segment: Int)] = []
            for (i, track) in kept.enumerated() {
                for d in track.segments where partitions[unitID(track.id, d)] == part { rows.append((i, d)) }
            }
            var mfcc = NPY.header(dtype: .float32, shape: [rows.count, frames, options.parameters.nMFCC])
            mfcc.reserveCapacity(mfcc.count + rows.count * perSegment * 4)
            for row in rows {
                let offset = kept[row.track].segments.firstIndex(of: row.segment)! * perSegment
                features[row.track].withUnsafeBytes {
                    mfcc.append(contentsOf: $0[offset * 4..<(offset + perSegment) * 4])
                }
            }
            encoded.append([
                ("mfcc", mfcc),
                ("label", NPY.encode(NPYArray(rows.map { Int64(kept[$0.track].label) }, shape: [rows.count]))),
                ("track", NPY.encode(NPYArray(rows.map { Int32($0.track) }, shape: [rows.count]))),
                ("segment", NPY.encode(NPYArray(rows.map { Int32($0.segment) }, shape: [rows.count]))),
            ])
            summaries[part.rawValue] = summary(rows, kept)
        }
        return (encoded, summaries)
    }

    func summary(_ rows: [(track: Int, segment: Int)], _ kept: [Chosen]) -> DatasetDescription.SplitSummary {
        var perGenre: [String: DatasetDescription.Counts] = [:]
        var trackIDs: [String] = []
        for row in rows {
            let track = kept[row.track]
            let isNew = trackIDs.last != track.id
            if isNew { trackIDs.append(track.id) }
            perGenre[track.genre, default: .init(tracks: 0, segments: 0)].segments += 1
            if isNew { perGenre[track.genre]!.tracks += 1 }
        }
        return .init(tracks: trackIDs, segments: rows.count, perGenre: perGenre)
    }

    /// Deflates the three files at once (zlib is single-threaded per stream) and records each
    /// one's SHA-256, size and segment count.
    func writeTensors(_ encoded: [[(String, [UInt8])]], counts: [Int], into output: StagedDirectory) throws
        -> [String: DatasetDescription.File]
    {
        let paths = Partition.allCases.map { output.path("\($0.rawValue).npz") }
        let written = ConcurrentMap.results(count: 3, threads: 3, setUp: { _ in () }) { _, i in
            try NPY.writeArchive(encoded: encoded[i], to: paths[i])
            let bytes = try Data(contentsOf: URL(fileURLWithPath: paths[i]))
            return DatasetDescription.File(sha256: sha256Hex(bytes), bytes: bytes.count, segments: counts[i])
        }
        var files: [String: DatasetDescription.File] = [:]
        for (i, part) in Partition.allCases.enumerated() {
            do { files["\(part.rawValue).npz"] = try written[i]!.get() } catch {
                throw FileError.io(
                    path: output.display("\(part.rawValue).npz"), message: StagedDirectory.reason(error))
            }
        }
        return files
    }

    func describe(
        directory: String, validation: String, kept: [Chosen], partitions: [String: Partition],
        summaries: [String: DatasetDescription.SplitSummary], files: [String: DatasetDescription.File],
        skipped: [DatasetDescription.Skipped], dropped: [DatasetDescription.DroppedSegment]
    ) -> DatasetDescription {
        DatasetDescription(
            generator: Self.generator,
            source: .init(path: directory, fingerprint: sourceFingerprint(kept), validation: validation),
            features: featureParameters(frames: frames), genres: manifest.genres, split: splitPolicy(),
            splits: summaries,
            tracks: kept.enumerated().map { i, t in
                let parts = Set(t.segments.compactMap { partitions[unitID(t.id, $0)] })
                return .init(
                    index: i, id: t.id, genre: t.genre, label: t.label,
                    split: options.unit == .track ? parts.first : nil, segments: t.segments)
            }, files: files,
            fingerprint: sha256Hex(
                Data(Partition.allCases.map { files["\($0.rawValue).npz"]!.sha256 }.joined().utf8)),
            skipped: skipped, droppedSegments: dropped)
    }
}
