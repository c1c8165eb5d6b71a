import Basics
import Dispatch
import Foundation
import NeuralNet
import Testing

/// The two LSTM engines against each other, and oneDNN's under concurrent use.
@Suite struct RecurrentEngines {
    /// Ten Adam steps on the reference batch from the reference weights: both engines end with
    /// the same weights to float rounding.
    @Test func enginesAgreeOverTrainingSteps() throws {
        let input = try KerasReference.tensor("input")
        let labels = try #require(try KerasReference.array("labels").integers()).map { Int($0) }
        var trained: [RecurrentEngine: [String: [Float]]] = [:]
        for engine in RecurrentEngine.allCases {
            let model = try KerasReference.model(engine)
            var adam = Adam()
            for _ in 0..<10 {
                model.zeroGradients()
                let (_, _, gradient) = SoftmaxCrossEntropy.evaluate(
                    logits: model.forward(input, training: true), labels: labels)
                model.backward(gradient)
                adam.step(model.parameters)
            }
            trained[engine] = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value) })
        }
        let initial = Dictionary(
            uniqueKeysWithValues: try KerasReference.model(.blas).parameters.map { ($0.name, $0.value) })
        for (name, blas) in trained[.blas]! {
            let onednn = trained[.onednn]![name]!
            let moved = zip(blas, initial[name]!).map { abs($0 - $1) }.max()!
            let difference = zip(blas, onednn).map { abs($0 - $1) }.max()!
            // Ten steps of about 1e-3 each moved the weights; the engines differ by rounding only.
            #expect(moved > 1e-3, "\(name) moved \(moved)")
            #expect(difference < 1e-5, "\(name): engines differ by \(difference)")
        }
    }

    /// A prediction (which keeps only the steps in flight) gives the bits of a training pass,
    /// also after a prediction on other input and with an odd number of steps (its two blocks
    /// of states alternate, so the last state's block depends on the parity).
    @Test(arguments: [130, 129]) func predictionsMatchTheTrainingPass(steps: Int) throws {
        let reference = try KerasReference.tensor("input")
        let (b, t, d) = (reference.shape[0], reference.shape[1], reference.shape[2])
        var values: [Float] = []
        for r in 0..<b { values += reference.values[(r * t * d)..<((r * t + steps) * d)] }
        let input = Tensor(shape: [b, steps, d], values: values)
        let other = Tensor(shape: [b, steps, d], values: values.reversed().map { $0 * 0.5 })
        for cell in [ReferenceCell.lstm, .gru] {
            let layer = try KerasReference.model(.blas, cell: cell).layers[0]
            let trained = layer.forward(input, training: true)
            let elsewhere = layer.forward(other, training: false)
            let predicted = layer.forward(input, training: false)
            let moved = zip(elsewhere.values, trained.values).map { abs($0 - $1) }.max()!
            let difference = zip(predicted.values, trained.values).map { abs($0 - $1) }.max()!
            #expect(moved > 0.1, "\(cell): the other input changed the output by \(moved) only")
            #expect(difference == 0, "\(cell), \(steps) steps: the prediction differs by \(difference)")
        }
    }

    /// Replicas on two threads at once give exactly what they give one after the other. (With
    /// oneDNN's default shared scratchpad they corrupted each other's memory.)
    @Test func replicasOnThreadsMatchSequentialRuns() throws {
        let input = try KerasReference.tensor("input")
        let labels = try #require(try KerasReference.array("labels").integers()).map { Int($0) }
        let batch = input.shape[0]
        let step = input.shape[1] * input.shape[2]
        // Replica r trains on the first `batch - r` rows, so the two run different shapes.
        @Sendable func gradients(_ model: Sequential, replica r: Int) -> [Float] {
            let rows = batch - r
            let x = Tensor(
                shape: [rows, input.shape[1], input.shape[2]], values: Array(input.values[0..<(rows * step)]))
            model.zeroGradients()
            let (_, _, gradient) = SoftmaxCrossEntropy.evaluate(
                logits: model.forward(x, training: true), labels: Array(labels[0..<rows]))
            model.backward(gradient)
            return model.parameters.flatMap(\.gradient)
        }
        let models = try (0..<2).map { _ in try KerasReference.model(.onednn) }
        let expected = (0..<2).map { gradients(models[$0], replica: $0) }
        let mismatches = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
        mismatches.initialize(repeating: 0)
        defer { mismatches.deallocate() }
        nonisolated(unsafe) let slots = mismatches
        nonisolated(unsafe) let replicas = models
        DispatchQueue.concurrentPerform(iterations: 2) { r in
            RecurrentEngine.setThreadsForCallingThread(1)
            for _ in 0..<25 where gradients(replicas[r], replica: r) != expected[r] { slots[r] += 1 }
        }
        #expect(Array(mismatches) == [0, 0])
    }

    /// Inference passes of twelve other shapes (more than the engine keeps plans for) between a
    /// training forward pass and its backward pass change nothing in the backward pass.
    @Test func manyShapesBetweenForwardAndBackward() throws {
        let input = try KerasReference.tensor("input")
        let features = input.shape[2]
        func gradients(inferenceBetween: Bool) throws -> [Float] {
            let lstm = try #require(try KerasReference.model(.onednn).layers[0] as? LSTM)
            let hidden = lstm.forward(input, training: true)
            if inferenceBetween {
                for steps in 1...12 {
                    let x = Tensor(shape: [1, steps, features], values: Array(input.values[0..<(steps * features)]))
                    _ = lstm.forward(x, training: false)
                }
            }
            let dx = lstm.backward(Tensor(shape: hidden.shape, values: hidden.values.map { $0 * 0.5 - 0.1 }))
            return lstm.parameters.flatMap(\.gradient) + dx.values
        }
        #expect(try gradients(inferenceBetween: false) == (try gradients(inferenceBetween: true)))
    }
}
