import Basics
import Formats
import Foundation

/// The split GenreKit makes, a deterministic function of the unit ids and the seed that anyone
/// can reproduce (README.md, "The split", has it in Python):
///
/// For each genre, in the manifest's order: sort the genre's unit ids (byte order); shuffle them
/// with Fisher-Yates, `for i in n-1 down to 1: j = next() % (i + 1); swap(i, j)`, where `next()`
/// is SplitMix64 seeded with `seed XOR fnv1a64(genre)`; the first `floor(n * train + 0.5)` go to
/// train, the next `floor(n * val + 0.5)` (fewer if that passes n) to val, the rest to test.
/// Each genre's share of each partition is within one unit of its target.
public struct StratifiedSplit: Codable, Sendable, Equatable {
    public var train: Double
    public var val: Double
    public var test: Double
    public var seed: UInt64

    public init(train: Double = 0.6, val: Double = 0.2, test: Double = 0.2, seed: UInt64 = 42) {
        self.train = train
        self.val = val
        self.test = test
        self.seed = seed
    }

    /// The ratios as percentages, `60/20/20`.
    public var text: String {
        [train, val, test].map { String(format: "%g", ($0 * 1000).rounded() / 10) }.joined(separator: "/")
    }

    /// Parses `60/20/20` (or `0.7/0.15/0.15`): three non-negative parts, scaled to sum to 1.
    public static func ratios(_ text: String) -> (Double, Double, Double)? {
        let parts = text.split(separator: "/").compactMap { Double($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 >= 0 }), parts.reduce(0, +) > 0 else { return nil }
        let total = parts.reduce(0, +)
        return (parts[0] / total, parts[1] / total, parts[2] / total)
    }

    /// Assigns every unit to a partition.
    /// - Parameter units: (unit id, genre); ids unique.
    /// - Returns: the partition of each unit id.
    public func assign(_ units: [(id: String, genre: String)], genres: [String]) -> [String: Partition] {
        var byGenre: [String: [String]] = [:]
        for unit in units { byGenre[unit.genre, default: []].append(unit.id) }
        var result: [String: Partition] = [:]
        for genre in Self.order(genres, present: byGenre.keys) {
            guard let unsorted = byGenre[genre] else { continue }
            let ids = shuffled(unsorted, genre: genre)
            let n = Double(ids.count)
            let nTrain = Int((n * train + 0.5).rounded(.down))
            let nVal = min(Int((n * val + 0.5).rounded(.down)), ids.count - nTrain)
            for (i, id) in ids.enumerated() {
                result[id] = i < nTrain ? .train : i < nTrain + nVal ? .val : .test
            }
        }
        return result
    }

    /// The genres in the order splits take them: the manifest's, then any others, sorted.
    static func order(_ genres: [String], present: some Sequence<String>) -> [String] {
        genres + Set(present).subtracting(genres).sorted()
    }

    /// `ids` sorted (byte order), then shuffled with Fisher-Yates, `for i in n-1 down to 1:
    /// j = next() % (i + 1); swap(i, j)`, `next()` being SplitMix64 seeded with
    /// `seed XOR fnv1a64(genre)`: the order both splits deal a genre's units in.
    func shuffled(_ ids: [String], genre: String) -> [String] {
        var ids = ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var random = SplitMix64(seed: seed ^ FNV1a.hash64(genre))
        if ids.count > 1 {
            for i in stride(from: ids.count - 1, to: 0, by: -1) { ids.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        }
        return ids
    }
}
