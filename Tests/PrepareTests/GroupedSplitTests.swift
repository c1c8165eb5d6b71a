import Audio
import Dataset
import Formats
import Foundation
import Prepare
import TestSupport
import Testing

/// The artist split: no group in two partitions, the documented algorithm, and what prepare
/// records (issue: numbers an expert trusts).
@Suite struct GroupedSplitTests {
    /// The assignment the README's Python `artist_split` computes for these tracks (seed 42,
    /// 60/20/20): Queen spans rock and metal and is homed in rock; unknown artists stand alone.
    @Test func matchesTheDocumentedAlgorithm() {
        let blues = (0..<8).map { i in
            (
                id: "blues.0000\(i)", genre: "blues",
                group: i < 4 ? "John Lee Hooker" : i == 6 ? "blues.00006" : "Robert Johnson"
            )
        }
        let rock = ["Queen", "Queen", "The Beatles", "rock.00003", "rock.00004"].enumerated().map {
            (id: "rock.0000\($0.offset)", genre: "rock", group: $0.element)
        }
        let metal = [
            (id: "metal.00000", genre: "metal", group: "Queen"),
            (id: "metal.00001", genre: "metal", group: "Metallica"),
            (id: "metal.00002", genre: "metal", group: "metal.00002"),
        ]
        let expected: [String: Partition] = [
            "blues.00000": .train, "blues.00001": .train, "blues.00002": .train, "blues.00003": .train,
            "blues.00006": .val, "blues.00004": .test, "blues.00005": .test, "blues.00007": .test,
            "metal.00001": .train, "metal.00002": .val, "rock.00000": .train, "rock.00001": .train,
            "metal.00000": .train, "rock.00002": .val, "rock.00003": .test, "rock.00004": .train,
        ]
        let split = GroupedSplit(StratifiedSplit(seed: 42))
        #expect(split.assign(blues + metal + rock, genres: ["blues", "metal", "rock"]) == expected)
    }

    /// All 1000 GTZAN ids grouped by Sturm's index: every artist in one partition, every genre in
    /// every partition's reach, the same bytes for the same seed.
    @Test(arguments: [UInt64(42), 7]) func fullGTZANKeepsEveryArtistTogether(seed: UInt64) {
        let manifest = DatasetManifest.gtzan
        let index = manifest.artists!
        let tracks = manifest.expectedIDs.map { id in
            (id: id, genre: String(id.split(separator: ".")[0]), group: index.artist(of: id) ?? id)
        }
        let split = GroupedSplit(StratifiedSplit(seed: seed))
        let assigned = split.assign(tracks, genres: manifest.genres)
        #expect(assigned.count == 1000)
        var partsOfArtist: [String: Set<Partition>] = [:]
        for t in tracks { partsOfArtist[t.group, default: []].insert(assigned[t.id]!) }
        #expect(partsOfArtist.values.allSatisfy { $0.count == 1 }, "an artist in two partitions")
        #expect(partsOfArtist["Bob Marley"]!.count == 1 && partsOfArtist["Queen"]!.count == 1)
        let shares = GroupedSplit.shares(
            assigned.mapValues(\.rawValue), genreOf: Dictionary(uniqueKeysWithValues: tracks.map { ($0.id, $0.genre) }),
            names: Partition.allCases.map(\.rawValue))
        for (genre, share) in shares {
            // Artists are lumpy (Bob Marley is 35 % of reggae): the shares approach the ratios.
            #expect(abs(share["train"]! - 0.6) <= 0.15, "\(genre): \(share)")
            #expect(share["val"]! > 0 && share["test"]! > 0, "\(genre): \(share)")
        }
        #expect(split.assign(tracks.reversed(), genres: manifest.genres) == assigned, "input order does not matter")
        #expect(GroupedSplit(StratifiedSplit(seed: seed + 1)).assign(tracks, genres: manifest.genres) != assigned)
    }

    /// Without artist information every track is its own group: the shares are the track
    /// split's, within one track of the target.
    @Test func singletonGroupsAreWithinOneTrack() {
        for n in 1...30 {
            let tracks = (0..<n).map { (id: "g.\($0)", genre: "g", group: "g.\($0)") }
            let assigned = GroupedSplit(StratifiedSplit(seed: 3)).assign(tracks, genres: ["g"])
            for (part, target) in [(Partition.train, 0.6), (.val, 0.2), (.test, 0.2)] {
                let got = assigned.values.filter { $0 == part }.count
                #expect(abs(Double(got) - target * Double(n)) <= 1, "n \(n) \(part): \(got)")
            }
        }
    }

    /// prepare --split-by artist on GTZAN ids: each track's group and the shares reached are in
    /// dataset.json, and no artist sits in two splits.
    @Test func prepareRecordsGroupsAndShares() throws {
        let dir = TemporaryDirectory()
        let data = try Fixtures.toneDataset(in: dir, perGenre: 6, seconds: 3)
        var options = Preparer.Options()
        options.unit = .artist
        let d = try Preparer(options: options).prepare(directory: data, out: dir.file("f"))
        #expect(d.split.unit == "artist")
        let achieved = try #require(d.split.achieved)
        #expect(Set(achieved.keys) == Set(DatasetManifest.gtzan.genres))
        var splitsOf: [String: Set<Partition>] = [:]
        for t in d.tracks { splitsOf[try #require(t.group), default: []].insert(try #require(t.split)) }
        #expect(splitsOf.values.allSatisfy { $0.count == 1 })
        #expect(d.tracks.first { $0.id == "blues.00000" }?.group == "John Lee Hooker")
        let line = GroupedSplit.gapLine(
            achieved, requested: ["train": 0.6, "val": 0.2, "test": 0.2], label: "artist split")
        #expect(line.hasPrefix("artist split: shares within "))
    }

    /// Two files of one id (a WAV and an AU of other audio) are both kept with
    /// --keep-duplicates; the artist split counts the id once instead of trapping.
    @Test func twoFilesOfOneIdAreCountedOnce() throws {
        let dir = TemporaryDirectory()
        let data = try Fixtures.toneDataset(in: dir, perGenre: 6, seconds: 3)
        let other = try Sndfile.encode(
            samples: Fixtures.tone(seconds: 3, frequency: 1234, seed: 9), sampleRate: 22050, container: .au)
        _ = FileManager.default.createFile(atPath: data + "/genres/rock/rock.00001.au", contents: Data(other))
        var options = Preparer.Options()
        options.unit = .artist
        options.keepDuplicates = true
        let d = try Preparer(options: options).prepare(directory: data, out: dir.file("f"))
        let twins = d.tracks.filter { $0.id == "rock.00001" }
        #expect(twins.count == 2)
        #expect(Set(twins.map(\.split)).count == 1)
        #expect(d.split.achieved?["rock"] != nil)
    }
}
