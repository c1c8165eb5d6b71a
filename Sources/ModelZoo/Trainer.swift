import Dataset
import Foundation
import NeuralNet
import Prepare

/// One epoch's figures, as `history.csv` holds them.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var valLoss: Double
    public var valAccuracy: Double

    static let header = "epoch,loss,accuracy,val_loss,val_accuracy"
    var csv: String { "\(epoch),\(loss),\(accuracy),\(valLoss),\(valAccuracy)" }
}

/// Trains a recipe on prepared features into a run folder: `history.csv`, a checkpoint after
/// every epoch (`checkpoint.safetensors`: weights, Adam's moments, the best weights so far and
/// the early-stopping state), and at the end `weights.safetensors` and `evaluation.json`.
///
/// Deterministic: the batch order of epoch e and the dropout masks of batch b are drawn from
/// generators seeded by (seed, e, b), so a run resumed from a checkpoint ends with the same
/// weights as an uninterrupted one, bit for bit, with the same `threads`.
public struct Trainer {
    public var recipe: Recipe
    public var progress: ProgressLine?
    /// Threads that each run a part of every batch (a model replica each); the gradients are
    /// summed in a fixed order. Results are bit-for-bit reproducible for a given count.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// How the LSTM layer computes (oneDNN's primitive by default). Reproducibility holds
    /// for a given engine and thread count.
    public var engine = LSTMEngine.default
    /// Called after every epoch (for a log line when not on a terminal).
    public var onEpoch: (EpochRecord) -> Void = { _ in }

    public init(recipe: Recipe, progress: ProgressLine? = nil) {
        self.recipe = recipe
        self.progress = progress
    }

    /// Said along the way: early stopping's restored epoch, a resumed run that has nothing
    /// left to train, an extended run.
    public var onNote: (String) -> Void = { _ in }

