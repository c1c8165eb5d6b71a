import Audio
import Basics
import Dataset
import Features
import Formats
import Foundation
import Prepare
import TestSupport
import Testing

func makeDataset(_ dir: TemporaryDirectory, perGenre: Int = 5, seconds: Double = 9) throws -> String {
    try Fixtures.toneDataset(in: dir, perGenre: perGenre, seconds: seconds)
}

func prepare(_ data: String, _ out: String, _ configure: (inout Preparer.Options) -> Void = { _ in }) throws
    -> DatasetDescription
{
    var options = Preparer.Options()
    configure(&options)
    return try Preparer(options: options).prepare(directory: data, out: out)
}

@Suite struct PrepareTests {
    @Test func tensorsHaveTheDocumentedNamesTypesAndShapes() throws {
        let dir = TemporaryDirectory()
        let d = try prepare(try makeDataset(dir), dir.file("features"))
        #expect(Fixtures.tree(dir.file("features")) == ["dataset.json", "test.npz", "train.npz", "val.npz"])
        var total = 0
        for part in Partition.allCases {
            let arrays = try NPY.readArchive(path: dir.file("features/\(part.rawValue).npz"))
            #expect(Set(arrays.keys) == ["mfcc", "label", "track", "segment"])
            let n = try #require(arrays["label"]).count
            #expect(arrays["mfcc"]?.dtype == .float32)
            #expect(arrays["mfcc"]?.shape == [n, 130, 13])
            #expect(arrays["label"]?.dtype == .int64)
            #expect(arrays["track"]?.dtype == .int32)
            #expect(arrays["segment"]?.dtype == .int32)
            #expect(n == d.splits[part.rawValue]?.segments)
            // Labels are the genre positions of the tracks the rows name.
            let labels = try #require(arrays["label"]?.integers())
            let tracks = try #require(arrays["track"]?.integers())
            for (label, track) in zip(labels, tracks) {
                #expect(Int(label) == d.tracks[Int(track)].label)
                #expect(d.genres[Int(label)] == d.tracks[Int(track)].genre)
            }
            total += n
        }
        // 50 tracks of 9 s: 3 segments each; the undecodable and the repeat are left out.
        #expect(d.tracks.count == 50)
        #expect(total == 150)
        #expect(d.skipped.map(\.id).sorted() == ["jazz.00054", "rock.00099"])
        #expect(d.skipped.first { $0.id == "jazz.00054" }?.reason.hasPrefix("corrupt (undecodable") == true)
        #expect(d.skipped.first { $0.id == "rock.00099" }?.reason.contains("identical audio to rock.00000") == true)
        #expect(d.droppedSegments.count == 50 * 7)
        #expect(d.source.validation == "validated now")
    }

