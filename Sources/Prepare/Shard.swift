import Basics
import Foundation

/// `prepare --shard I/N`: the I-th (from 1) of N shards of a dataset folder's tracks, for
/// preparing on many machines; `merge` joins the shards into what one `prepare` writes.
public struct ShardSpec: Codable, Sendable, Equatable, CustomStringConvertible {
    /// 1 to `count`.
    public var index: Int
    public var count: Int

    /// Most shards a dataset is cut into (fma_full's 106,574 tracks make 10 tracks a shard).
    public static let maxCount = 10_000

    public init?(index: Int, count: Int) {
        guard (1...Self.maxCount).contains(count), (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// `I/N`, like `3/8`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard (1 to `count`) of each track, from the tracks' sizes alone so every machine
    /// computes the same: largest first, each to the shard with the fewest bytes so far (the
    /// lowest-numbered on a tie). Bytes stand for duration: no track is opened to deal them,
    /// and for files of one format and bit rate the two are proportional.
    public static func deal(bytes: [Int], into count: Int) -> [Int] {
        let order = bytes.indices.sorted { (-bytes[$0], $0) < (-bytes[$1], $1) }
        var lightest = LoadHeap(count: count)
        var shard = [Int](repeating: 0, count: bytes.count)
        for i in order { shard[i] = lightest.add(max(0, bytes[i])) + 1 }
        return shard
    }
}

/// The shards' loads as a binary min-heap on (bytes, shard), so dealing a million tracks into
/// ten thousand shards takes a million logarithmic steps, not ten billion.
struct LoadHeap {
    private var items: [(load: Int, shard: Int)]

    init(count: Int) { items = (0..<count).map { (0, $0) } }

    /// Adds `bytes` to the lightest shard and returns that shard (from 0).
    mutating func add(_ bytes: Int) -> Int {
        let shard = items[0].shard
        items[0].load += bytes
        var i = 0
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var least = i
            if l < items.count, (items[l].load, items[l].shard) < (items[least].load, items[least].shard) { least = l }
            if r < items.count, (items[r].load, items[r].shard) < (items[least].load, items[least].shard) { least = r }
            if least == i { return shard }
            items.swapAt(i, least)
            i = least
        }
    }
}

/// Why shards cannot be made or merged: they are from different folders, settings or GenreKit
/// versions, one is missing or damaged. Names the shard folder and what to do.
public enum ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(path: String, message: String)
    case mismatch(path: String, message: String)
    case incomplete(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let message): "\(path): \(message)"
        case .mismatch(let path, let message): "\(path): \(message)"
        case .incomplete(let message): message
        }
    }
}
