import Dataset
import Formats
import Foundation
import Prepare
import TestSupport
import Testing

/// K-fold splits and the README's Python twin on the full GTZAN id set (issue: numbers an expert
/// trusts).
@Suite struct FoldTests {
    static let manifest = DatasetManifest.gtzan
    static let artistTracks = manifest.expectedIDs.map { id in
        (id: id, genre: String(id.split(separator: ".")[0]), group: manifest.artists!.artist(of: id) ?? id)
    }
    static let singleTracks = artistTracks.map { (id: $0.id, genre: $0.genre, group: $0.id) }

    /// `scripts/reference/splits.py` ran the README's Python on all 1000 ids; GenreKit agrees id
    /// by id for the track split, the artist split and artist and track folds.
    @Test func readmeTwinAgreesOnEveryGTZANId() throws {
        let data = try #require(FileManager.default.contents(atPath: Fixtures.reference + "/splits/gtzan.json"))
        let cases = try JSONDecoder().decode([String: [String: AnyBin]].self, from: data)
        #expect(cases.count == 6)
        let genres = Self.manifest.genres
        func partitions(_ assigned: [String: Partition]) -> [String: String] { assigned.mapValues(\.rawValue) }
        func bins(_ assigned: [String: Int]) -> [String: String] { assigned.mapValues(String.init) }
        let mine: [String: [String: String]] = [
            "track seed 42": partitions(
                StratifiedSplit(seed: 42).assign(Self.artistTracks.map { (id: $0.id, genre: $0.genre) }, genres: genres)
            ),
            "artist seed 42": partitions(
                GroupedSplit(StratifiedSplit(seed: 42)).assign(Self.artistTracks, genres: genres)),
            "artist seed 7 70/15/15": partitions(
                GroupedSplit(StratifiedSplit(train: 0.7, val: 0.15, test: 0.15, seed: 7)).assign(
                    Self.artistTracks, genres: genres)),
            "artist 10 folds seed 42": bins(GroupedSplit(folds: 10, seed: 42).deal(Self.artistTracks, genres: genres)),
            "track 10 folds seed 42": bins(GroupedSplit(folds: 10, seed: 42).deal(Self.singleTracks, genres: genres)),
            "artist 5 folds seed 3": bins(GroupedSplit(folds: 5, seed: 3).deal(Self.artistTracks, genres: genres)),
        ]
        for (name, python) in cases {
            let swift = try #require(mine[name], "\(name)")
            #expect(swift.count == 1000, "\(name)")
            let differing = python.filter { swift[$0.key] != $0.value.text }.map(\.key).sorted()
            #expect(differing.isEmpty, "\(name): \(differing.prefix(5))")
        }
    }

