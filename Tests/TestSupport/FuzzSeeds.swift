import Basics
import Foundation

/// The tests' own files, kept as fuzzing seeds: when `GENREKIT_FUZZ_SEEDS` names a folder,
/// every file a test hands to `keep` is written to `FOLDER/<target>/<sha256>` (`make fuzz` and
/// `.ci/run` set it during `make test`, then fuzz from there). Otherwise it does nothing.
public enum FuzzSeeds {
    /// The fuzz targets (Fuzz/Sources/): what each one parses.
    public enum Target: String, Sendable {
        case archive, npy, safetensors, manifest, bundle, audio, metadata, dataset, shard
    }

    static let folder = ProcessInfo.processInfo.environment["GENREKIT_FUZZ_SEEDS"]

    /// Most bytes a seed may have (larger inputs slow every fuzzing run).
    static let maxBytes = 1 << 20

    public static func keep(_ bytes: [UInt8], as target: Target) {
        guard let folder, !bytes.isEmpty, bytes.count <= maxBytes else { return }
        let dir = folder + "/" + target.rawValue
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let name = String(sha256Hex(bytes).prefix(24))
        _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes))
    }

    public static func keep(file path: String, as target: Target) {
        guard folder != nil, let data = FileManager.default.contents(atPath: path) else { return }
        keep(Array(data), as: target)
    }
}
