import Archive
import Audio
import Basics
import Features
import Formats
import Foundation

/// Writing the tensors: each split's `.npy` arrays, the `.npz` files and `dataset.json`.
extension Preparer {
    /// Each split's arrays: the MFCCs streamed from `store` segment by segment as the file is
    /// written, the small ones encoded; and what each split holds.
    func splitMembers(
        _ kept: [Chosen], keys: [Int], store: FeatureStore, partitions: [String: Partition]
    ) -> ([[NPY.Member]], [String: DatasetDescription.SplitSummary]) {
        var members: [[NPY.Member]] = []
        var summaries: [String: DatasetDescription.SplitSummary] = [:]
        for part in Partition.allCases {
            var rows: [(track: Int, segment: Int)] = []
            for (i, track) in kept.enumerated() {
                for d in track.segments where partitions[unitID(track.id, d)] == part { rows.append((i, d)) }
            }
            let positions = rows.map { (key: keys[$0.track], at: kept[$0.track].segments.firstIndex(of: $0.segment)!) }
            let mfcc = NPY.Member.streamed(
                "mfcc", dtype: .float32, shape: [rows.count, frames, options.parameters.nMFCC]
            ) { write in
                var segment = [Float](repeating: 0, count: store.perSegment)
                for row in positions {
                    try segment.withUnsafeMutableBufferPointer {
                        try store.read(track: row.key, segment: row.at, into: $0)
                    }
                    try segment.withUnsafeBytes { try write($0) }
                }
            }
            members.append([
                mfcc,
                .encoded("label", NPY.encode(NPYArray(rows.map { Int64(kept[$0.track].label) }, shape: [rows.count]))),
                .encoded("track", NPY.encode(NPYArray(rows.map { Int32($0.track) }, shape: [rows.count]))),
                .encoded("segment", NPY.encode(NPYArray(rows.map { Int32($0.segment) }, shape: [rows.count]))),
            ])
            summaries[part.rawValue] = summary(rows, kept)
        }
        return (members, summaries)
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
    func writeTensors(_ members: [[NPY.Member]], counts: [Int], into output: StagedDirectory) throws
        -> [String: DatasetDescription.File]
    {
        let paths = Partition.allCases.map { output.path("\($0.rawValue).npz") }
        let written = ConcurrentMap.results(count: 3, threads: 3, setUp: { _ in () }) { _, i in
            let written = try NPY.writeArchive(members[i], to: paths[i])
            return DatasetDescription.File(sha256: written.sha256, bytes: written.bytes, segments: counts[i])
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
        var policy = splitPolicy()
        if unit == .artist {
            // One entry per id: two files of one id (kept with --keep-duplicates) share a partition.
            policy.achieved = GroupedSplit.shares(
                Dictionary(kept.map { ($0.id, partitions[$0.id]!) }, uniquingKeysWith: { first, _ in first }),
                genreOf: Dictionary(kept.map { ($0.id, $0.genre) }, uniquingKeysWith: { first, _ in first }))
        }
        return DatasetDescription(
            generator: Self.generator,
            source: .init(path: directory, fingerprint: sourceFingerprint(kept), validation: validation),
            features: featureParameters(frames: frames), genres: manifest.genres, split: policy,
            splits: summaries,
            tracks: kept.enumerated().map { i, t in
                let parts = Set(t.segments.compactMap { partitions[unitID(t.id, $0)] })
                var track = DatasetDescription.Track(
                    index: i, id: t.id, genre: t.genre, label: t.label,
                    split: unit == .segment ? nil : parts.first, segments: t.segments)
                if unit == .artist { track.group = group(of: t.id) }
                return track
            }, files: files,
            fingerprint: sha256Hex(
                Data(Partition.allCases.map { files["\($0.rawValue).npz"]!.sha256 }.joined().utf8)),
            skipped: skipped, droppedSegments: dropped)
    }
}