    /// - Parameters:
    ///   - features: the folder `prepare` wrote.
    ///   - run: the run folder (created; must not exist unless `resume` or `force`).
    ///   - resume: carry on from the run's last checkpoint (the recipe must be the one it was
    ///     trained with; only a longer `epochs` is allowed, and recorded).
    ///   - force: start over: an existing run folder is replaced.
    /// - Returns: the test evaluation, also written to `run/evaluation.json`.
    public func train(features: String, run: String, resume: Bool, force: Bool = false) throws -> Evaluation {
        let data = try TrainingData.load(features)
        try RunFolder.prepare(run, features: features, resume: resume, force: force)
        let checkpointPath = run + "/checkpoint.safetensors"
        Interruption.shared.install()
        let model = recipe.model(inputSize: data.features, genres: data.genres.count, engine: engine)
        KerasInitializer.initialize(model, seed: recipe.seed)
        let replicas = (0..<max(1, min(threads, recipe.batchSize))).map { _ in
            recipe.model(inputSize: data.features, genres: data.genres.count, engine: engine)
        }
        // Each replica runs on one core of its own: neither library may start threads of its own.
        BLASThreads.count = 1
        var adam = Adam(
            learningRate: recipe.optimizer.learningRate, beta1: recipe.optimizer.beta1, beta2: recipe.optimizer.beta2,
            epsilon: recipe.optimizer.epsilon)
        let train = data.splits[.train]!
        let normalization =
            recipe.normalization == "per-coefficient"
            ? Normalization.fit(train.x, features: data.features) : nil
        let splits = data.splits.mapValues { split in
            var s = split
            if let normalization { normalization.apply(&s.x) }
            return s
        }
        var state = TrainingState()
        var history: [EpochRecord] = []
        var info = RunInfo(data: data, threads: replicas.count, engine: engine)
        if resume {
            let (tensors, metadata) = try Safetensors.read(path: checkpointPath)
            state = try TrainingState(metadata: metadata)
            try model.load(tensors.filter { !$0.key.contains("/") && !$0.key.hasPrefix("normalization.") })
            adam.iterations = state.iterations
            for p in model.parameters {
                if let m = tensors["adam.m/\(p.name)"], let v = tensors["adam.v/\(p.name)"] {
                    adam.moments[p.name] = (m.values, v.values)
                }
            }
            state.best = tensors.filter { $0.key.hasPrefix("best/") }
            history = Self.readHistory(run + "/history.csv").filter { $0.epoch <= state.epoch }
            info = try RunFolder.checkResume(run, recipe: recipe, info: info, state: state)
            if state.stopped || state.epoch >= recipe.epochs {
                onNote(
                    state.stopped
                        ? "\(run) stopped early at epoch \(state.epoch) (no val_loss improvement for \(recipe.earlyStopping?.patience ?? 0) epochs); more epochs would not change it, nothing to train"
                        : "\(run) has trained all \(state.epoch) epochs; nothing to train (a larger --epochs trains further)"
                )
                // Finished and whole: nothing is rewritten. Killed while writing its final files:
                // they are made below from the last checkpoint.
                if let finished = RunFolder.finishedEvaluation(run) { return finished }
            }
        }
        // A run being extended is no longer finished: the final files go first, so a run folder
        // never holds final weights beside a history that goes further.
        if state.epoch < recipe.epochs, !state.stopped { try RunFolder.unfinish(run) }
        try Self.writeJSON(recipe, to: run + "/recipe.json")
        try Self.writeJSON(info, to: run + "/run.json")

        let stepSize = data.frames * data.features
        let trainSplit = splits[.train]!
        while state.epoch < recipe.epochs, !state.stopped {
            let epoch = state.epoch + 1
            var order = Array(0..<trainSplit.count)
            if recipe.shuffle {
                var g = SplitMix64(seed: recipe.seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(g.next() % UInt64(i + 1))) }
            }
            var lossSum = 0.0
            var correct = 0
            for (b, start) in stride(from: 0, to: order.count, by: recipe.batchSize).enumerated() {
                try Interruption.shared.check()
                let rows = Array(order[start..<min(start + recipe.batchSize, order.count)])
                // Contiguous parts of the batch, one per replica.
                let parts = (0..<replicas.count).map { p in
                    Array(rows[(p * rows.count / replicas.count)..<((p + 1) * rows.count / replicas.count)])
                }.filter { !$0.isEmpty }
                let results = UnsafeMutableBufferPointer<(loss: Double, correct: Int)>.allocate(capacity: parts.count)
                defer { results.deallocate() }
                nonisolated(unsafe) let slots = results
                nonisolated(unsafe) let workers = replicas
                nonisolated(unsafe) let master = model.parameters
                let batchCount = rows.count
                let seed = recipe.seed
                let (frames, features) = (data.frames, data.features)
                let run: @Sendable (Int) -> Void = { p in
                    LSTMEngine.setThreadsForCallingThread(1)
                    let replica = workers[p]
                    for (mine, theirs) in zip(replica.parameters, master) { mine.value = theirs.value }
                    for (l, layer) in replica.layers.enumerated() {
                        (layer as? Dropout)?.reseed(
                            seed ^ (UInt64(epoch) << 40) ^ (UInt64(b) << 16) ^ (UInt64(p) << 8) ^ UInt64(l))
                    }
                    let part = parts[p]
                    var x = [Float]()
                    x.reserveCapacity(part.count * stepSize)
                    for r in part { x.append(contentsOf: trainSplit.x[(r * stepSize)..<((r + 1) * stepSize)]) }
                    replica.zeroGradients()
                    let labels = part.map { trainSplit.labels[$0] }
                    let logits = replica.forward(
                        Tensor(shape: [part.count, frames, features], values: x), training: true)
                    var (probabilities, loss, gradient) = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
                    // The part's mean-loss gradient, scaled to its share of the batch mean.
                    let share = Float(part.count) / Float(batchCount)
                    for i in gradient.values.indices { gradient.values[i] *= share }
                    replica.backward(gradient)
                    slots[p] = (
                        Double(loss) * Double(part.count),
                        zip(Self.argmax(probabilities), labels).filter { $0 == $1 }.count
                    )
                }
                if parts.count == 1 {
                    run(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: parts.count, execute: run)
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
                for p in 0..<parts.count {
                    lossSum += results[p].loss
                    correct += results[p].correct
                }
                progress?.update("epoch \(epoch)/\(recipe.epochs): \(start + rows.count) of \(order.count) segments")
            }
            let val = Self.predict(
                model, splits[.val]!, frames: data.frames, features: data.features, replicas: replicas)
            let record = EpochRecord(
                epoch: epoch, loss: lossSum / Double(trainSplit.count),
                accuracy: Double(correct) / Double(trainSplit.count),
                valLoss: val.loss, valAccuracy: val.accuracy)
            history.append(record)
            state.epoch = epoch
            state.iterations = adam.iterations
            if let stopping = recipe.earlyStopping {
                if record.valLoss < state.bestValLoss {
                    state.bestValLoss = record.valLoss
                    state.bestEpoch = epoch
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
            try Self.writeHistory(history, to: run + "/history.csv")
            var tensors = Self.weights(model, normalization: normalization)
            for p in model.parameters {
                let (m, v) = adam.moments[p.name]!
                tensors["adam.m/\(p.name)"] = Tensor(shape: p.shape, values: m)
                tensors["adam.v/\(p.name)"] = Tensor(shape: p.shape, values: v)
            }
            tensors.merge(state.best) { $1 }
            try Safetensors.write(tensors, metadata: state.metadata, to: checkpointPath)
            onEpoch(record)
        }
        progress?.finish()
        if let stopping = recipe.earlyStopping, stopping.restoreBestWeights, !state.best.isEmpty {
            try model.load(Dictionary(uniqueKeysWithValues: state.best.map { (String($0.key.dropFirst(5)), $0.value) }))
            if state.bestEpoch != state.epoch {
                onNote(
                    String(
                        format:
                            "early stopping: the weights of epoch %d (val_loss %.4f, the lowest) are kept, not those of epoch %d",
                        state.bestEpoch, state.bestValLoss, state.epoch))
            }
        }
        let evaluation = Evaluation.make(
            test: Self.predict(model, splits[.test]!, frames: data.frames, features: data.features, replicas: replicas),
            val: Self.predict(model, splits[.val]!, frames: data.frames, features: data.features, replicas: replicas),
            splits: splits, genres: data.genres, epochs: state.epoch, bestEpoch: state.bestEpoch)
        try Self.writeJSON(evaluation, to: run + "/evaluation.json")
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
        // Written last: weights.safetensors marks a finished run (genrekit package checks it).
        try Safetensors.write(
            Self.weights(model, normalization: normalization), metadata: metadata, to: run + "/weights.safetensors")
        return evaluation
    }

    /// The model's weights by their dotted names, plus the normalisation if any.
    static func weights(_ model: Sequential, normalization: Normalization?) -> [String: Tensor] {
        var tensors = Dictionary(
            uniqueKeysWithValues: model.parameters.map { ($0.name, Tensor(shape: $0.shape, values: $0.value)) })
        if let normalization {
            tensors["normalization.mean"] = Tensor(shape: [normalization.mean.count], values: normalization.mean)
            tensors["normalization.std"] = Tensor(shape: [normalization.std.count], values: normalization.std)
        }
        return tensors
    }

    /// Probabilities, mean loss and accuracy over a split, in batches of 256. With `replicas`,
    /// the batches are shared among them (each on a thread of its own, after copying `model`'s
    /// weights); the batches and the order of the sums are the same whatever their number.
    static func predict(
        _ model: Sequential, _ split: SplitData, frames: Int, features: Int, replicas: [Sequential] = []
    ) -> Prediction {
        let step = frames * features
        let starts = Array(stride(from: 0, to: split.count, by: 256))
        let workers = replicas.isEmpty ? [model] : replicas
        let results = UnsafeMutableBufferPointer<(probabilities: [Float], loss: Float)>.allocate(
            capacity: starts.count)
        results.initialize(repeating: ([], 0))
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        nonisolated(unsafe) let models = workers
        nonisolated(unsafe) let master = model.parameters
        let copyWeights = !replicas.isEmpty
        DispatchQueue.concurrentPerform(iterations: models.count) { w in
            LSTMEngine.setThreadsForCallingThread(models.count > 1 ? 1 : ProcessInfo.processInfo.activeProcessorCount)
            let worker = models[w]
            if copyWeights {
                for (mine, theirs) in zip(worker.parameters, master) { mine.value = theirs.value }
            }
            for (i, start) in starts.enumerated() where i % models.count == w {
                let end = min(start + 256, split.count)
                let x = Tensor(
                    shape: [end - start, frames, features], values: Array(split.x[(start * step)..<(end * step)]))
                let (p, loss, _) = SoftmaxCrossEntropy.evaluate(
                    logits: worker.forward(x, training: false), labels: Array(split.labels[start..<end]))
                slots[i] = (p.values, loss)
            }
        }
        var probabilities: [Float] = []
        var lossSum = 0.0
        for (i, start) in starts.enumerated() {
            probabilities += results[i].probabilities
            lossSum += Double(results[i].loss) * Double(min(start + 256, split.count) - start)
        }
        let classes = split.count > 0 ? probabilities.count / split.count : 0
        let predicted = Self.argmax(Tensor(shape: [split.count, classes], values: probabilities))
        let correct = zip(predicted, split.labels).filter { $0 == $1 }.count
        return Prediction(
            probabilities: probabilities, classes: classes, loss: split.count > 0 ? lossSum / Double(split.count) : 0,
            accuracy: split.count > 0 ? Double(correct) / Double(split.count) : 0)
    }

    static func argmax(_ t: Tensor) -> [Int] {
        let classes = t.shape[1]
        return (0..<t.shape[0]).map { r in
            (0..<classes).max { t.values[r * classes + $0] < t.values[r * classes + $1] } ?? 0
        }
    }

    static func writeHistory(_ rows: [EpochRecord], to path: String) throws {
        let text = ([EpochRecord.header] + rows.map(\.csv)).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    static func readHistory(_ path: String) -> [EpochRecord] {
        parseHistory((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    static func parseHistory(_ text: String) -> [EpochRecord] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 5, let e = Int(f[0]), let a = Double(f[1]), let b = Double(f[2]), let c = Double(f[3]),
                let d = Double(f[4])
            else { return nil }
            return EpochRecord(epoch: e, loss: a, accuracy: b, valLoss: c, valAccuracy: d)
        }
    }

    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicFile.write(JSONEncoder.sorted.encode(value) + Data("\n".utf8), to: path)
    }
}

/// `RUN/run.json`: what the run trained on, for `genrekit package`: the feature parameters, the
/// genres and the dataset's fingerprint, split policy and counts.
public struct RunInfo: Codable, Sendable, Equatable {
    public var formatVersion = 1
    public var generator = "genrekit \(GenreKitVersion.string)"
    public var genres: [String]
    public var features: DatasetDescription.FeatureParameters
    public var data: DataSummary
    /// Model replicas that trained each batch (results are reproducible for a given count).
    public var threads: Int
    /// The LSTM engine (`onednn` or `blas`); absent in runs made before GenreKit 0.3.
    public var engine: LSTMEngine?
    /// The engine with its library's version ("oneDNN 2.6.3 LSTM primitive").
    public var engineName: String { (engine ?? .blas).summary }
    /// Each time the run was resumed with more epochs than it had: at which epoch, and the new
    /// total (absent when it never was).
    public var resumes: [Resume]?

    public struct Resume: Codable, Sendable, Equatable {
        public var atEpoch: Int
        public var epochs: Int
    }

    init(data: TrainingData, threads: Int, engine: LSTMEngine) {
        genres = data.genres
        features = data.description.features
        self.data = DataSummary(data.description)
        self.threads = threads
        self.engine = engine
    }
}

/// The data a model saw: which feature set, from which source, split how.
public struct DataSummary: Codable, Sendable, Equatable {
    /// The feature set's fingerprint (`dataset.json` `fingerprint`).
    public var fingerprint: String
    /// The decoded audio's fingerprint (`dataset.json` `source.fingerprint`).
    public var sourceFingerprint: String
    public var split: DatasetDescription.SplitPolicy
    /// Tracks and segments per split (`train`, `val`, `test`).
    public var counts: [String: DatasetDescription.Counts]
    /// Tracks left out, with their reasons.
    public var skippedTracks: Int

    init(_ d: DatasetDescription) {
        fingerprint = d.fingerprint
        sourceFingerprint = d.source.fingerprint
        split = d.split
        counts = d.splits.mapValues { .init(tracks: $0.tracks.count, segments: $0.segments) }
        skippedTracks = d.skipped.count
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
        else { throw SafetensorsError(path: "checkpoint.safetensors", message: "metadata lacks the training state") }
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

/// Per-coefficient standardisation: mean and deviation of each feature over the train split.
struct Normalization {
    var mean: [Float]
    var std: [Float]

    static func fit(_ x: [Float], features: Int) -> Normalization {
        var sum = [Double](repeating: 0, count: features)
        var squares = [Double](repeating: 0, count: features)
        for (i, v) in x.enumerated() {
            sum[i % features] += Double(v)
            squares[i % features] += Double(v) * Double(v)
        }
        let n = Double(x.count / features)
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { max(($0 / n - $1 * $1), 0).squareRoot() }
        return Normalization(mean: mean.map { Float($0) }, std: std.map { Float(max($0, 1e-6)) })
    }

    func apply(_ x: inout [Float]) {
        let features = mean.count
        for i in x.indices { x[i] = (x[i] - mean[i % features]) / std[i % features] }
    }
}

struct Prediction {
    var probabilities: [Float]
    var classes: Int
    var loss: Double
    var accuracy: Double
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
