import Basics
import Dataset
import Features
import Formats
import Foundation
import Prepare
import TestSupport
import Testing

@Suite struct ShardDealTests {
    @Test func specsParseOnlyInRange() {
        #expect(ShardSpec("3/8") == ShardSpec(index: 3, count: 8))
        for bad in ["0/8", "9/8", "1/0", "3", "3/8/1", "a/b", "-1/2", "1/\(ShardSpec.maxCount + 1)", ""] {
            #expect(ShardSpec(bad) == nil, "\(bad)")
        }
    }

    /// Largest first to the lightest shard: every track in one shard, every shard within one
    /// track's size of the mean, the same deal every time.
    @Test func dealIsBalancedAndDeterministic() {
        var random = SplitMix64(seed: 5)
        let bytes = (0..<1000).map { _ in 100_000 + Int(random.next() % 5_000_000) }
        let shards = ShardSpec.deal(bytes: bytes, into: 7)
        #expect(shards == ShardSpec.deal(bytes: bytes, into: 7))
        #expect(Set(shards) == Set(1...7))
        var load = [Int](repeating: 0, count: 8)
        for (i, s) in shards.enumerated() { load[s] += bytes[i] }
        let mean = bytes.reduce(0, +) / 7
        #expect(load[1...].allSatisfy { abs($0 - mean) <= bytes.max()! })
        // More shards than tracks: some shards are empty, none gets two.
        #expect(ShardSpec.deal(bytes: [5, 9, 1], into: 5) == [2, 1, 3])
    }
}

/// `prepare --shard I/N` on each shard, then `merge`: the same bytes as one `prepare`.
@Suite struct ShardMergeTests {
    static func shards(
        _ data: String, _ dir: TemporaryDirectory, count: Int, _ configure: (inout Preparer.Options) -> Void = { _ in }
    )
        throws -> [String]
    {
        var options = Preparer.Options()
        configure(&options)
        return try shards(data, dir, count: count, preparer: Preparer(options: options))
    }

    /// `count` shards of `data` by `preparer` into `dir/shards/<i>`.
    static func shards(_ data: String, _ dir: TemporaryDirectory, count: Int, preparer: Preparer) throws -> [String] {
        try (1...count).map { i in
            let out = dir.file("shards/\(i)")
            let outcome = try preparer.prepare(directory: data, shard: ShardSpec(index: i, count: count)!, out: out)
            guard case .made = outcome else { throw ShardError.incomplete("shard \(i) was not made") }
            return out
        }
    }

    static func sameFiles(_ a: String, _ b: String) {
        #expect(Fixtures.tree(a) == Fixtures.tree(b))
        for name in Fixtures.tree(a) {
            #expect(Fixtures.bytes(a + "/" + name) == Fixtures.bytes(b + "/" + name), "\(name)")
        }
    }

