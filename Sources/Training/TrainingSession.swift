import Basics
import Formats
import Foundation
import NeuralNet

/// One run's training, step by step: the model and its replicas, Adam, the (normalised) splits
/// and where training stands. `Trainer.train` drives it: restore, train epochs and checkpoint,
/// restore the best weights, finish.
///
/// Deterministic: the batch order of epoch e and the dropout masks of batch b are drawn from
/// generators seeded by (seed, e, b); each batch is split into contiguous parts, one per
/// replica, and their gradients are summed in replica order. A network with batch statistics
/// (BatchNormalization) trains each batch whole on one model, as Keras does, with oneDNN's
/// primitives spread over the threads instead.
final class TrainingSession {
    let recipe: Recipe
    /// What was loaded, without its splits (`splits` holds them as the network sees them).
    let data: TrainingData
    let model: Sequential
    let replicas: [Sequential]
    /// Threads a batch runs on: one per replica, or oneDNN's threads on the one model.
    let threads: Int
    /// Segments a prediction runs at once (`Trainer.evaluationBatch`).
    let evaluationBatch: Int
    let normalization: Standardization?
    /// The splits as the network sees them (normalised when the recipe says so).
    let splits: [Partition: SplitData]
    var adam: Adam
    private(set) var state = TrainingState()
    private(set) var history: [EpochRecord] = []
    /// The validation split's prediction with the weights as they are, kept from the last
    /// epoch so `finish` does not predict it again; nil once the weights change.
    private var validation: Prediction?

    /// Takes the loaded data's splits over, normalising them in place: the MFCCs are not copied.
    /// - Throws: `RecipeError` when the recipe's layers do not fit the features' shape.
    init(recipe: Recipe, data: consuming TrainingData, threads: Int, engine: RecurrentEngine) throws {
        self.recipe = recipe
        var splits = data.splits
        data.splits = [:]
        self.data = data
        let shape = [data.frames, data.features]
        let layers = try recipe.layers(inputShape: shape, genres: data.genres.count, engine: engine)
        model = Sequential(layers.flatMap(\.built))
        evaluationBatch = Trainer.evaluationBatch(widest: layers.widestActivation(input: shape))
        KerasInitializer.initialize(model, seed: recipe.seed)
        let count = recipe.usesBatchStatistics ? 1 : max(1, min(threads, recipe.batchSize))
        replicas = try (0..<count).map { _ in
            try recipe.model(inputShape: shape, genres: data.genres.count, engine: engine)
        }
        self.threads = recipe.usesBatchStatistics ? max(1, threads) : count
        // Each replica runs on one core of its own: neither library may start threads of its own.
        BLASThreads.count = 1
        adam = Adam(
            learningRate: recipe.optimizer.learningRate, beta1: recipe.optimizer.beta1, beta2: recipe.optimizer.beta2,
            epsilon: recipe.optimizer.epsilon)
        let normalization =
            recipe.normalization == .perCoefficient
            ? Standardization.fit(splits[.train]!.x, features: data.features) : nil
        self.normalization = normalization
        if let normalization {
            for part in Partition.allCases {
                guard var split = splits.removeValue(forKey: part) else { continue }
                normalization.apply(&split.x)
                splits[part] = split
            }
        }
        self.splits = splits
    }

    /// Whether every epoch is trained or early stopping ended the run.
    var isFinished: Bool { state.epoch >= recipe.epochs || state.stopped }

    /// Weights, Adam's moments, the best weights and the early-stopping state from the run's
    /// last checkpoint, and its history up to that epoch.
    func restore(from run: String) throws {
        validation = nil
        let (tensors, metadata) = try Safetensors.read(path: run + "/checkpoint.safetensors")
        state = try TrainingState(metadata: metadata)
        try model.load(tensors.filter { !$0.key.contains("/") && !$0.key.hasPrefix("normalization.") })
        adam.iterations = state.iterations
        for p in model.parameters {
            if let m = tensors["adam.m/\(p.name)"], let v = tensors["adam.v/\(p.name)"] {
                adam.moments[p.name] = (m.values, v.values)
            }
        }
        state.best = tensors.filter { $0.key.hasPrefix("best/") }
        history = Trainer.readHistory(run + "/history.csv").filter { $0.epoch <= state.epoch }
    }

