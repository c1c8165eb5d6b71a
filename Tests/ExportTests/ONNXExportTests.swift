import Basics
import Export
import Foundation
import ModelZoo
import ONNXProto
import SwiftProtobuf
import TestSupport
import Testing
import Training

/// `ONNXExport` for every recipe: the file read back with swift-protobuf, its graph evaluated by
/// an independent evaluator (`ONNXInterpreter`) and compared with GenreKit's own forward pass.
@Suite struct ONNXExportTests {
    /// Every recipe family of the zoo, and lstm-seed for a model without input normalisation.
    static let runs = TrainedRun.all + ["lstm-seed"]

    /// Packages `name`'s run into `dir` and exports it; the bundle and the model as read back.
    static func export(_ name: String, in dir: TemporaryDirectory) throws -> (ModelBundle, Onnx_ModelProto, [UInt8]) {
        let bundle = try ModelBundle.open(try TrainedRun.of(name).package(into: dir.file("zoo")))
        let path = dir.file("\(name).onnx")
        let written = try ONNXExport.write(bundle, to: path)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count == written)
        return (bundle, try Onnx_ModelProto(serializedBytes: bytes), Array(bytes))
    }

    @Test(arguments: runs) func exportedGraphGivesGenreKitsProbabilities(_ name: String) throws {
        let dir = TemporaryDirectory()
        let (bundle, model, _) = try Self.export(name, in: dir)
        let f = bundle.manifest.features
        let test = try #require(try TrainingData.load(TrainedRun.of(name).features).splits[.test])
        let count = min(test.count, 6)
        let x = Array(test.x[0..<(count * f.framesPerSegment * f.width)])
        let ours = try Predictor(bundle: bundle).segmentProbabilities(x, count: count)
        let theirs = try ONNXInterpreter(model: model).run(.init(shape: [count, f.framesPerSegment, f.width], data: x))
        #expect(theirs.shape == [count, bundle.manifest.genres.count])
        let worst = zip(ours, theirs.data).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-5, "\(name): largest probability difference \(worst)")
        // The probabilities must be a model's, not a constant: the segments do not all agree.
        let genres = bundle.manifest.genres.count
        #expect(
            Set((0..<count).map { s in ours[(s * genres)..<((s + 1) * genres)].map { ($0 * 1e4).rounded() } }).count > 1
        )
    }

    @Test(arguments: runs) func modelStatesItsInputsOutputsAndMetadata(_ name: String) throws {
        let dir = TemporaryDirectory()
        let (bundle, model, _) = try Self.export(name, in: dir)
        let m = bundle.manifest
        #expect(model.irVersion == 8)
        #expect(model.opsetImport.map(\.version) == [17] && model.opsetImport[0].domain.isEmpty)
        #expect(model.producerName == "genrekit" && model.producerVersion == GenreKitVersion.string)
        func dims(_ info: Onnx_ValueInfoProto) -> [String] {
            info.type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? String($0.dimValue) : $0.dimParam }
        }
        #expect(model.graph.input.map(\.name) == ["features"])
        #expect(dims(model.graph.input[0]) == ["batch", "\(m.features.framesPerSegment)", "\(m.features.width)"])
        #expect(model.graph.output.map(\.name) == ["probabilities"])
        #expect(dims(model.graph.output[0]) == ["batch", "\(m.genres.count)"])
        let meta = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        #expect(try JSONDecoder().decode([String].self, from: Data(meta["genres", default: ""].utf8)) == m.genres)
        #expect(meta["feature_kind"] == m.features.kind.rawValue)
        #expect(meta["bundle"] == "\(m.name) \(m.version)")
        #expect(meta["bundle_manifest_sha256"] == sha256Hex(bundle.manifestBytes))
        let ops = Set(model.graph.node.map(\.opType))
        #expect(ops.contains("Sub") == (m.normalization.kind == .perCoefficient))
        let recurrent = m.architecture.layers.first { $0.type == .lstm || $0.type == .gru }?.type.rawValue.uppercased()
        if let recurrent { #expect(ops.contains(recurrent), "\(ops)") }
        if m.architecture.layers.contains(where: { $0.type == .conv2d }) {
            #expect(ops.isSuperset(of: ["Conv", "BatchNormalization", "Relu", "MaxPool"]), "\(ops)")
        }
        // Every initializer is a weight of the bundle (reordered) or a small shape constant.
        let weightValues = bundle.weights.values.map(\.values.count).reduce(0, +)
        let floats = model.graph.initializer.filter { $0.dataType == 1 }.map { $0.rawData.count / 4 }.reduce(0, +)
        let lstmRecurrentBias = m.architecture.layers.filter { $0.type == .lstm }.map { 4 * ($0.units ?? 0) }.reduce(
            0, +)
        #expect(floats == weightValues + lstmRecurrentBias, "\(floats) floats for \(weightValues) weights")
    }

    @Test func sameBundleGivesTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let (bundle, _, first) = try Self.export("cnn-mel", in: dir)
        let again = dir.file("again.onnx")
        _ = try ONNXExport.write(bundle, to: again)
        #expect(FileManager.default.contents(atPath: again).map(Array.init) == first)
    }
}
