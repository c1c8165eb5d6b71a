import Basics
import Features
import Formats
import Foundation
import NeuralNet
import TestSupport
import Testing
import Training

@testable import ModelZoo

/// Files anyone can edit: every size, count and offset is checked before it is used, and the
/// bounds the code enforces are the ones the bundle manifest's JSON Schema states.
@Suite struct HostileFileTests {
    /// Weights are finite, and a normalisation's deviations positive: predict divides by them.
    @Test func weightValuesAreChecked() throws {
        let fine: [String: Tensor] = [
            "dense.kernel": Tensor(shape: [2], values: [1, -1]),
            "normalization.std": Tensor(shape: [2], values: [0.5, 2]),
        ]
        try ModelBundle.checkValues(fine, path: "b.tar.gz")
        for (name, values) in [
            ("dense.kernel", [Float.nan, 1]), ("dense.kernel", [.infinity, 1]), ("normalization.std", [0, 1]),
        ] {
            var weights = fine
            weights[name] = Tensor(shape: [2], values: values)
            #expect(throws: BundleError.self, "\(name) \(values)") {
                try ModelBundle.checkValues(weights, path: "b.tar.gz")
            }
        }
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
        #expect(genres["maxItems"] as? Int == DatasetDescription.maxGenres)
    }
}
