import Archive
import Basics
import Foundation
import HDF5
import ModelZoo

/// A bundle as a Keras 3 `.keras` file that `keras.models.load_model` opens: a zip of
/// `metadata.json`, `config.json` (a `Sequential` of Keras's own layers with the bundle's
/// settings) and `model.weights.h5` (each layer's variables where Keras's saving library looks
/// for them: `layers/<snake_case class>[_n]/vars/<i>`, a recurrent layer's under `cell/`).
/// The bundle's weights are Keras's layouts already, so they are written unchanged; the input
/// normalisation is a `Normalization` layer holding the mean and the variance (std squared).
public enum KerasExport {
    /// The Keras version whose format this writes, the one `make example` loads it with.
    public static let kerasVersion = "3.15.1"

    /// Writes the `.keras` file to `path` atomically; returns its size in bytes.
    public static func write(_ bundle: ModelBundle, to path: String) throws -> Int {
        let model = try KerasModel(bundle)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "genrekit-keras-\(UUID().uuidString).h5"
        ).path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try model.writeWeights(to: scratch)
        guard let weights = FileManager.default.contents(atPath: scratch) else {
            throw ExportError("cannot read back the weights file written at \(scratch)")
        }
        let writer = try ArchiveWriter(path: path, format: .zip(level: 6))
        try writer.addFile("metadata.json", bytes: try json(model.metadata))
        try writer.addFile("config.json", bytes: try json(model.config))
        try writer.addFile("model.weights.h5", bytes: Array(weights))
        return try writer.finish().bytes
    }

    static func json(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}

/// The Keras model of a bundle: its config and, per layer, the HDF5 group and variables.
struct KerasModel {
    struct Entry {
        /// The layer's name in the config (the bundle's layer name).
        var name: String
        var config: [String: Any]
        /// The group under `layers/` (Keras: the class name in snake case, numbered from the
        /// second of a class on) and the variables in Keras's order.
        var group: String
        var variables: [Tensor]
        var recurrent: Bool
    }

    let name: String
    let input: [Int]
    let created: String
    let bundleName: String
    let genres: [String]
    let featureKind: String
    private(set) var entries: [Entry] = []
    private var used: [String: Int] = [:]

    init(_ bundle: ModelBundle) throws(ExportError) {
        let m = bundle.manifest
        name = m.name
        input = [m.features.framesPerSegment, m.features.width]
        created = m.created
        bundleName = "\(m.name) \(m.version)"
        genres = m.genres
        featureKind = m.features.kind.rawValue
        if m.normalization.kind == .perCoefficient, let mean = bundle.weights["normalization.mean"],
            let std = bundle.weights["normalization.std"]
        {
            add(
                "Normalization", name: "normalization",
                [
                    "axis": -1, "invert": false, "mean": mean.values.map(Double.init),
                    "variance": std.values.map { Double($0) * Double($0) },
                ])
        }
        var rank = 3
        for layer in m.architecture.layers {
            rank = try add(layer, weights: bundle.weights, rank: rank)
        }
    }

    /// Appends the Keras layers for one bundle layer; returns the rank after it.
    private mutating func add(_ layer: BundleManifest.Layer, weights: [String: Tensor], rank: Int) throws(ExportError)
        -> Int
    {
        func w(_ suffix: String) throws(ExportError) -> Tensor {
            guard let t = weights["\(layer.name).\(suffix)"] else {
                throw ExportError("layer \(layer.name): the weights file has no \(layer.name).\(suffix)")
            }
            return t
        }
        switch layer.type {
        case .lstm, .gru:
            var config: [String: Any] = [
                "units": layer.units ?? 0, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
                "return_sequences": false,
            ]
            if layer.type == .gru { config["reset_after"] = true }
            add(
                layer.type == .lstm ? "LSTM" : "GRU", name: layer.name, config,
                variables: [try w("kernel"), try w("recurrent_kernel"), try w("bias")], recurrent: true)
            return 2
        case .dense:
            add(
                "Dense", name: layer.name,
                ["units": layer.units ?? 0, "activation": layer.activation?.rawValue ?? "linear", "use_bias": true],
                variables: [try w("kernel"), try w("bias")])
            return rank
        case .dropout:
            add("Dropout", name: layer.name, ["rate": Self.decimal(layer.rate ?? 0)])
            return rank
        case .conv2d:
            if rank == 3 {
                add("Reshape", name: "one_channel", ["target_shape": input + [1]])
            }
            let bias = weights["\(layer.name).bias"]
            add(
                "Conv2D", name: layer.name,
                [
                    "filters": layer.filters ?? 0, "kernel_size": [layer.kernelSize ?? 3, layer.kernelSize ?? 3],
                    "strides": [1, 1], "padding": "same", "data_format": "channels_last", "use_bias": bias != nil,
                    "activation": "linear",
                ], variables: [try w("kernel")] + (bias.map { [$0] } ?? []))
            return 4
        case .batchnorm:
            add(
                "BatchNormalization", name: layer.name,
                [
                    "axis": -1, "momentum": Self.decimal(layer.momentum ?? 0.99),
                    "epsilon": Self.decimal(layer.epsilon ?? 1e-3), "center": true, "scale": true,
                ],
                variables: [try w("gamma"), try w("beta"), try w("moving_mean"), try w("moving_variance")])
            return rank
        case .relu:
            add("ReLU", name: layer.name, [:])
            return rank
        case .maxpool2d:
            add(
                "MaxPooling2D", name: layer.name,
                ["pool_size": [2, 2], "strides": [2, 2], "padding": "valid", "data_format": "channels_last"])
            return 4
        case .globalavgpool2d:
            add("GlobalAveragePooling2D", name: layer.name, ["data_format": "channels_last", "keepdims": false])
            return 2
        case .reshape:
            guard let shape = layer.outputShape else { throw ExportError("layer \(layer.name): no outputShape") }
            add("Reshape", name: layer.name, ["target_shape": shape])
            return 1 + shape.count
        }
    }

