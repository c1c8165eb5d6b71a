import Audio
import Dataset
import Foundation

/// A fresh folder under the system temporary folder, removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "genrekit-test") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Every file and folder below `path` (relative, sorted), hidden ones included.
    public func tree() -> [String] { Fixtures.tree(path) }
}

public enum Fixtures {
    /// The package root (where Package.swift is).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The committed reference data (librosa, Keras): Tests/Reference, made by
    /// scripts/reference/make_reference.py.
    public static let reference = packageRoot + "/Tests/Reference"

    /// A test tone with some noise: `seconds` of mono 16-bit audio at `rate` Hz.
    public static func tone(
        seconds: Double, rate: Int = 22050, frequency: Double = 440, amplitude: Double = 0.3, seed: UInt64 = 1
    )
        -> [Int16]
    {
        var state = seed
        let count = Int(seconds * Double(rate))
        return (0..<count).map { i in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(Int64(bitPattern: state) >> 40) / Double(1 << 23) * 0.02
            let x = amplitude * sin(2 * .pi * frequency * Double(i) / Double(rate)) + noise
            return Int16(max(-32767, min(32767, (x * 32767).rounded())))
        }
    }

    /// Every entry below `root`, relative and sorted.
    public static func tree(_ root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var all: [String] = []
        while let next = walker.nextObject() as? String { all.append(next) }
        return all.sorted()
    }

    /// A safetensors file the Python `safetensors` package wrote (FormatsTests/Fixtures).
    public static let pythonWrittenSafetensors =
        packageRoot + "/Tests/FormatsTests/Fixtures/python-written.safetensors"

    public static func bytes(_ path: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path) ?? Data())
    }

    /// A dataset folder `dir/data/genres/<genre>/<id>.wav`: `perGenre` tracks of `seconds` per
    /// genre (a tone whose pitch depends on the genre and track, so genres are learnable), plus
    /// an undecodable `jazz.00054.wav` and `rock.00099.wav`, an exact repeat of `rock.00000`.
    /// - Returns: the `data` folder.
    public static func toneDataset(in dir: TemporaryDirectory, perGenre: Int, seconds: Double) throws -> String {
        let root = dir.file("data")
        for (g, genre) in DatasetManifest.gtzan.genres.enumerated() {
            try FileManager.default.createDirectory(
                atPath: "\(root)/genres/\(genre)", withIntermediateDirectories: true)
            for i in 0..<perGenre {
                let samples = tone(
                    seconds: seconds, frequency: 110 * Double(g + 1) + 7 * Double(i), seed: UInt64(g * 100 + i))
                let id = DatasetManifest.trackID(genre: genre, index: i)
                _ = FileManager.default.createFile(
                    atPath: "\(root)/genres/\(genre)/\(id).wav",
                    contents: Data(try Sndfile.encode(samples: samples, sampleRate: 22050)))
            }
        }
        _ = FileManager.default.createFile(
            atPath: "\(root)/genres/jazz/jazz.00054.wav", contents: Data(repeating: 3, count: 4000))
        try FileManager.default.copyItem(
            atPath: "\(root)/genres/rock/rock.00000.wav", toPath: "\(root)/genres/rock/rock.00099.wav")
        return root
    }
}