    /// Every artist in exactly one fold; each genre's folds within what its artists allow; the
    /// same seed the same folds, whatever the input order.
    @Test(arguments: [3, 5, 10]) func artistFoldsKeepArtistsTogether(k: Int) {
        let folds = GroupedSplit(folds: k, seed: 42).deal(Self.artistTracks, genres: Self.manifest.genres)
        #expect(folds.count == 1000)
        var foldsOfArtist: [String: Set<Int>] = [:]
        for t in Self.artistTracks { foldsOfArtist[t.group, default: []].insert(folds[t.id]!) }
        #expect(foldsOfArtist.values.allSatisfy { $0.count == 1 }, "an artist in two folds")
        var sizes = [Int](repeating: 0, count: k)
        for f in folds.values { sizes[f] += 1 }
        // Folds are within the largest artist of each genre's lumps of 1000 / k.
        #expect(sizes.allSatisfy { abs($0 - 1000 / k) <= 1000 / k / 2 }, "\(sizes)")
        #expect(
            GroupedSplit(folds: k, seed: 42).deal(Self.artistTracks.reversed(), genres: Self.manifest.genres) == folds)
        #expect(GroupedSplit(folds: k, seed: 43).deal(Self.artistTracks, genres: Self.manifest.genres) != folds)
    }

    /// Track folds: every genre's folds within one track of n / K, and the fold sizes over all
    /// genres within one track of each other (ties go to the emptiest fold).
    @Test(arguments: [3, 7, 10]) func trackFoldsAreBalanced(k: Int) {
        let folds = GroupedSplit(folds: k, seed: 5).deal(Self.singleTracks, genres: Self.manifest.genres)
        var perGenre: [String: [Int]] = [:]
        var sizes = [Int](repeating: 0, count: k)
        for t in Self.singleTracks {
            perGenre[t.genre, default: [Int](repeating: 0, count: k)][folds[t.id]!] += 1
            sizes[folds[t.id]!] += 1
        }
        for (genre, counts) in perGenre {
            #expect(counts.allSatisfy { abs(Double($0) - 100 / Double(k)) < 1 }, "\(genre): \(counts)")
        }
        #expect(sizes.max()! - sizes.min()! <= 1, "\(sizes)")
    }

    /// prepare --folds: one folds.npz whose `fold` array matches each track's fold in
    /// dataset.json, every track in one fold, every artist in one fold.
    @Test func prepareWritesFoldsAndRecordsThem() throws {
        let dir = TemporaryDirectory()
        let data = try Fixtures.toneDataset(in: dir, perGenre: 4, seconds: 3)
        var options = Preparer.Options()
        options.folds = 3
        options.split.seed = 9
        let d = try Preparer(options: options).prepare(directory: data, out: dir.file("f"))
        #expect(d.split.folds == 3 && d.split.unit == "artist" && d.split.ratios == nil)
        #expect(d.split.summary() == "artist split, 3 folds, seed 9")
        #expect(Set(d.files.keys) == ["folds.npz"])
        #expect(Set(d.splits.keys) == ["fold0", "fold1", "fold2"])
        #expect(!FileManager.default.fileExists(atPath: dir.file("f/train.npz")))
        let arrays = try NPY.readArchive(path: dir.file("f/folds.npz"))
        let folds = try #require(arrays["fold"]?.integers())
        let tracks = try #require(arrays["track"]?.integers())
        #expect(folds.count == d.files["folds.npz"]!.segments && folds == folds.sorted())
        for (fold, track) in zip(folds, tracks) { #expect(d.tracks[Int(track)].fold == Int(fold)) }
        var foldsOfGroup: [String: Set<Int>] = [:]
        for t in d.tracks { foldsOfGroup[try #require(t.group), default: []].insert(try #require(t.fold)) }
        #expect(foldsOfGroup.values.allSatisfy { $0.count == 1 })
        #expect(d.tracks.allSatisfy { $0.split == nil })
        // The same inputs and seed, the same bytes.
        let again = try Preparer(options: options).prepare(directory: data, out: dir.file("g"))
        #expect(again.fingerprint == d.fingerprint)
    }

    @Test func foldsRefuseSegmentsListsAndTooFew() throws {
        let dir = TemporaryDirectory()
        let data = try Fixtures.toneDataset(in: dir, perGenre: 2, seconds: 3)
        for change in [
            { (o: inout Preparer.Options) in o.unit = .segment },
            { (o: inout Preparer.Options) in o.splitList = "fault-filtered" },
            { (o: inout Preparer.Options) in o.folds = 2 },
        ] {
            var options = Preparer.Options()
            options.folds = 4
            change(&options)
            #expect(throws: PrepareError.self) {
                try Preparer(options: options).prepare(directory: data, out: dir.file("f"))
            }
        }
        var options = Preparer.Options()
        options.unit = .track
        options.folds = 30
        // Two tracks per genre, 20 in all, cannot fill 30 folds.
        #expect(throws: PrepareError.self) {
            try Preparer(options: options).prepare(directory: data, out: dir.file("f"))
        }
    }
}

/// A fixture value: a partition name or a fold number.
struct AnyBin: Decodable {
    var text: String
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { text = String(n) } else { text = try c.decode(String.self) }
    }
}
