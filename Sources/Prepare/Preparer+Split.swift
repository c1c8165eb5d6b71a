import Archive
import Audio
import Basics
import Dataset
import Features
import Formats
import Foundation

/// Assigning tracks (or segments) to train, validation and test.
extension Preparer {
    /// The split unit's id: the track id, or `id#segment`.
    func unitID(_ id: String, _ segment: Int) -> String { unit == .segment ? "\(id)#\(segment)" : id }

    /// The group a track is split with: its artist by the index, or itself when unknown.
    func group(of id: String) -> String { manifest.artists?.artist(of: id) ?? id }

    /// What the split deals units into: train, val and test, or `fold0` to `fold<K-1>`.
    public var bins: [String] {
        options.folds.map { k in (0..<k).map { "fold\($0)" } } ?? Partition.allCases.map(\.rawValue)
    }

    /// The grouped split for these options: K folds of 1/K, or the three ratios.
    var groupedSplit: GroupedSplit {
        options.folds.map { GroupedSplit(folds: $0, seed: options.split.seed) } ?? GroupedSplit(options.split)
    }

    /// The line prepare prints under a grouped split: how far the shares each genre reached
    /// (`dataset.json` `split.achieved`) are from those asked for.
    public func gapLine(_ achieved: [String: [String: Double]]) -> String {
        GroupedSplit.gapLine(
            achieved, requested: Dictionary(uniqueKeysWithValues: zip(bins, groupedSplit.shares)),
            label: "\(unit.rawValue) \(options.folds == nil ? "split" : "folds")")
    }

    /// The bin of every unit (an index into `bins`); with a published list, tracks outside it
    /// are recorded as skipped.
    func deal(_ chosen: [Chosen], skipped: inout [DatasetDescription.Skipped]) throws -> [String: Int] {
        let (assigned, outside) = try assignBins(chosen.map { (id: $0.id, genre: $0.genre, segments: $0.segments) })
        for id in outside { skipped.append(.init(id: id, reason: "not in the split list '\(options.splitList!)'")) }
        return assigned
    }

    /// The partition of each unit (`id` when splitting by track or artist, `id#segment` by
    /// segment), and the track ids a published split list leaves out.
    /// - Parameter tracks: every usable track with its segment indices.
    public func assignPartitions(_ tracks: [(id: String, genre: String, segments: [Int])]) throws
        -> (partitions: [String: Partition], outsideList: [String])
    {
        guard options.folds == nil else { throw PrepareError.unsupported("folds are not partitions: use assignBins") }
        let (assigned, outside) = try assignBins(tracks)
        return (assigned.mapValues { Partition.allCases[$0] }, outside)
    }

    /// The bin of each unit, and the track ids a published split list leaves out.
    public func assignBins(_ tracks: [(id: String, genre: String, segments: [Int])]) throws
        -> (bins: [String: Int], outsideList: [String])
    {
        var result: [String: Int] = [:]
        if let name = options.splitList {
            let lists = try loadSplitList(name)
            var outside: [String] = []
            for track in tracks {
                guard let part = lists[track.id] else {
                    outside.append(track.id)
                    continue
                }
                for d in track.segments { result[unitID(track.id, d)] = Partition.allCases.firstIndex(of: part)! }
            }
            return (result, outside)
        }
        let assigned: [String: Int]
        if unit == .artist || options.folds != nil {
            assigned = groupedSplit.deal(
                tracks.map { (id: $0.id, genre: $0.genre, group: unit == .artist ? group(of: $0.id) : $0.id) },
                genres: manifest.genres)
        } else {
            let units =
                unit == .track
                ? tracks.map { (id: $0.id, genre: $0.genre) }
                : tracks.flatMap { t in t.segments.map { (id: unitID(t.id, $0), genre: t.genre) } }
            assigned = options.split.assign(units, genres: manifest.genres).mapValues {
                Partition.allCases.firstIndex(of: $0)!
            }
        }
        for track in tracks {
            for d in track.segments { result[unitID(track.id, d)] = assigned[unitID(track.id, d)] }
        }
        return (result, [])
    }

    /// A split list by manifest name or from a JSON file `{"train": [...], "val": [...], "test": [...]}`.
    func loadSplitList(_ name: String) throws -> [String: Partition] {
        let lists: [String: [String]]
        if let published = manifest.splits[name] {
            lists = ["train": published.train, "val": published.val, "test": published.test]
        } else if let data = FileManager.default.contents(atPath: name) {
            do {
                lists = try JSONDecoder().decode([String: [String]].self, from: data)
            } catch {
                throw FileError.io(
                    path: name,
                    message: "not a split list: expected {\"train\": [ids], \"val\": [ids], \"test\": [ids]}")
            }
        } else {
            let known = manifest.splits.keys.sorted().joined(separator: ", ")
            throw FileError.io(
                path: name, message: "neither a split list of the manifest (\(known)) nor a readable file")
        }
        let unknown = Set(lists.keys).subtracting(Partition.allCases.map(\.rawValue))
        guard unknown.isEmpty else {
            throw PrepareError.badSplitList(
                path: name,
                message: "has lists \(unknown.sorted().joined(separator: ", ")); expected train, val and test")
        }
        var result: [String: Partition] = [:]
        for part in Partition.allCases {
            for id in lists[part.rawValue] ?? [] {
                if let other = result[id], other != part {
                    throw PrepareError.badSplitList(
                        path: name,
                        message: "puts \(EntryName.display(id)) in both \(other.rawValue) and \(part.rawValue)")
                }
                result[id] = part
            }
        }
        return result
    }

    /// The ids a split list names that the dataset does not hold at all (not merely skipped).
    func absentFromDataset(_ report: ValidationReport) throws -> [String] {
        guard let name = options.splitList else { return [] }
        let present = Set(report.tracks.map(\.id))
        return try loadSplitList(name).keys.filter { !present.contains($0) }.sorted()
    }
}