    private mutating func add(
        _ className: String, name: String, _ settings: [String: Any], variables: [Tensor] = [], recurrent: Bool = false
    ) {
        var config = settings
        config["name"] = name
        config["trainable"] = true
        config["dtype"] = "float32"
        let key = Self.snakeCase(className)
        let n = used[key, default: 0]
        used[key] = n + 1
        entries.append(
            Entry(
                name: name,
                config: [
                    "module": "keras.layers", "class_name": className, "config": config, "registered_name": NSNull(),
                ],
                group: n == 0 ? key : "\(key)_\(n)", variables: variables, recurrent: recurrent))
    }

    /// Keras's `naming.to_snake_case`: `BatchNormalization` -> `batch_normalization`,
    /// `ReLU` -> `re_lu`, `MaxPooling2D` -> `max_pooling2d`, `LSTM` -> `lstm`.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        let chars = Array(name)
        for (i, c) in chars.enumerated() {
            // "(.)([A-Z][a-z]+)" then "([a-z])([A-Z])", as Keras's two regular expressions.
            let startsWord = i > 0 && c.isUppercase && i + 1 < chars.count && chars[i + 1].isLowercase
            let afterLower = i > 0 && c.isUppercase && chars[i - 1].isLowercase
            if startsWord || afterLower { out.append("_") }
            out.append(contentsOf: c.lowercased())
        }
        return out
    }

    /// A float32 setting as the decimal it was written as (0.99, not 0.9900000095367432).
    static func decimal(_ x: Float) -> Double { Double(String(x)) ?? Double(x) }

    var config: [String: Any] {
        let inputLayer: [String: Any] = [
            "module": "keras.layers", "class_name": "InputLayer", "registered_name": NSNull(),
            "config": ["batch_shape": [NSNull()] + input.map { $0 as Any }, "dtype": "float32", "name": "features"],
        ]
        return [
            "module": "keras", "class_name": "Sequential", "registered_name": NSNull(),
            "config": [
                "name": name, "trainable": true, "dtype": "float32", "layers": [inputLayer] + entries.map(\.config),
            ],
            "build_config": ["input_shape": [NSNull()] + input.map { $0 as Any }],
        ]
    }

    /// Keras reads none of this back; genrekit adds what a user needs beside the model.
    var metadata: [String: Any] {
        [
            "keras_version": KerasExport.kerasVersion, "date_saved": created,
            "saved_by": "genrekit \(GenreKitVersion.string)", "bundle": bundleName, "genres": genres,
            "feature_kind": featureKind,
        ]
    }

    func writeWeights(to path: String) throws(HDF5Error) {
        let h5 = try HDF5Writer(path: path)
        try h5.createGroup("/layers")
        for e in entries {
            let group = "/layers/\(e.group)"
            try h5.createGroup(group)
            try h5.createGroup(group + "/vars", attributes: ["name": e.name])
            let holder = e.recurrent ? group + "/cell/vars" : group + "/vars"
            if e.recurrent {
                try h5.createGroup(group + "/cell")
                try h5.createGroup(holder, attributes: ["name": e.group + "_cell"])
            }
            for (i, t) in e.variables.enumerated() {
                try h5.writeFloats("\(holder)/\(i)", shape: t.shape, t.values)
            }
        }
        try h5.createGroup("/vars", attributes: ["name": name])
        try h5.close()
    }
}
