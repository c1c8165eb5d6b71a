import Archive
import Audio
import Dataset
import Formats
import Foundation
import ModelZoo
import Prepare

/// What each fuzz target does with one input: the parsers GenreKit runs on files people
/// download or edit, fed bytes from memory. Errors are the expected outcome for most inputs;
/// only a crash, a hang or unbounded memory is a finding. The same entries run over the seed
/// corpus and every kept crash input in `make test` (FuzzRegressionTests).
public enum FuzzEntry: String, CaseIterable, Sendable {
    case archive, npy, safetensors, manifest, bundle, audio
    /// FMA's tracks.csv (the CSV reader, its columns, the manifest made from it).
    case metadata
    /// A dataset manifest file (`--manifest`) through its checks and the layout's classification.
    case dataset
    /// A shard's shard.json through merge's checks.
    case shard

    /// Runs the entry on `bytes`; returns whether the input was accepted.
    @discardableResult
    public func run(_ bytes: [UInt8]) -> Bool {
        switch self {
        case .archive: Self.archive(bytes)
        case .npy: Self.npy(bytes)
        case .safetensors: (try? Safetensors.decode(bytes)) != nil
        case .manifest: Self.manifest(bytes)
        case .bundle: (try? ModelBundle.open(source: .memory(bytes, name: "fuzz.tar.gz"))) != nil
        case .audio: Self.audio(bytes)
        case .metadata: Self.metadata(bytes)
        case .dataset: Self.dataset(bytes)
        case .shard: (try? ShardMerge.check(shardJSON: bytes, name: "fuzz")) != nil
        }
    }

    static func metadata(_ bytes: [UInt8]) -> Bool {
        let reader = CSVReader(bytes: bytes, name: "fuzz.csv")
        guard let tracks = try? FMAMetadata.load(reader, name: "fuzz.csv", subset: .large).tracks,
            let manifest = try? DatasetManifest.fma(tracks: tracks, csv: "fuzz.csv", subset: .large)
        else { return false }
        precondition(manifest.problem() == nil, "FMA's manifest from tracks.csv fails its own checks")
        return true
    }

    static func dataset(_ bytes: [UInt8]) -> Bool {
        guard let m = try? JSONDecoder().decode(DatasetManifest.self, from: Data(bytes)), m.problem() == nil else {
            return false
        }
        for path in ["genres/a/a.00001.wav", "a/b.mp3", "top/a/b.flac", "000/000002.mp3", "x"] {
            _ = m.classify(path)
            _ = m.classify(path, inArchive: true)
        }
        _ = m.labelled(by: ["b", "a"]).expectedIDs.count
        return true
    }

    /// The probe, and (differentially) the one-pass probe `prepare` measures while decoding for
    /// features: for a 16-bit file the two must agree, or the single pass would report other
    /// findings than `validate`.
    static func audio(_ bytes: [UInt8]) -> Bool {
        guard let probe = try? Sndfile.probe(bytes: bytes, name: "fuzz") else { return false }
        if let file = try? SoundFile(bytes: bytes, name: "fuzz"), StreamProbe.canMeasure(file),
            let stream = try? MonoStream(file)
        {
            let meter = StreamProbe(file)
            stream.int16Tap = { meter.add($0) }
            while let block = try? stream.next(), !block.isEmpty {}
            precondition(meter.probe() == probe, "StreamProbe and Sndfile.probe disagree")
        }
        return true
    }

    /// The safe reader with tight limits, every entry read to its end (skipped ones too).
    static let archiveLimits = ArchiveLimits(maxTotalBytes: 64 << 20, maxEntryBytes: 16 << 20, maxEntries: 1000)

    static func archive(_ bytes: [UInt8]) -> Bool {
        do {
            let reader = try SafeArchiveReader(source: .memory(bytes, name: "fuzz"), limits: archiveLimits)
            var n = 0
            while let entry = try reader.next() {
                n += 1
                if entry.kind == .file, n % 2 == 0 { try reader.read { _ in } }
            }
            return true
        } catch {
            return false
        }
    }

    /// A `.npy` file, or a `.npz` of them.
    static func npy(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0x50, 0x4B]) {
            var limits = NPY.archiveLimits
            limits.maxTotalBytes = 64 << 20
            limits.maxEntryBytes = 16 << 20
            return (try? NPY.readArchive(source: .memory(bytes, name: "fuzz.npz"), limits: limits)) != nil
        }
        return (try? NPY.decode(bytes, name: "fuzz.npy")) != nil
    }

    /// A manifest's JSON through decoding, the bounds and the architecture its recipe builds.
    static func manifest(_ bytes: [UInt8]) -> Bool {
        guard let m = try? JSONDecoder().decode(BundleManifest.self, from: Data(bytes)), (try? m.check()) != nil else {
            return false
        }
        let built = try? BundleManifest.architecture(
            recipe: m.recipe, frames: m.features.framesPerSegment, features: m.features.width, genres: m.genres.count)
        return built == m.architecture
    }
}
