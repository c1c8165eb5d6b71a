import Archive
import Audio
import Basics
import Features
import Formats
import Foundation

/// Writing the tensors: each split's `.npy` arrays, the `.npz` files and `dataset.json`.
extension Preparer {
    /// A tensor file to write: its name, arrays and segment count.
    struct TensorFile: Sendable {
        var name: String
        var members: [NPY.Member]
        var segments: Int
    }

    /// The tensor files: one per partition, or `folds.npz` with every fold's rows in fold order
    /// and a `fold` array; and what each bin holds. The MFCCs are streamed from `store` segment by
    /// segment as a file is written, the small arrays encoded.
    func tensorFiles(_ kept: [Chosen], keys: [Int], store: FeatureStore, bins: [String: Int])
        -> ([TensorFile], [String: DatasetDescription.SplitSummary])
    {
        var rowsOfBin: [[(track: Int, segment: Int)]] = []
        var summaries: [String: DatasetDescription.SplitSummary] = [:]
        for (b, name) in self.bins.enumerated() {
            var rows: [(track: Int, segment: Int)] = []
            for (i, track) in kept.enumerated() {
                for d in track.segments where bins[unitID(track.id, d)] == b { rows.append((i, d)) }
            }
            rowsOfBin.append(rows)
            summaries[name] = summary(rows, kept)
        }
        guard options.folds != nil else {
            let files = zip(self.bins, rowsOfBin).map { name, rows in
                TensorFile(
                    name: "\(name).npz", members: arrays(rows, kept, keys: keys, store: store), segments: rows.count)
            }
            return (files, summaries)
        }
        let rows = rowsOfBin.flatMap { $0 }
        let fold = rowsOfBin.enumerated().flatMap { b, rows in [Int32](repeating: Int32(b), count: rows.count) }
        let members =
            arrays(rows, kept, keys: keys, store: store)
            + [.encoded("fold", NPY.encode(NPYArray(fold, shape: [fold.count])))]
        return ([TensorFile(name: "folds.npz", members: members, segments: rows.count)], summaries)
    }

    /// The arrays of `rows`: the features (`mfcc` or `mel`, streamed from the store), `label`,
    /// `track`, `segment`.
    func arrays(_ rows: [(track: Int, segment: Int)], _ kept: [Chosen], keys: [Int], store: FeatureStore)
        -> [NPY.Member]
    {
        let positions = rows.map { (key: keys[$0.track], at: kept[$0.track].segments.firstIndex(of: $0.segment)!) }
        let features = NPY.Member.streamed(
            options.features.rawValue, dtype: .float32, shape: [rows.count, frames, width]
        ) { write in
            var segment = [Float](repeating: 0, count: store.perSegment)
            for row in positions {
                try segment.withUnsafeMutableBufferPointer {
                    try store.read(track: row.key, segment: row.at, into: $0)
                }
                try segment.withUnsafeBytes { try write($0) }
            }
        }
        return [
            features,
            .encoded("label", NPY.encode(NPYArray(rows.map { Int64(kept[$0.track].label) }, shape: [rows.count]))),
            .encoded("track", NPY.encode(NPYArray(rows.map { Int32($0.track) }, shape: [rows.count]))),
            .encoded("segment", NPY.encode(NPYArray(rows.map { Int32($0.segment) }, shape: [rows.count]))),
        ]
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

    /// Writes the files at once (zlib is single-threaded per stream, when they are deflated) and
    /// records each one's SHA-256, size and segment count.
    func writeTensors(_ tensors: [TensorFile], into output: StagedDirectory) throws
        -> [String: DatasetDescription.File]
    {
        let paths = tensors.map { output.path($0.name) }
        let compression = options.compression
        let written = ConcurrentMap.results(count: tensors.count, threads: tensors.count, setUp: { _ in () }) { _, i in
            let written = try NPY.writeArchive(tensors[i].members, to: paths[i], compression: compression)
            return DatasetDescription.File(sha256: written.sha256, bytes: written.bytes, segments: tensors[i].segments)
        }
        var files: [String: DatasetDescription.File] = [:]
        for (i, tensor) in tensors.enumerated() {
            do { files[tensor.name] = try written[i]!.get() } catch {
                throw FileError.io(path: output.display(tensor.name), message: StagedDirectory.reason(error))
            }
        }
        return files
    }

    func describe(
        directory: String, validation: String, kept: [Chosen], bins: [String: Int],
        summaries: [String: DatasetDescription.SplitSummary], files: [String: DatasetDescription.File],
        skipped: [DatasetDescription.Skipped], dropped: [DatasetDescription.DroppedSegment], syntheticTracks: Int
    ) -> DatasetDescription {
        var policy = splitPolicy()
        if unit == .artist || options.folds != nil {
            // One entry per id: two files of one id (kept with --keep-duplicates) share a bin.
            policy.achieved = GroupedSplit.shares(
                Dictionary(kept.map { ($0.id, self.bins[bins[$0.id]!]) }, uniquingKeysWith: { first, _ in first }),
                genreOf: Dictionary(kept.map { ($0.id, $0.genre) }, uniquingKeysWith: { first, _ in first }),
                names: self.bins)
        }
        let order = options.folds == nil ? Partition.allCases.map { "\($0.rawValue).npz" } : ["folds.npz"]
        var description = DatasetDescription(
            generator: Self.generator,
            source: .init(
                path: directory, fingerprint: sourceFingerprint(kept), validation: validation,
                syntheticTracks: syntheticTracks),
            features: featureParameters(frames: frames), genres: manifest.genres, split: policy,
            splits: summaries,
            tracks: kept.enumerated().map { i, t in
                let binsOfTrack = Set(t.segments.compactMap { bins[unitID(t.id, $0)] })
                var track = DatasetDescription.Track(
                    index: i, id: t.id, genre: t.genre, label: t.label, segments: t.segments)
                if unit != .segment, let b = binsOfTrack.first {
                    if options.folds == nil { track.split = Partition.allCases[b] } else { track.fold = b }
                }
                if unit == .artist { track.group = group(of: t.id) }
                if !t.conversions.isEmpty { track.conversions = t.conversions }
                return track
            }, files: files,
            fingerprint: sha256Hex(Data(order.map { files[$0]!.sha256 }.joined().utf8)),
            skipped: skipped, droppedSegments: dropped)
        description.dataset = manifest.name
        return description
    }
}
