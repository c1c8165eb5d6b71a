import Basics
import Formats
import Foundation
import NeuralNet
import TestSupport
import Testing

/// The recurrent cell of a Keras reference model.
enum ReferenceCell: String, CaseIterable, Sendable {
    case lstm, gru
}

/// Tests/Reference/lstm and Tests/Reference/gru: a Keras model of the seed's shape without
/// dropout, with an LSTM or a GRU (reset_after=True) of 128 units; its outputs, gradients and
/// one Adam step.
enum KerasReference {
    static func array(_ name: String, _ cell: ReferenceCell = .lstm) throws -> NPYArray {
        try NPY.read(path: Fixtures.reference + "/\(cell.rawValue)/\(name).npy")
    }

    static func tensor(_ name: String, _ cell: ReferenceCell = .lstm) throws -> Tensor {
        let a = try array(name, cell)
        return Tensor(shape: a.shape, values: a.floats())
    }

    /// Keras file names to the model's dotted keys.
    static func names(_ cell: ReferenceCell = .lstm) -> [(file: String, key: String)] {
        let c = cell.rawValue
        return [
            ("\(c)_kernel", "\(c).kernel"), ("\(c)_recurrent_kernel", "\(c).recurrent_kernel"),
            ("\(c)_bias", "\(c).bias"),
        ]
            + (0..<4).flatMap { i in [("dense\(i)_kernel", "dense\(i).kernel"), ("dense\(i)_bias", "dense\(i).bias")] }
    }

    /// The reference model with its initial weights.
    static func model(_ engine: RecurrentEngine = .default, cell: ReferenceCell = .lstm) throws -> Sequential {
        let recurrent: any Layer =
            switch cell {
            case .lstm: LSTM(inputSize: 13, hiddenSize: 128, name: "lstm", engine: engine)
            case .gru: GRU(inputSize: 13, hiddenSize: 128, name: "gru", engine: engine)
            }
        let model = Sequential([
            recurrent,
            Dense(128, 128, name: "dense0"), ReLU(),
            Dense(128, 64, name: "dense1"), ReLU(),
            Dense(64, 48, name: "dense2"), ReLU(),
            Dense(48, 10, name: "dense3"),
        ])
        var weights: [String: Tensor] = [:]
        for (file, key) in names(cell) { weights[key] = try tensor(file, cell) }
        try model.load(weights)
        return model
    }

    /// Every (engine, cell) pair the parity tests run.
    static let cases: [(RecurrentEngine, ReferenceCell)] = RecurrentEngine.allCases.flatMap { e in
        ReferenceCell.allCases.map { (e, $0) }
    }
}

/// Largest absolute difference divided by the reference's largest magnitude.
func relativeError(_ ours: [Float], _ reference: [Float]) -> Float {
    precondition(ours.count == reference.count)
    let scale = reference.map(abs).max()!
    return zip(ours, reference).map { abs($0 - $1) }.max()! / scale
}

@Suite struct KerasParity {
    @Test(arguments: KerasReference.cases) func forwardMatches(engine: RecurrentEngine, cell: ReferenceCell) throws {
        let model = try KerasReference.model(engine, cell: cell)
        let input = try KerasReference.tensor("input", cell)
        let hidden = model.layers[0].forward(input, training: false)
        let expectedHidden = try KerasReference.tensor("\(cell)_last_hidden", cell)
        let hiddenError = zip(hidden.values, expectedHidden.values).map { abs($0 - $1) }.max()!
        print("\(engine) \(cell): last hidden max abs difference \(hiddenError)")
        #expect(hiddenError <= 1e-5)

        let labels = try #require(try KerasReference.array("labels", cell).integers()).map { Int($0) }
        let (probabilities, loss, _) = SoftmaxCrossEntropy.evaluate(
            logits: model.forward(input, training: false), labels: labels)
        let expectedProbabilities = try KerasReference.tensor("probs", cell)
        let probabilityError = zip(probabilities.values, expectedProbabilities.values).map { abs($0 - $1) }.max()!
        print("\(engine) \(cell): probabilities max abs difference \(probabilityError), loss \(loss)")
        #expect(probabilityError <= 1e-5)
        #expect(abs(loss - (try KerasReference.array("loss", cell).floats()[0])) <= 1e-5)
    }

    @Test(arguments: KerasReference.cases) func gradientsMatch(engine: RecurrentEngine, cell: ReferenceCell) throws {
        let model = try KerasReference.model(engine, cell: cell)
        let input = try KerasReference.tensor("input", cell)
        let labels = try #require(try KerasReference.array("labels", cell).integers()).map { Int($0) }
        model.zeroGradients()
        let (_, _, gradient) = SoftmaxCrossEntropy.evaluate(
            logits: model.forward(input, training: true), labels: labels)
        let inputGradient = model.backward(gradient)
        let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        for (file, key) in KerasReference.names(cell) {
            let error = relativeError(byName[key]!.gradient, try KerasReference.tensor("grad_\(file)", cell).values)
            print("\(engine): grad \(key) relative error \(error)")
            #expect(error <= 1e-4, "\(key)")
        }
        let inputError = relativeError(inputGradient.values, try KerasReference.tensor("grad_input", cell).values)
        print("\(engine) \(cell): grad input relative error \(inputError)")
        #expect(inputError <= 1e-4)
    }

    @Test(arguments: ReferenceCell.allCases) func oneAdamStepMatches(cell: ReferenceCell) throws {
        let model = try KerasReference.model(cell: cell)
        let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        // Keras's step on Keras's gradients: load them, then step.
        for (file, key) in KerasReference.names(cell) {
            byName[key]!.gradient = try KerasReference.tensor("grad_\(file)", cell).values
        }
        var adam = Adam()
        adam.step(model.parameters)
        for (file, key) in KerasReference.names(cell) {
            let expected = try KerasReference.tensor("after_adam_\(file)", cell).values
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
