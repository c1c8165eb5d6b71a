import Formats

/// The grouped split: stratified by genre, and every group (an artist, or a track on its own) in
/// one bin. The bins are train, validation and test with their ratios, or K folds of 1/K each. A
/// deterministic function of the tracks, their groups and the seed that anyone can reproduce
/// (README.md, "The split", has it in Python):
///
/// 1. Each group's home genre is the genre holding most of its tracks (a tie goes to the genre
///    first in the manifest).
/// 2. For each genre in the manifest's order: sort the groups homed there by key (byte order);
///    shuffle them with Fisher-Yates as the track split does (SplitMix64 seeded with
///    `seed XOR fnv1a64(genre)`); the targets are `n * share` for each bin, n the tracks of those
///    groups; each group in turn goes to the bin with the largest `target - count`, ties to the
///    bin with the fewest tracks over all genres so far, then to the first bin; its tracks add
///    to both counts.
///
/// Groups are lumpy, so the shares only approach the targets: `shares` says how far.
public struct GroupedSplit: Sendable, Equatable {
    /// Each bin's share of a genre's tracks.
    public var shares: [Double]
    public var seed: UInt64

    /// Train, validation and test with the split's ratios.
    public init(_ ratios: StratifiedSplit) {
        shares = [ratios.train, ratios.val, ratios.test]
        seed = ratios.seed
    }

    /// `folds` bins of equal share.
    public init(folds: Int, seed: UInt64) {
        shares = [Double](repeating: 1 / Double(folds), count: folds)
        self.seed = seed
    }

    /// - Parameter tracks: (track id, genre, group key); ids unique.
    /// - Returns: the partition of each track id (for the three-bin split).
    public func assign(_ tracks: [(id: String, genre: String, group: String)], genres: [String]) -> [String: Partition]
    {
        deal(tracks, genres: genres).mapValues { Partition.allCases[$0] }
    }

    /// - Parameter tracks: (track id, genre, group key); ids unique.
    /// - Returns: the bin of each track id.
    public func deal(_ tracks: [(id: String, genre: String, group: String)], genres: [String]) -> [String: Int] {
        let order = StratifiedSplit.order(genres, present: tracks.map(\.genre))
        var members: [String: [String]] = [:]
        var counts: [String: [String: Int]] = [:]
        for t in tracks {
            members[t.group, default: []].append(t.id)
            counts[t.group, default: [:]][t.genre, default: 0] += 1
        }
        var homed: [String: [String]] = [:]
        for (group, byGenre) in counts {
            let home = order.first { byGenre[$0] == byGenre.values.max() }!
            homed[home, default: []].append(group)
        }
        let shuffler = StratifiedSplit(seed: seed)
        var result: [String: Int] = [:]
        var totals = [Int](repeating: 0, count: shares.count)
        for genre in order {
            guard let unsorted = homed[genre] else { continue }
            let groups = shuffler.shuffled(unsorted, genre: genre)
            let n = Double(groups.reduce(0) { $0 + members[$1]!.count })
            let targets = shares.map { $0 * n }
            var dealt = [Double](repeating: 0, count: shares.count)
            for group in groups {
                let best = shares.indices.min { a, b in
                    (dealt[a] - targets[a], totals[a], a) < (dealt[b] - targets[b], totals[b], b)
                }!
                dealt[best] += Double(members[group]!.count)
                totals[best] += members[group]!.count
                for id in members[group]! { result[id] = best }
            }
        }
        return result
    }

    /// How far the reached shares are from those asked for, in one line: the largest gap and
    /// where it is.
    /// - Parameters:
    ///   - achieved: `shares(...)`'s result.
    ///   - requested: each bin's asked share, by bin name.
    ///   - label: what the line is about (`artist split`, `artist folds`).
    public static func gapLine(_ achieved: [String: [String: Double]], requested: [String: Double], label: String)
        -> String
    {
        var worst = (gap: 0.0, genre: "", bin: "", got: 0.0)
        for genre in achieved.keys.sorted() {
            for bin in requested.keys.sorted() {
                let got = achieved[genre]![bin] ?? 0
                if abs(got - requested[bin]!) > worst.gap { worst = (abs(got - requested[bin]!), genre, bin, got) }
            }
        }
        guard worst.gap > 0 else { return "\(label): every genre's shares are the ones asked for" }
        func percent(_ x: Double) -> String { String(format: "%.0f", x * 100) }
        return "\(label): shares within \(percent(worst.gap)) points of those asked for (largest gap: "
            + "\(worst.genre) \(worst.bin) \(percent(worst.got)) %, asked \(percent(requested[worst.bin]!)) %)"
    }

    /// Each genre's share of its tracks in each bin.
    /// - Parameters:
    ///   - assigned: the bin name of each track id.
    ///   - names: every bin's name (bins with no track of a genre get 0).
    public static func shares(_ assigned: [String: String], genreOf: [String: String], names: [String])
        -> [String: [String: Double]]
    {
        var counts: [String: [String: Int]] = [:]
        for (id, bin) in assigned { counts[genreOf[id]!, default: [:]][bin, default: 0] += 1 }
        return counts.mapValues { byBin in
            let total = Double(byBin.values.reduce(0, +))
            return Dictionary(uniqueKeysWithValues: names.map { ($0, Double(byBin[$0] ?? 0) / total) })
        }
    }
}
