import Basics
import Foundation
import ModelZoo
import ONNXProto

/// Why a bundle could not be exported: one line, prefixed by the caller with the bundle's path.
public struct ExportError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A bundle as one ONNX model: the input is the bundle's features `[batch, frames, width]` as
/// `prepare` writes them, the normalisation is inside the graph, the output is the genre
/// probabilities `[batch, genres]`. Genre names and feature parameters are metadata properties.
public enum ONNXExport {
    /// The operator set the graph uses (LSTM, GRU, Conv, BatchNormalization, MaxPool, Squeeze
    /// with axes as an input: all in ONNX's default domain at this version).
    public static let opset: Int64 = 17
    /// The IR version matching opset 17 (ONNX 1.12), read by every runtime since.
    public static let irVersion: Int64 = 8
    public static let inputName = "features"
    public static let outputName = "probabilities"

    /// The model for a verified bundle.
    public static func model(_ bundle: ModelBundle) throws(ExportError) -> Onnx_ModelProto {
        let manifest = bundle.manifest
        var translator = ONNXLayerTranslator(graph: ONNXGraph(name: manifest.name), weights: bundle.weights)
        let (frames, width) = (manifest.features.framesPerSegment, manifest.features.width)
        translator.graph.addInput(
            ONNXGraph.valueInfo(inputName, dims: [.symbol("batch"), .fixed(frames), .fixed(width)]))
        var x = ONNXValue(name: inputName, rank: 3, layout: .channelsLast)
        x.name = normalized(x.name, manifest: manifest, weights: bundle.weights, graph: &translator.graph)
        for layer in manifest.architecture.layers {
            x = try translator.append(layer, to: x)
        }
        guard x.rank == 2 else { throw ExportError("the last layer does not give one vector per segment") }
        translator.graph.node("Identity", [x.name], name: outputName)
        var graph = translator.graph.graph
        graph.node[graph.node.count - 1].output = [outputName]
        graph.output = [ONNXGraph.valueInfo(outputName, dims: [.symbol("batch"), .fixed(manifest.genres.count)])]
        graph.docString = manifest.architecture.output

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.version = opset
        model.opsetImport = [opsetID]
        model.producerName = "genrekit"
        model.producerVersion = GenreKitVersion.string
        model.domain = "genrekit"
        model.docString = manifest.recipe.description
        model.graph = graph
        model.metadataProps = metadata(bundle).map { key, value in
            var entry = Onnx_StringStringEntryProto()
            (entry.key, entry.value) = (key, value)
            return entry
        }
        return model
    }

    /// Writes the model to `path` atomically; returns its size in bytes.
    public static func write(_ bundle: ModelBundle, to path: String) throws -> Int {
        let bytes: Data = try model(bundle).serializedBytes()
        try AtomicFile.write(bytes, to: path)
        return bytes.count
    }

    /// `(x - mean) / std` per feature column when the bundle standardises its input.
    private static func normalized(
        _ x: String, manifest: BundleManifest, weights: [String: Tensor], graph: inout ONNXGraph
    ) -> String {
        guard manifest.normalization.kind == .perCoefficient, let mean = weights["normalization.mean"],
            let std = weights["normalization.std"]
        else { return x }
        let m = graph.constant("normalization.mean", shape: mean.shape, mean.values)
        let s = graph.constant("normalization.std", shape: std.shape, std.values)
        let centred = graph.node("Sub", [x, m], name: "normalization_centre")[0]
        return graph.node("Div", [centred, s], name: "normalization_scale")[0]
    }

    /// What a user of the file needs to feed it and read it, in a fixed order.
    static func metadata(_ bundle: ModelBundle) -> [(String, String)] {
        let m = bundle.manifest
        let json = JSONEncoder.sorted
        json.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let genres = (try? json.encode(m.genres)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        let features = (try? json.encode(m.features)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return [
            ("genres", genres),
            ("feature_kind", m.features.kind.rawValue),
            ("features", features),
            (
                "input",
                "\(inputName): float32 [batch, \(m.features.framesPerSegment), \(m.features.width)], one 3 s segment per row, the `\(m.features.kind.rawValue)` array of `genrekit prepare`'s .npz files; the normalisation is inside the graph"
            ),
            (
                "output",
                "\(outputName): float32 [batch, \(m.genres.count)], softmax probabilities in the order of genres"
            ),
            ("bundle", "\(m.name) \(m.version)"),
            ("bundle_manifest_sha256", sha256Hex(bundle.manifestBytes)),
        ]
    }
}
