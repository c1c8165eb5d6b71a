import Formats

/// The artist-conscious split: stratified by genre, and every group (an artist, or a track with
/// no known artist on its own) in one partition. A deterministic function of the tracks, their
/// groups and the seed that anyone can reproduce (README.md, "The split", has it in Python):
///
/// 1. Each group's home genre is the genre holding most of its tracks (a tie goes to the genre
///    first in the manifest).
/// 2. For each genre in the manifest's order: sort the groups homed there by key (byte order);
///    shuffle them with Fisher-Yates as the track split does (SplitMix64 seeded with
///    `seed XOR fnv1a64(genre)`); the targets are `n * ratio` for each partition, n the tracks of
///    those groups; each group in turn goes to the partition with the largest `target - count`
///    (ties in the order train, val, test), and its tracks add to that count.
///
/// Groups are lumpy, so the shares only approach the ratios: `shares` says how far.
public struct GroupedSplit: Sendable, Equatable {
    public var ratios: StratifiedSplit

    public init(_ ratios: StratifiedSplit) { self.ratios = ratios }

    /// - Parameter tracks: (track id, genre, group key); ids unique.
    /// - Returns: the partition of each track id.
    public func assign(_ tracks: [(id: String, genre: String, group: String)], genres: [String]) -> [String: Partition]
    {
        let order = StratifiedSplit.order(genres, present: tracks.map(\.genre))
        var members: [String: [(id: String, genre: String)]] = [:]
        for t in tracks { members[t.group, default: []].append((t.id, t.genre)) }
        var homed: [String: [String]] = [:]
        for (group, tracks) in members {
            var counts: [String: Int] = [:]
            for t in tracks { counts[t.genre, default: 0] += 1 }
            let home = order.first { counts[$0] == counts.values.max() }!
            homed[home, default: []].append(group)
        }
        var result: [String: Partition] = [:]
        for genre in order {
            guard let unsorted = homed[genre] else { continue }
            let groups = ratios.shuffled(unsorted, genre: genre)
            let n = Double(groups.reduce(0) { $0 + members[$1]!.count })
            let targets = [ratios.train * n, ratios.val * n, ratios.test * n]
            var counts = [0.0, 0.0, 0.0]
            for group in groups {
                var best = 0
                for p in 1..<3 where targets[p] - counts[p] > targets[best] - counts[best] { best = p }
                counts[best] += Double(members[group]!.count)
                for t in members[group]! { result[t.id] = Partition.allCases[best] }
            }
        }
        return result
    }

    /// How far the reached shares are from the ratios asked for, in one line: the largest gap
    /// and where it is.
    public static func gapLine(_ achieved: [String: [String: Double]], requested: StratifiedSplit) -> String {
        let asked = ["train": requested.train, "val": requested.val, "test": requested.test]
        var worst = (gap: 0.0, genre: "", part: "", got: 0.0)
        for genre in achieved.keys.sorted() {
            for part in Partition.allCases.map(\.rawValue) {
                let got = achieved[genre]![part] ?? 0
                if abs(got - asked[part]!) > worst.gap { worst = (abs(got - asked[part]!), genre, part, got) }
            }
        }
        guard worst.gap > 0 else { return "artist split: every genre's shares are the ratios asked for" }
        func percent(_ x: Double) -> String { String(format: "%.0f", x * 100) }
        return "artist split: shares within \(percent(worst.gap)) points of the ratios asked for (largest gap: "
            + "\(worst.genre) \(worst.part) \(percent(worst.got)) %, asked \(percent(asked[worst.part]!)) %)"
    }

    /// Each genre's share of its tracks in each partition.
    public static func shares(_ assigned: [String: Partition], genreOf: [String: String]) -> [String: [String: Double]]
    {
        var counts: [String: [Partition: Int]] = [:]
        for (id, part) in assigned { counts[genreOf[id]!, default: [:]][part, default: 0] += 1 }
        return counts.mapValues { byPart in
            let total = Double(byPart.values.reduce(0, +))
            return Dictionary(
                uniqueKeysWithValues: Partition.allCases.map { ($0.rawValue, Double(byPart[$0] ?? 0) / total) })
        }
    }
}