    /// Validated by the shards (no validation.json), the default artist split.
    @Test func mergedShardsAreOnePrepareByteForByte() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir)
        let single = try prepare(data, dir.file("single"))
        let shards = try Self.shards(data, dir, count: 3)
        for shard in shards { FuzzSeeds.keep(file: shard + "/shard.json", as: .shard) }
        let (_, merged) = try ShardMerge().merge(shards: shards.reversed(), out: dir.file("merged"))
        #expect(merged == single)
        #expect(single.skipped.count == 2, "the undecodable track and the repeat, judged over all shards")
        Self.sameFiles(dir.file("single"), dir.file("merged"))
    }

    /// With the folder's validation.json as the report, folds, log-mel and the JSON file too.
    @Test func mergedShardsFollowValidationJSONAndEveryOption() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir)
        let report = try Validator().validate(directory: data)
        _ = FileManager.default.createFile(
            atPath: data + "/validation.json", contents: try JSONEncoder.sorted.encodeLine(report))
        let configure: (inout Preparer.Options) -> Void = {
            $0.folds = 4
            $0.features = .mel
            $0.alsoJSON = true
            $0.segments = 5
        }
        _ = try prepare(data, dir.file("single"), configure)
        let shards = try Self.shards(data, dir, count: 2, configure)
        let (_, merged) = try ShardMerge().merge(shards: shards, out: dir.file("merged"))
        #expect(merged.source.validation == "validation.json")
        Self.sameFiles(dir.file("single"), dir.file("merged"))
    }

    /// More shards than tracks: the empty shards are valid shards.
    @Test func emptyShardsMerge() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir, perGenre: 5, seconds: 3)
        _ = try prepare(data, dir.file("single")) { $0.unit = .track }
        let shards = try Self.shards(data, dir, count: 60) { $0.unit = .track }
        _ = try ShardMerge().merge(shards: shards, out: dir.file("merged"))
        Self.sameFiles(dir.file("single"), dir.file("merged"))
    }

    /// A complete shard is kept when made again with the same folder and flags (a retried
    /// array task redoes only what failed); one of other flags is refused, not mixed in.
    @Test func completeShardsAreKeptAndOthersRefused() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir, perGenre: 2, seconds: 3)
        let shards = try Self.shards(data, dir, count: 2)
        let before = try FileManager.default.attributesOfItem(atPath: shards[0] + "/features.f32")
        let again = try Preparer().prepare(directory: data, shard: ShardSpec("1/2")!, out: shards[0])
        #expect(again == .alreadyComplete)
        let after = try FileManager.default.attributesOfItem(atPath: shards[0] + "/features.f32")
        #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date)
        #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int)
        var other = Preparer.Options()
        other.segments = 1
        #expect(throws: ShardError.self) {
            try Preparer(options: other).prepare(directory: data, shard: ShardSpec("1/2")!, out: shards[0])
        }
        #expect(throws: ShardError.self) {
            try Preparer().prepare(directory: data, shard: ShardSpec("2/2")!, out: shards[0])
        }
    }

    @Test func mergeRefusesShardsThatDoNotMakeOneRun() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir, perGenre: 2, seconds: 3)
        let shards = try Self.shards(data, dir, count: 3)
        func refuses(_ folders: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try ShardMerge().merge(shards: folders, out: dir.file("merged"))
                Issue.record("merged; expected an error with '\(fragment)'", sourceLocation: sourceLocation)
            } catch {
                #expect("\(error)".contains(fragment), "\(error)", sourceLocation: sourceLocation)
            }
            #expect(!FileManager.default.fileExists(atPath: dir.file("merged")), sourceLocation: sourceLocation)
        }
        refuses([shards[0], shards[2]], "shard 2 of 3 is missing")
        refuses([shards[0], shards[1], shards[1], shards[2]], "again")
        refuses([shards[0], shards[1], data], "not a shard folder")
        // Other flags, another folder.
        var other = Preparer.Options()
        other.split = StratifiedSplit(seed: 7)
        _ = try Preparer(options: other).prepare(directory: data, shard: ShardSpec("2/3")!, out: dir.file("seed7"))
        refuses([shards[0], dir.file("seed7"), shards[2]], "other settings")
        // A shard cut short, or edited.
        let features = shards[1] + "/features.f32"
        let bytes = Fixtures.bytes(features)
        try Data(bytes.dropLast(4)).write(to: URL(fileURLWithPath: features))
        refuses(shards, "does not match shard.json")
        var flipped = bytes
        flipped[10] ^= 1
        try Data(flipped).write(to: URL(fileURLWithPath: features))
        refuses(shards, "does not match shard.json")
        try Data(bytes).write(to: URL(fileURLWithPath: features))
        let manifest = shards[1] + "/shard.json"
        let json = String(decoding: Fixtures.bytes(manifest), as: UTF8.self)
        try json.replacingOccurrences(of: "\"index\" : ", with: "\"index\" : 1000000, \"x\" : ").write(
            toFile: manifest, atomically: true, encoding: .utf8)
        refuses(shards, "out of range")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: manifest))
        refuses(shards, "not a shard manifest")
    }
}