    /// The tensors hold exactly what the Features module computes for each segment.
    @Test func rowsAreTheSegmentsTheyName() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir, perGenre: 3)
        let d = try prepare(data, dir.file("f")) {
            $0.split = StratifiedSplit(train: 1.0 / 3, val: 1.0 / 3, test: 1.0 / 3)
        }
        let train = try NPY.readArchive(path: dir.file("f/train.npz"))
        let row = 0
        let track = d.tracks[Int(try #require(train["track"]?.integers())[row])]
        let segment = Int(try #require(train["segment"]?.integers())[row])
        let samples = try Sndfile.decodeFloat(path: "\(data)/genres/\(track.genre)/\(track.id).wav").samples
        let expected = MFCCExtractor().mfcc(samples: Array(samples[segment * 66150..<(segment + 1) * 66150]))
        #expect(Array(try #require(train["mfcc"]).floats()[0..<130 * 13]) == expected)
    }

    /// `--features mel`: the log-mel spectrogram in a `mel` array, `[segments, 130, 128]`, each
    /// row what the Features module computes for its segment; dataset.json says which, and the
    /// split is the one MFCCs get (the features do not move tracks).
    @Test func melFeatures() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir)
        let mfcc = try prepare(data, dir.file("mfcc")) { $0.unit = .track }
        let d = try prepare(data, dir.file("mel")) {
            $0.unit = .track
            $0.features = .mel
        }
        #expect(d.features.kind == .mel && d.features.layout == "mel[segment, frame, band]")
        #expect(d.features.width == 128 && d.features.arrayName == "mel")
        #expect(d.tracks == mfcc.tracks && d.splits == mfcc.splits)
        #expect(d.fingerprint != mfcc.fingerprint)
        let train = try NPY.readArchive(path: dir.file("mel/train.npz"))
        #expect(Set(train.keys) == ["mel", "label", "track", "segment"])
        let n = try #require(train["label"]).count
        #expect(train["mel"]?.dtype == .float32 && train["mel"]?.shape == [n, 130, 128])
        let track = d.tracks[Int(try #require(train["track"]?.integers())[0])]
        let segment = Int(try #require(train["segment"]?.integers())[0])
        let samples = try Sndfile.decodeFloat(path: "\(data)/genres/\(track.genre)/\(track.id).wav").samples
        let expected = Array(samples[segment * 66150..<(segment + 1) * 66150]).withUnsafeBufferPointer {
            MFCCExtractor().logMel(samples: $0)
        }
        #expect(Array(try #require(train["mel"]).floats()[0..<130 * 128]) == expected)
        let json = try String(contentsOfFile: dir.file("mel/dataset.json"), encoding: .utf8)
        #expect(json.contains("\"kind\" : \"mel\""))
    }

    @Test func noTrackInTwoSplitsAndEachGenreWithinOneTrackOfItsShare() throws {
        let dir = TemporaryDirectory()
        let d = try prepare(try makeDataset(dir), dir.file("f")) { $0.unit = .track }
        var seen: [String: String] = [:]
        for (part, summary) in d.splits {
            for id in summary.tracks {
                #expect(seen[id] == nil, "\(id) is in \(seen[id] ?? "") and \(part)")
                seen[id] = part
            }
        }
        for genre in d.genres {
            let n = d.tracks.filter { $0.genre == genre }.count
            for (part, target) in [("train", 0.6), ("val", 0.2), ("test", 0.2)] {
                let got = d.splits[part]?.perGenre[genre]?.tracks ?? 0
                #expect(abs(Double(got) - target * Double(n)) <= 1, "\(genre) \(part): \(got) of \(n)")
            }
        }
    }

    @Test func sameInputsAndSeedGiveTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir)
        let a = try prepare(data, dir.file("a"))
        let b = try prepare(data, dir.file("b")) { $0.jobs = 1 }
        #expect(a.files == b.files, "same SHA-256 whatever the thread count")
        #expect(a.fingerprint == b.fingerprint)
        for name in ["train.npz", "val.npz", "test.npz", "dataset.json"] {
            #expect(Fixtures.bytes(dir.file("a/\(name)")) == Fixtures.bytes(dir.file("b/\(name)")), "\(name)")
        }
        let c = try prepare(data, dir.file("c")) { $0.split.seed = 7 }
        #expect(c.splits["test"]?.tracks != a.splits["test"]?.tracks)
        // The recorded digest is the file's.
        let train = try Data(contentsOf: URL(fileURLWithPath: dir.file("a/train.npz")))
        #expect(a.files["train.npz"]?.bytes == train.count)
        #expect(a.files["train.npz"]?.sha256.count == 64)
    }

    /// Stored by default (as numpy.savez), deflated on request: the same arrays either way.
    @Test func compressionChangesTheFileNotTheArrays() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir)
        _ = try prepare(data, dir.file("stored"))
        _ = try prepare(data, dir.file("deflated")) { $0.compression = .deflate }
        for name in ["train.npz", "val.npz", "test.npz"] {
            let stored = Fixtures.bytes(dir.file("stored/\(name)"))
            let deflated = Fixtures.bytes(dir.file("deflated/\(name)"))
            // A zip's first local header: its compression method at bytes 8 and 9.
            #expect(stored[8] == 0 && stored[9] == 0, "\(name) stored")
            #expect(deflated[8] == 8 && deflated[9] == 0, "\(name) deflated")
            #expect(deflated.count < stored.count)
            let a = try NPY.readArchive(source: .memory(stored, name: name))
            let b = try NPY.readArchive(source: .memory(deflated, name: name))
            #expect(a.keys.sorted() == b.keys.sorted() && a.keys.allSatisfy { a[$0] == b[$0] }, "\(name)")
        }
    }

    @Test func segmentSplitPutsTracksInSeveralSplits() throws {
        let dir = TemporaryDirectory()
        let d = try prepare(try makeDataset(dir), dir.file("f")) { $0.unit = .segment }
        let sets = d.splits.mapValues { Set($0.tracks) }
        #expect(!sets["train"]!.isDisjoint(with: sets["test"]!), "the reference split leaks songs")
        #expect(d.split.unit == "segment")
        #expect(d.tracks.allSatisfy { $0.split == nil })
    }

    @Test func alsoJSONHasTheNotebookLayout() throws {
        let dir = TemporaryDirectory()
        let d = try prepare(try makeDataset(dir, perGenre: 3), dir.file("f")) {
            $0.alsoJSON = true
            $0.split = StratifiedSplit(train: 1.0 / 3, val: 1.0 / 3, test: 1.0 / 3)
        }
        let json = try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(dir.file("f/extracted_data.json"))))
        let object = try #require(json as? [String: Any])
        #expect(object["mapping"] as? [String] == d.genres)
        let labels = try #require(object["labels"] as? [Int])
        let mfcc = try #require(object["mfcc"] as? [[[Double]]])
        #expect(labels.count == 90)
        #expect(mfcc.count == 90)
        #expect(mfcc[0].count == 130 && mfcc[0][0].count == 13)
        // The first segment of the first track, as float32, equals the tensor row.
        let first = d.tracks[0]
        let part = try #require(first.split)
        let arrays = try NPY.readArchive(path: dir.file("f/\(part.rawValue).npz"))
        let rows = try #require(arrays["track"]?.integers())
        let row = try #require(rows.firstIndex(of: 0))
        let values = try #require(arrays["mfcc"]).floats()[row * 1690..<row * 1690 + 13]
        #expect(mfcc[0][0].map { Float($0) } == Array(values))
    }

    /// Kereliuk, Sturm and Larsen's split on a full id set: 443 / 197 / 290 tracks.
    @Test func faultFilteredSplitOnAFullIdSet() throws {
        var options = Preparer.Options()
        options.splitList = "fault-filtered"
        let tracks = DatasetManifest.gtzan.expectedIDs.map { id in
            (id: id, genre: String(id.prefix { $0 != "." }), segments: Array(0..<10))
        }
        let (partitions, outside) = try Preparer(options: options).assignPartitions(tracks)
        var counts: [Partition: Int] = [:]
        for id in Set(partitions.keys) { counts[partitions[id]!, default: 0] += 1 }
        #expect(counts == [.train: 443, .val: 197, .test: 290])
        #expect(outside.count == 70)
    }

    @Test func refusals() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir, perGenre: 3)
        let thirds = StratifiedSplit(train: 1.0 / 3, val: 1.0 / 3, test: 1.0 / 3)
        _ = try prepare(data, dir.file("f")) { $0.split = thirds }
        #expect(throws: FileError.destinationExists(path: dir.file("f"))) {
            try prepare(data, dir.file("f")) { $0.split = thirds }
        }
        _ = try prepare(data, dir.file("f")) {
            $0.force = true
            $0.split = thirds
        }
        #expect(throws: FileError.self) { try prepare(dir.file("nothing"), dir.file("g")) }
        #expect(throws: FileError.self) {
            try prepare(data, dir.file("g")) { $0.splitList = dir.file("no-such-list.json") }
        }
        // The library checks its parameters itself, not only the command line.
        #expect(throws: FeatureParameterError.self) {
            try prepare(data, dir.file("g")) { $0.parameters.hopLength = 0 }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("g")))
        #expect(dir.tree().allSatisfy { !$0.hasPrefix(".") }, "no staging folders left")
    }
}