    /// Trains the next epoch, then scores the validation split and updates early stopping.
    func trainEpoch(progress: ProgressLine?) throws -> EpochRecord {
        let epoch = state.epoch + 1
        let train = splits[.train]!
        let order = batchOrder(epoch: epoch, count: train.count)
        var lossSum = 0.0
        var correct = 0
        for (b, start) in stride(from: 0, to: order.count, by: recipe.batchSize).enumerated() {
            try Interruption.shared.check()
            let rows = Array(order[start..<min(start + recipe.batchSize, order.count)])
            // Summed part by part, in replica order, as every run sums them.
            for part in trainBatch(rows, epoch: epoch, batch: b) {
                lossSum += part.loss
                correct += part.correct
            }
            progress?.update("epoch \(epoch)/\(recipe.epochs): \(start + rows.count) of \(order.count) segments")
        }
        let val = predict(.val)
        validation = val
        let record = EpochRecord(
            epoch: epoch, loss: lossSum / Double(train.count), accuracy: Double(correct) / Double(train.count),
            valLoss: val.loss, valAccuracy: val.accuracy)
        history.append(record)
        state.epoch = epoch
        state.iterations = adam.iterations
        updateEarlyStopping(record)
        return record
    }

    /// The rows of epoch `epoch` in the order they are batched: shuffled by a generator seeded
    /// with (seed, epoch) when the recipe shuffles.
    func batchOrder(epoch: Int, count: Int) -> [Int] {
        var order = Array(0..<count)
        if recipe.shuffle {
            var g = SplitMix64(seed: recipe.seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        }
        return order
    }

    /// One batch: contiguous parts of it on the replicas at once, their gradients summed in a
    /// fixed order, one Adam step. Returns each part's summed loss and correct predictions.
    func trainBatch(_ rows: [Int], epoch: Int, batch b: Int) -> [(loss: Double, correct: Int)] {
        let train = splits[.train]!
        let stepSize = data.frames * data.features
        let parts = (0..<replicas.count).map { p in
            Array(rows[(p * rows.count / replicas.count)..<((p + 1) * rows.count / replicas.count)])
        }.filter { !$0.isEmpty }
        nonisolated(unsafe) let workers = replicas
        nonisolated(unsafe) let master = model.parameters
        let batchCount = rows.count
        let seed = recipe.seed
        let (frames, features) = (data.frames, data.features)
        let threadsEach = parts.count > 1 ? 1 : threads
        let results = ConcurrentMap.map(count: parts.count, threads: parts.count) { p in
            RecurrentEngine.setThreadsForCallingThread(threadsEach)
            let replica = workers[p]
            for (mine, theirs) in zip(replica.parameters, master) { mine.value = theirs.value }
            for case let dropout as Dropout in replica.layers {
                dropout.reseed(seed ^ (UInt64(epoch) << 40) ^ (UInt64(b) << 16) ^ (UInt64(p) << 8))
            }
            let part = parts[p]
            var x = [Float]()
            x.reserveCapacity(part.count * stepSize)
            for r in part { x.append(contentsOf: train.x[(r * stepSize)..<((r + 1) * stepSize)]) }
            replica.zeroGradients()
            let labels = part.map { train.labels[$0] }
            let logits = replica.forward(Tensor(shape: [part.count, frames, features], values: x), training: true)
            var (probabilities, loss, gradient) = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            // The part's mean-loss gradient, scaled to its share of the batch mean.
            let share = Float(part.count) / Float(batchCount)
            for i in gradient.values.indices { gradient.values[i] *= share }
            replica.backwardParameters(gradient)
            return (
                loss: Double(loss) * Double(part.count),
                correct: zip(Trainer.argmax(probabilities), labels).filter { $0 == $1 }.count
            )
        }
        for (i, p) in master.enumerated() {
            var sum = workers[0].parameters[i].gradient
            for w in 1..<parts.count {
                let g = workers[w].parameters[i].gradient
                for k in sum.indices { sum[k] += g[k] }
            }
            p.gradient = sum
        }
        adam.step(master)
        // Moving statistics are the model's own updates, not Adam's: taken from the one replica
        // that trained the whole batch.
        for (i, p) in master.enumerated() where !p.trainable { p.value = workers[0].parameters[i].value }
        return results
    }

    /// Keras's EarlyStopping on validation loss: the best weights so far, and a stop after
    /// `patience` epochs without improvement.
    func updateEarlyStopping(_ record: EpochRecord) {
        guard let stopping = recipe.earlyStopping else { return }
        if record.valLoss < state.bestValLoss {
            state.bestValLoss = record.valLoss
            state.bestEpoch = record.epoch
            state.wait = 0
            state.best = Dictionary(
                uniqueKeysWithValues: model.parameters.map {
                    ("best/\($0.name)", Tensor(shape: $0.shape, values: $0.value))
                })
        } else {
            state.wait += 1
            if state.wait >= stopping.patience { state.stopped = true }
        }
    }

    /// `history.csv` and `checkpoint.safetensors` (weights, Adam's moments, best weights, state).
    func saveCheckpoint(in run: String) throws {
        try Trainer.writeHistory(history, to: run + "/history.csv")
        var tensors = Trainer.weights(model, normalization: normalization)
        for p in model.parameters {
            let (m, v) = adam.moments[p.name]!
            tensors["adam.m/\(p.name)"] = Tensor(shape: p.shape, values: m)
            tensors["adam.v/\(p.name)"] = Tensor(shape: p.shape, values: v)
        }
        tensors.merge(state.best) { $1 }
        try Safetensors.write(tensors, metadata: state.metadata, to: run + "/checkpoint.safetensors")
    }

    /// Loads the best weights when the recipe restores them; returns whether it did. (When the
    /// best epoch is the last, they are the weights the model holds.)
    func restoreBestWeights() throws -> Bool {
        guard let stopping = recipe.earlyStopping, stopping.restoreBestWeights, !state.best.isEmpty else {
            return false
        }
        guard state.bestEpoch != state.epoch else { return true }
        validation = nil
        try model.load(Dictionary(uniqueKeysWithValues: state.best.map { (String($0.key.dropFirst(5)), $0.value) }))
        return true
    }

    /// Probabilities, loss and accuracy over a split, the batches shared by the replicas.
    func predict(_ part: Partition) -> Prediction {
        Trainer.predict(
            model, splits[part]!, frames: data.frames, features: data.features, batch: evaluationBatch,
            replicas: replicas)
    }

    /// `evaluation.json`, the figures (the curves to the last epoch, the test confusion), then,
    /// last (it marks a finished run), `weights.safetensors`.
    func finish(in run: String, plotTitle: String) throws -> Evaluation {
        let evaluation = Evaluation.make(
            test: predict(.test), val: validation ?? predict(.val), splits: splits, data: data, epochs: state.epoch,
            bestEpoch: state.bestEpoch)
        try Trainer.writeJSON(evaluation, to: run + "/evaluation.json")
        try RunPlots.write(
            RunPlots.curves(history, bestEpoch: state.bestEpoch, title: plotTitle), name: "curves", in: run)
        try RunPlots.write(
            RunPlots.confusion(
                segments: evaluation.test.confusion, tracks: evaluation.test.trackConfusion, genres: data.genres,
                split: "test", title: "\(plotTitle): test confusion"),
            name: "confusion", in: run)
        var metadata = [
            "recipe": String(decoding: try JSONEncoder.sorted.encode(recipe), as: UTF8.self),
            "seed": String(recipe.seed),
            "genres": String(decoding: try JSONEncoder.sorted.encode(data.genres), as: UTF8.self),
            "features": String(decoding: try JSONEncoder.sorted.encode(data.description.features), as: UTF8.self),
            "dataset_fingerprint": data.description.fingerprint,
        ]
        metadata["normalization"] =
            normalization == nil ? "none" : "per-coefficient: (x - normalization.mean) / normalization.std"
        metadata["epochs"] = String(state.epoch)
        try Safetensors.write(
            Trainer.weights(model, normalization: normalization), metadata: metadata, to: run + "/weights.safetensors")
        return evaluation
    }
}

/// Where training stands after an epoch; saved as the checkpoint's metadata.
struct TrainingState {
    var epoch = 0
    var iterations = 0
    var bestValLoss = Double.infinity
    var bestEpoch = 0
    var wait = 0
    var stopped = false
    var best: [String: Tensor] = [:]

    init() {}

    init(metadata: [String: String]) throws {
        guard let e = metadata["epoch"].flatMap(Int.init), let i = metadata["iterations"].flatMap(Int.init),
            let l = metadata["best_val_loss"].flatMap(Double.init), let b = metadata["best_epoch"].flatMap(Int.init),
            let w = metadata["wait"].flatMap(Int.init)
        else { throw FormatError(.safetensors, path: "checkpoint.safetensors", "metadata lacks the training state") }
        (epoch, iterations, bestValLoss, bestEpoch, wait) = (e, i, l, b, w)
        stopped = metadata["stopped"] == "true"
    }

    var metadata: [String: String] {
        [
            "epoch": String(epoch), "iterations": String(iterations), "best_val_loss": String(bestValLoss),
            "best_epoch": String(bestEpoch), "wait": String(wait), "stopped": String(stopped),
        ]
    }
}
