import Basics
import Export
import Foundation
import HDF5
import ModelZoo
import TestSupport
import Testing

/// `KerasExport` for every recipe: the `.keras` zip read back, its config checked against the
/// bundle's architecture, and every weight read back from `model.weights.h5` (with the HDF5
/// library) where Keras's loader looks for it, equal to the bundle's bit for bit.
@Suite struct KerasExportTests {
    static let runs = TrainedRun.all + ["lstm-seed"]

    struct Exported {
        let bundle: ModelBundle
        let entries: [(String, [UInt8])]
        let config: [String: Any]
        let weights: HDF5Reader
    }

    static func export(_ name: String, in dir: TemporaryDirectory) throws -> Exported {
        let bundle = try ModelBundle.open(try TrainedRun.of(name).package(into: dir.file("zoo")))
        let path = dir.file("\(name).keras")
        #expect(
            try KerasExport.write(bundle, to: path)
                == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        let entries = try BundleFiles.members(of: path)
        try #require(entries.count == 3, "\(entries.map(\.0))")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(entries[1].1)) as? [String: Any])
        let h5 = dir.file("\(name).weights.h5")
        _ = FileManager.default.createFile(atPath: h5, contents: Data(entries[2].1))
        return Exported(bundle: bundle, entries: entries, config: config, weights: try HDF5Reader(path: h5))
    }

    /// The Keras classes a bundle's layer becomes (conv2d on a [frames, bands] input is
    /// preceded by a Reshape to one channel).
    static func kerasClasses(_ m: BundleManifest) -> [String] {
        var classes = ["InputLayer"] + (m.normalization.kind == .perCoefficient ? ["Normalization"] : [])
        var rank = 3
        for layer in m.architecture.layers {
            switch layer.type {
            case .lstm: classes.append("LSTM")
            case .gru: classes.append("GRU")
            case .dense: classes.append("Dense")
            case .dropout: classes.append("Dropout")
            case .conv2d:
                if rank == 3 { classes.append("Reshape") }
                rank = 4
                classes.append("Conv2D")
            case .batchnorm: classes.append("BatchNormalization")
            case .relu: classes.append("ReLU")
            case .maxpool2d: classes.append("MaxPooling2D")
            case .globalavgpool2d: classes.append("GlobalAveragePooling2D")
            case .reshape: classes.append("Reshape")
            }
        }
        return classes
    }

    @Test(arguments: runs) func kerasFileHoldsTheBundleWhereKerasLooks(_ name: String) throws {
        let dir = TemporaryDirectory()
        let e = try Self.export(name, in: dir)
        let m = e.bundle.manifest
        #expect(e.entries.map(\.0) == ["metadata.json", "config.json", "model.weights.h5"])
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(e.entries[0].1)) as? [String: Any])
        #expect(
            metadata["genres"] as? [String] == m.genres
                && metadata["feature_kind"] as? String == m.features.kind.rawValue)
        #expect(metadata["keras_version"] as? String == KerasExport.kerasVersion)
        #expect(e.config["class_name"] as? String == "Sequential" && e.config["module"] as? String == "keras")
        let inner = try #require(e.config["config"] as? [String: Any])
        let layers = try #require(inner["layers"] as? [[String: Any]])
        #expect(layers.map { $0["class_name"] as? String ?? "?" } == Self.kerasClasses(m))
        let input = try #require((layers[0]["config"] as? [String: Any])?["batch_shape"] as? [Any])
        #expect(input.count == 3 && input[0] is NSNull && input[1] as? Int == m.features.framesPerSegment)

        // Keras's saving library: layers/<snake_case class>[_n], numbered per class in order.
        var seen: [String: Int] = [:]
        var checked = 0
        for layer in layers.dropFirst() {
            let className = layer["class_name"] as! String
            let settings = layer["config"] as! [String: Any]
            let key = [
                "LSTM": "lstm", "GRU": "gru", "Dense": "dense", "Dropout": "dropout", "Conv2D": "conv2d",
                "BatchNormalization": "batch_normalization", "ReLU": "re_lu", "MaxPooling2D": "max_pooling2d",
                "GlobalAveragePooling2D": "global_average_pooling2d", "Reshape": "reshape",
                "Normalization": "normalization",
            ][className]!
            let n = seen[key, default: 0]
            seen[key] = n + 1
            let group = "/layers/" + (n == 0 ? key : "\(key)_\(n)")
            let recurrent = className == "LSTM" || className == "GRU"
            let vars = group + (recurrent ? "/cell/vars" : "/vars")
            #expect(e.weights.exists(group + "/vars") && e.weights.exists(vars), "\(group)")
            let suffixes: [String] =
                switch className {
                case "LSTM", "GRU": ["kernel", "recurrent_kernel", "bias"]
                case "Dense": ["kernel", "bias"]
                case "Conv2D": (settings["use_bias"] as? Bool == true) ? ["kernel", "bias"] : ["kernel"]
                case "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"]
                default: []
                }
            #expect(try e.weights.members(vars) == suffixes.indices.map(String.init), "\(vars)")
            for (i, suffix) in suffixes.enumerated() {
                let tensor = try #require(
                    e.bundle.weights["\(settings["name"]!).\(suffix)"], "\(settings["name"]!).\(suffix)")
                let read = try e.weights.readFloats("\(vars)/\(i)", maxValues: 1 << 24)
                #expect(read.shape == tensor.shape && read.values == tensor.values, "\(vars)/\(i)")
                checked += read.values.count
            }
            if className == "Normalization" {
                let mean = try #require(e.bundle.weights["normalization.mean"]).values
                let std = try #require(e.bundle.weights["normalization.std"]).values
                #expect((settings["mean"] as? [Double])?.map(Float.init) == mean)
                let variance = try #require(settings["variance"] as? [Double])
                #expect(zip(variance, std).allSatisfy { abs(Float($0.squareRoot()) - $1) <= $1.ulp })
            }
        }
        let normalization = (e.bundle.weights["normalization.mean"]?.values.count ?? 0) * 2
        #expect(checked + normalization == e.bundle.weights.values.map(\.values.count).reduce(0, +), "every weight")
    }

    @Test func sameBundleGivesTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let bundle = try ModelBundle.open(try TrainedRun.of("crnn-mel").package(into: dir.file("zoo")))
        _ = try KerasExport.write(bundle, to: dir.file("a.keras"))
        Thread.sleep(forTimeInterval: 1.1)  // an HDF5 object that kept its creation time would differ now
        _ = try KerasExport.write(bundle, to: dir.file("b.keras"))
        #expect(
            FileManager.default.contents(atPath: dir.file("a.keras"))
                == FileManager.default.contents(atPath: dir.file("b.keras")))
    }
}
