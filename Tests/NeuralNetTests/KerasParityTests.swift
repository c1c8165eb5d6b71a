import Basics
import Formats
import Foundation
import NeuralNet
import TestSupport
import Testing

/// Tests/Reference/lstm: a Keras model of the seed's shape without dropout, its outputs,
/// gradients and one Adam step.
enum KerasReference {
    static func array(_ name: String) throws -> NPYArray {
        try NPY.read(path: Fixtures.reference + "/lstm/\(name).npy")
    }

    static func tensor(_ name: String) throws -> Tensor {
        let a = try array(name)
        return Tensor(shape: a.shape, values: a.floats())
    }

    /// Keras file names to the model's dotted keys.
    static let names: [(file: String, key: String)] =
        [
            ("lstm_kernel", "lstm.kernel"), ("lstm_recurrent_kernel", "lstm.recurrent_kernel"),
            ("lstm_bias", "lstm.bias"),
        ] + (0..<4).flatMap { i in [("dense\(i)_kernel", "dense\(i).kernel"), ("dense\(i)_bias", "dense\(i).bias")] }

    /// The reference model with its initial weights.
    static func model(_ engine: LSTMEngine = .default) throws -> Sequential {
        let model = Sequential([
            LSTM(inputSize: 13, hiddenSize: 128, name: "lstm", engine: engine),
            Dense(128, 128, name: "dense0"), ReLU(),
            Dense(128, 64, name: "dense1"), ReLU(),
            Dense(64, 48, name: "dense2"), ReLU(),
            Dense(48, 10, name: "dense3"),
        ])
        var weights: [String: Tensor] = [:]
        for (file, key) in names { weights[key] = try tensor(file) }
        try model.load(weights)
        return model
    }
}

/// Largest absolute difference divided by the reference's largest magnitude.
func relativeError(_ ours: [Float], _ reference: [Float]) -> Float {
    precondition(ours.count == reference.count)
    let scale = reference.map(abs).max()!
    return zip(ours, reference).map { abs($0 - $1) }.max()! / scale
}

@Suite struct KerasParity {
    @Test(arguments: LSTMEngine.allCases) func forwardMatches(engine: LSTMEngine) throws {
        let model = try KerasReference.model(engine)
        let input = try KerasReference.tensor("input")
        let hidden = model.layers[0].forward(input, training: false)
        let expectedHidden = try KerasReference.tensor("lstm_last_hidden")
        let hiddenError = zip(hidden.values, expectedHidden.values).map { abs($0 - $1) }.max()!
        print("\(engine): lstm last hidden max abs difference \(hiddenError)")
        #expect(hiddenError <= 1e-5)

        let labels = try #require(try KerasReference.array("labels").integers()).map { Int($0) }
        let (probabilities, loss, _) = SoftmaxCrossEntropy.evaluate(
            logits: model.forward(input, training: false), labels: labels)
        let expectedProbabilities = try KerasReference.tensor("probs")
        let probabilityError = zip(probabilities.values, expectedProbabilities.values).map { abs($0 - $1) }.max()!
        print("\(engine): probabilities max abs difference \(probabilityError), loss \(loss)")
        #expect(probabilityError <= 1e-5)
        #expect(abs(loss - (try KerasReference.array("loss").floats()[0])) <= 1e-5)
    }

    @Test(arguments: LSTMEngine.allCases) func gradientsMatch(engine: LSTMEngine) throws {
        let model = try KerasReference.model(engine)
        let input = try KerasReference.tensor("input")
        let labels = try #require(try KerasReference.array("labels").integers()).map { Int($0) }
        model.zeroGradients()
        let (_, _, gradient) = SoftmaxCrossEntropy.evaluate(
            logits: model.forward(input, training: true), labels: labels)
        let inputGradient = model.backward(gradient)
        let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        for (file, key) in KerasReference.names {
            let error = relativeError(byName[key]!.gradient, try KerasReference.tensor("grad_\(file)").values)
            print("\(engine): grad \(key) relative error \(error)")
            #expect(error <= 1e-4, "\(key)")
        }
        let inputError = relativeError(inputGradient.values, try KerasReference.tensor("grad_input").values)
        print("\(engine): grad input relative error \(inputError)")
        #expect(inputError <= 1e-4)
    }

    @Test func oneAdamStepMatches() throws {
        let model = try KerasReference.model()
        let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        // Keras's step on Keras's gradients: load them, then step.
        for (file, key) in KerasReference.names {
            byName[key]!.gradient = try KerasReference.tensor("grad_\(file)").values
        }
        var adam = Adam()
        adam.step(model.parameters)
        for (file, key) in KerasReference.names {
            let expected = try KerasReference.tensor("after_adam_\(file)").values
            let error = zip(byName[key]!.value, expected).map { abs($0 - $1) }.max()!
            #expect(error <= 1e-6, "\(key): \(error)")
        }
    }

    @Test func loadingNamesWhatIsWrong() throws {
        let model = try KerasReference.model()
        var weights = Dictionary(
            uniqueKeysWithValues: model.parameters.map { ($0.name, Tensor(shape: $0.shape, values: $0.value)) })
        weights["dense9.kernel"] = Tensor(zeros: [1])
        #expect(throws: NeuralNetError.unused(["dense9.kernel"])) { try model.load(weights) }
        weights["dense9.kernel"] = nil
        weights["lstm.bias"] = nil
        #expect(throws: NeuralNetError.missing(["lstm.bias"])) { try model.load(weights) }
        weights["lstm.bias"] = Tensor(zeros: [4])
        #expect(throws: NeuralNetError.shapeMismatch(name: "lstm.bias", expected: [512], found: [4])) {
            try model.load(weights)
        }
    }
}
