import Dataset
import Features
import Formats
import Foundation
import Prepare
import TestSupport
import Testing

/// `prepare --dataset fma`: tracks.csv's labels, its official split or an artist-conscious one.
@Suite struct FMAPrepareTests {
    static func manifest(_ dir: TemporaryDirectory) throws -> (DatasetManifest, String) {
        let root = try FMAFixture.write(in: dir)
        return (try .fma(csv: dir.file("fma_metadata/tracks.csv"), subset: .small), root)
    }

    /// Every segment, FMA's official split.
    static var official: Preparer.Options {
        var options = Preparer.Options()
        options.segments = Segmenter.maxCount
        options.splitList = "official"
        options.unit = .track
        return options
    }

    @Test func officialSplitIsTracksCSVs() throws {
        let dir = TemporaryDirectory()
        let (manifest, root) = try Self.manifest(dir)
        let d = try Preparer(manifest: manifest, options: Self.official).prepare(directory: root, out: dir.file("f"))
        #expect(d.dataset == "fma")
        #expect(d.genres == ["Folk", "Hip-Hop", "Rock"])
        let split = ["training": Partition.train, "validation": .val, "test": .test]
        let rows = Dictionary(uniqueKeysWithValues: FMAFixture.rows.map { (FMAMetadata.id($0.id), $0) })
        for track in d.tracks {
            #expect(track.split == split[rows[track.id]!.split], "\(track.id)")
            #expect(track.segments == [0, 1], "6.5 s clips: two full segments")
            #expect(track.conversions?.first?.hasPrefix("resampled 44100 Hz -> 22050 Hz") == true)
        }
        #expect(Set(d.tracks.map(\.id)) == Set(rows.keys).subtracting(["000099", "000140", "000150", "000160"]))
        #expect(d.skipped.map(\.id).contains("000160"), "the empty clip")
    }

    /// The default split keeps each tracks.csv artist on one side.
    @Test func artistSplitFollowsTracksCSVsArtists() throws {
        let dir = TemporaryDirectory()
        let (manifest, root) = try Self.manifest(dir)
        var options = Preparer.Options()
        options.split = StratifiedSplit(train: 0.4, val: 0.3, test: 0.3)
        let d = try Preparer(manifest: manifest, options: options).prepare(directory: root, out: dir.file("f"))
        #expect(d.split.unit == "artist")
        var sideOf: [String: Partition] = [:]
        for track in d.tracks {
            let group = try #require(track.group)
            #expect(group.hasPrefix("artist "))
            if let side = sideOf[group] { #expect(side == track.split) }
            sideOf[group] = track.split
        }
    }

    /// FMA's manifest travels in each shard (the merge needs its labels, ids and split), so a
    /// sharded FMA prepare merges to one prepare's bytes; shards of another tracks.csv are refused.
    @Test func shardedFMAMergesToOnePrepare() throws {
        let dir = TemporaryDirectory()
        let (manifest, root) = try Self.manifest(dir)
        let preparer = Preparer(manifest: manifest, options: Self.official)
        _ = try preparer.prepare(directory: root, out: dir.file("single"))
        let shards = try ShardMergeTests.shards(root, dir, count: 3, preparer: preparer)
        _ = try ShardMerge().merge(shards: shards, out: dir.file("merged"))
        ShardMergeTests.sameFiles(dir.file("single"), dir.file("merged"))
        var other = manifest
        other.genres.reverse()
        _ = try Preparer(manifest: other, options: Self.official).prepare(
            directory: root, shard: ShardSpec(index: 2, count: 3)!, out: dir.file("other"))
        #expect(throws: ShardError.self) {
            try ShardMerge().merge(shards: [shards[0], dir.file("other"), shards[2]], out: dir.file("mixed"))
        }
    }
}
