import Basics
import Dataset
import Features
import Foundation
import NeuralNet
import Prepare
import TestSupport
import Testing

@testable import ModelZoo

/// Files anyone can edit: every size, count and offset is checked before it is used, and the
/// bounds the code enforces are the ones the bundle manifest's JSON Schema states.
@Suite struct HostileFileTests {
    static func npy(_ header: String, data: Int = 0) -> [UInt8] {
        var h = header
        let unpadded = 10 + h.utf8.count + 1
        h += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let bytes =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count & 0xFF), UInt8(h.utf8.count >> 8)]
            + Array(h.utf8) + [UInt8](repeating: 0, count: data)
        FuzzSeeds.keep(bytes, as: .npy)
        return bytes
    }

    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 130, 13), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 9223372036854775807), }",
        "{'descr': '<f4', 'fortran_order': True, 'shape': (-3, 130, -13), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, x, 13), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': 12, }",
        "{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': False, }",
        "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
    ])
    func lyingNPYHeadersAreRefused(header: String) {
        #expect(throws: FileError.self) { try NPY.decode(Self.npy(header, data: 8), name: "x.npy") }
    }

    @Test func honestNPYStillReads() throws {
        let a = try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data: 24))
        #expect(a.shape == [2, 3])
        let scalar = try NPY.decode(Self.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", data: 8))
        #expect(scalar.shape == [] && scalar.count == 1)
        let empty = try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 130, 13), }"))
        #expect(empty.count == 0)
    }

    static func safetensors(_ header: String, data: Int) -> [UInt8] {
        let json = Array(header.utf8)
        let bytes =
            (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json
            + [UInt8](repeating: 0, count: data)
        FuzzSeeds.keep(bytes, as: .safetensors)
        return bytes
    }

    @Test(arguments: [
        #"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}"#,
        #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#,
        #"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, -8]}}"#,
        #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [9223372036854775800, 9223372036854775807]}}"#,
        #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "v": {"dtype": "F32", "shape": [2305843009213693951], "data_offsets": [4, 9223372036854775808]}}"#,
        #"{"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}"#,
    ])
    func lyingSafetensorsAreRefused(header: String) {
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(Self.safetensors(header, data: 8)) }
    }

    @Test func lyingHeaderLengthIsRefused() {
        var bytes = Self.safetensors(#"{}"#, data: 0)
        for i in 0..<8 { bytes[i] = 0xFF }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(bytes) }
    }

    /// Weights are finite, and a normalisation's deviations positive: predict divides by them.
    @Test func weightValuesAreChecked() throws {
        let fine: [String: Tensor] = [
            "dense.kernel": Tensor(shape: [2], values: [1, -1]),
            "normalization.std": Tensor(shape: [2], values: [0.5, 2]),
        ]
        try Bundle.checkValues(fine, path: "b.tar.gz")
        for (name, values) in [
            ("dense.kernel", [Float.nan, 1]), ("dense.kernel", [.infinity, 1]), ("normalization.std", [0, 1]),
        ] {
            var weights = fine
            weights[name] = Tensor(shape: [2], values: values)
            #expect(throws: BundleError.self, "\(name) \(values)") { try Bundle.checkValues(weights, path: "b.tar.gz") }
        }
    }

    @Test func recipesTheTrainerCannotBuildAreRefused() throws {
        var stacked = try Recipe.load("lstm-seed")
        stacked.layers.insert(.init(type: .lstm, name: "lstm2", units: .count(8)), at: 1)
        #expect { try stacked.check() } throws: { "\($0)".contains("only the first layer can be an lstm") }
        var huge = try Recipe.load("lstm-seed")
        huge.layers[0].units = .count(100_000)
        #expect { try huge.check() } throws: { "\($0)".contains("100000 units; GenreKit builds 1 to 4096") }
        var negative = try Recipe.load("lstm-seed")
        negative.layers[0].units = .count(-5)
        #expect(throws: RecipeError.self) { try negative.check() }
        var softmaxInside = try Recipe.load("lstm-seed")
        let inner = try #require(
            softmaxInside.layers.indices.dropLast().last { softmaxInside.layers[$0].type == .dense })
        softmaxInside.layers[inner].activation = .softmax
        #expect(throws: RecipeError.self) { try softmaxInside.check() }
    }

    /// The JSON Schema and the code state the same bounds.
    @Test func schemaStatesTheCodesBounds() throws {
        let schema = try #require(
            try JSONSerialization.jsonObject(
                with: Data(Fixtures.bytes(Fixtures.packageRoot + "/manifests/schemas/bundle-manifest-1.schema.json")))
                as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        func bounds(_ object: Any?) -> ClosedRange<Double>? {
            guard let o = object as? [String: Any], let low = o["minimum"] as? Double,
                let high = o["maximum"] as? Double
            else { return nil }
            return low...high
        }
        func range(_ r: ClosedRange<Int>) -> ClosedRange<Double> { Double(r.lowerBound)...Double(r.upperBound) }
        let features = try #require((defs["features"] as? [String: Any])?["properties"] as? [String: Any])
        typealias B = MFCCParameters.Bounds
        #expect(bounds(features["sampleRate"]) == range(B.sampleRate))
        #expect(bounds(features["nFFT"]) == range(B.nFFT))
        #expect(bounds(features["hopLength"]) == range(B.hopLength))
        #expect(bounds(features["nMels"]) == range(B.nMels))
        #expect(bounds(features["nMFCC"]) == range(B.nMFCC))
        #expect(bounds(features["segmentsPerTrack"]) == 1...100)
        #expect(bounds(features["seconds"]) == 1...3600)
        #expect(
            bounds(features["samplesPerSegment"])
                == range(1...DatasetDescription.FeatureParameters.maxSamplesPerSegment))
        let power = try #require((features["powerToDB"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(bounds(power["topDB"]) == B.topDB)
        #expect(bounds(power["amin"]) == B.amin)
        let recipe = try #require((defs["recipe"] as? [String: Any])?["properties"] as? [String: Any])
        let layers = try #require(recipe["layers"] as? [String: Any])
        #expect((layers["minItems"] as? Int).map { $0...(layers["maxItems"] as? Int ?? 0) } == Recipe.Bounds.layers)
        let units =
            ((((layers["items"] as? [String: Any])?["properties"] as? [String: Any])?["units"] as? [String: Any])?[
                "oneOf"] as? [Any])?.first
        #expect(bounds(units) == range(Recipe.Bounds.units))
        #expect(
            bounds((defs["layer"] as? [String: Any]).flatMap { ($0["properties"] as? [String: Any])?["units"] })
                == range(Recipe.Bounds.units))
        #expect(bounds(recipe["batchSize"]) == range(Recipe.Bounds.batchSize))
        #expect(bounds(recipe["epochs"]) == range(Recipe.Bounds.epochs))
        let optimizer = try #require((recipe["optimizer"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(
            bounds(optimizer["learningRate"]).map { Float($0.lowerBound)...Float($0.upperBound) }
                == Recipe.Bounds.learningRate)
        let genres = try #require((schema["properties"] as? [String: Any])?["genres"] as? [String: Any])
        #expect(genres["maxItems"] as? Int == BundleManifest.maxGenres)
    }
}
