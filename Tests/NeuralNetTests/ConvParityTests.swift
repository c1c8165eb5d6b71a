import Basics
import Formats
import Foundation
import NeuralNet
import TestSupport
import Testing

/// Tests/Reference/cnn and Tests/Reference/crnn: cnn-mel's and crnn-mel's layers (Conv2D ->
/// BatchNormalization -> ReLU blocks with max pooling, then global average pooling, or a reshape
/// and a GRU) in Keras on small inputs: inference probabilities, one training step's loss,
/// gradients and moving statistics, and one Adam step.
enum ConvReference: String, CaseIterable, Sendable {
    case cnn, crnn

    func tensor(_ name: String) throws -> Tensor {
        let a = try NPY.read(path: Fixtures.reference + "/\(rawValue)/\(name).npy")
        return Tensor(shape: a.shape, values: a.floats())
    }

    /// A weight's file name: `bn0.moving_mean` is `bn0_moving_mean`.
    static func file(_ key: String) -> String {
        let dot = key.firstIndex(of: ".")!
        return key[..<dot] + "_" + key[key.index(after: dot)...]
    }

    /// The reference model, as the script builds it, with its weights.
    func model() throws -> Sequential {
        var layers: [any Layer] = []
        let widths = self == .cnn ? [16, 32, 64, 64] : [16, 32, 64]
        var channels = 1
        for (i, c) in widths.enumerated() {
            layers += [
                Conv2D(inputChannels: channels, filters: c, useBias: false, name: "conv\(i)"),
                BatchNormalization(channels: c, name: "bn\(i)"), ReLU(name: "relu\(i)"),
            ]
            if i < 3 { layers.append(MaxPooling2D(name: "pool\(i)")) }
            channels = c
        }
        switch self {
        case .cnn:
            layers += [GlobalAveragePooling2D(name: "gap"), Dense(64, 10, name: "dense")]
        case .crnn:
            // 24 x 16 pooled three times: 3 frames of 2 bands x 64 channels.
            layers += [
                Reshape([3, 128], name: "reshape"), GRU(inputSize: 128, hiddenSize: 64, name: "gru"),
                Dense(64, 10, name: "dense"),
            ]
        }
        let model = Sequential(layers)
        var weights: [String: Tensor] = [:]
        for p in model.parameters { weights[p.name] = try tensor(Self.file(p.name)) }
        try model.load(weights)
        return model
    }

    var labels: [Int] {
        get throws {
            try #require(try NPY.read(path: Fixtures.reference + "/\(rawValue)/labels.npy").integers()).map(Int.init)
        }
    }
}

@Suite struct ConvParity {
    @Test(arguments: ConvReference.allCases) func inferenceUsesTheMovingStatistics(reference: ConvReference) throws {
        let model = try reference.model()
        let (probabilities, _, _) = SoftmaxCrossEntropy.evaluate(
            logits: model.forward(try reference.tensor("input"), training: false), labels: try reference.labels)
        let error = maxAbs(probabilities.values, try reference.tensor("probs_inference").values)
        print("\(reference): inference probabilities max abs difference \(error)")
        #expect(error <= 1e-5)
    }

    /// One training step as Keras's `fit` takes it: batch statistics in the forward pass, every
    /// gradient through them, the moving statistics that pass leaves.
    @Test(arguments: ConvReference.allCases) func trainingStepMatches(reference: ConvReference) throws {
        let model = try reference.model()
        model.zeroGradients()
        let (probabilities, loss, gradient) = SoftmaxCrossEntropy.evaluate(
            logits: model.forward(try reference.tensor("input"), training: true), labels: try reference.labels)
        #expect(maxAbs(probabilities.values, try reference.tensor("probs_training").values) <= 1e-5)
        #expect(abs(loss - (try reference.tensor("loss").values[0])) <= 1e-5)
        let inputGradient = model.backward(gradient)
        for p in model.parameters {
            let file = ConvReference.file(p.name)
            if p.trainable {
                let error = relativeError(p.gradient, try reference.tensor("grad_" + file).values)
                print("\(reference): grad \(p.name) relative error \(error)")
                #expect(error <= 1e-4, "\(p.name)")
            } else {
                #expect(p.gradient.allSatisfy { $0 == 0 }, "\(p.name) is not trained")
                let error = maxAbs(p.value, try reference.tensor("after_training_" + file).values)
                print("\(reference): \(p.name) after the step, max abs difference \(error)")
                #expect(error <= 1e-6, "\(p.name)")
            }
        }
        let inputError = relativeError(inputGradient.values, try reference.tensor("grad_input").values)
        print("\(reference): grad input relative error \(inputError)")
        #expect(inputError <= 1e-4)
    }

    @Test(arguments: ConvReference.allCases) func oneAdamStepMatches(reference: ConvReference) throws {
        let model = try reference.model()
        for p in model.parameters where p.trainable {
            p.gradient = try reference.tensor("grad_" + ConvReference.file(p.name)).values
        }
        var adam = Adam()
        adam.step(model.parameters)
        for p in model.parameters where p.trainable {
            let error = maxAbs(p.value, try reference.tensor("after_adam_" + ConvReference.file(p.name)).values)
            #expect(error <= 1e-6, "\(p.name): \(error)")
        }
    }
}

func maxAbs(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    return zip(a, b).map { abs($0 - $1) }.max()!
}