/// Without a validation.json, prepare validates and extracts in one decoding pass: its tensors
/// are byte for byte those of a prepare that reads the report `unpack` would have written.
@Suite struct SinglePassPrepareTests {
    @Test func validatingInThePassGivesTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let data = try makeDataset(dir, perGenre: 5, seconds: 7)
        let fresh = try prepare(data, dir.file("fresh")) { $0.unit = .track }
        #expect(fresh.source.validation == "validated now")
        let report = try Validator().validate(directory: data)
        _ = FileManager.default.createFile(
            atPath: data + "/validation.json", contents: try JSONEncoder.sorted.encodeLine(report))
        let read = try prepare(data, dir.file("read")) { $0.unit = .track }
        #expect(read.source.validation == "validation.json")
        #expect(read.fingerprint == fresh.fingerprint)
        #expect(read.skipped == fresh.skipped && read.droppedSegments == fresh.droppedSegments)
        for file in ["train.npz", "val.npz", "test.npz"] {
            #expect(Fixtures.bytes(dir.file("read/\(file)")) == Fixtures.bytes(dir.file("fresh/\(file)")), "\(file)")
        }
    }
}

/// Tracks at other rates are converted, not skipped: a stereo 44.1 kHz FLAC in a GTZAN folder
/// gives the segments librosa's `load(sr=22050, res_type="sinc_best")` gives, and dataset.json
/// says how each track was converted.
@Suite struct ResampledPrepareTests {
    @Test func otherRatesAreResampledAndRecorded() throws {
        let dir = TemporaryDirectory()
        let flac = Fixtures.reference + "/resample/stereo_44100_6s.flac"
        for i in 0..<5 {
            try FileManager.default.createDirectory(
                atPath: dir.file("data/genres/blues"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: flac, toPath: dir.file("data/genres/blues/blues.0000\(i).flac"))
        }
        let d = try prepare(dir.file("data"), dir.file("f")) {
            $0.keepDuplicates = true
            $0.unit = .track
        }
        #expect(d.tracks.count == 5)
        #expect(d.skipped.isEmpty)
        for track in d.tracks {
            #expect(track.segments == [0, 1])
            #expect(track.conversions?.count == 2)
            #expect(
                track.conversions?.last?.hasPrefix("resampled 44100 Hz -> 22050 Hz (libsamplerate, Best Sinc") == true)
        }
        let expected = try NPY.read(path: Fixtures.reference + "/resample/stereo_44100_6s.segments_mfcc13.npy").floats()
        let train = try NPY.readArchive(path: dir.file("f/train.npz"))
        let rows = try #require(train["mfcc"]).floats()
        let segments = try #require(train["segment"]?.integers())
        for (row, segment) in segments.enumerated() {
            let ours = Array(rows[row * 1690..<(row + 1) * 1690])
            let theirs = Array(expected[Int(segment) * 1690..<(Int(segment) + 1) * 1690])
            #expect(zip(ours, theirs).map { abs($0 - $1) }.max()! <= 0.05)
        }
    }
}
