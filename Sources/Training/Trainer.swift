import Basics
import Foundation
import NeuralNet

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
    /// How the recurrent layer computes. Unset: a resumed run's own engine (from its `run.json`),
    /// otherwise `RecurrentEngine.default`, the faster on the CPU (so a run started on another
    /// machine or GenreKit version resumes as it began). Reproducibility holds for a given engine
    /// and thread count.
    public var engine: RecurrentEngine?
    /// The test fold, for features prepared with folds (fold + 1 mod K validates, the rest train).
    public var fold: Int?
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
        let engine = self.engine ?? (resume ? RunFolder.recordedInfo(run)?.engineThatRan : nil) ?? .default
        let description = try TrainingData.describe(features)
        try recipe.checkFeatures(description, in: features)
        let data = try TrainingData.load(features, description: description, fold: fold)
        // Built first: a recipe whose layers do not fit the features is refused before the run
        // folder is touched.
        let session = try TrainingSession(recipe: recipe, data: consume data, threads: threads, engine: engine)
        try RunFolder.prepare(run, features: features, resume: resume, force: force)
        Interruption.shared.install()
        var info = RunInfo(data: session.data, threads: session.threads, engine: engine)
        if resume {
            try session.restore(from: run)
            info = try RunFolder.checkResume(run, recipe: recipe, info: info, state: session.state)
            if session.isFinished {
                onNote(nothingToTrain(run, session.state))
                // Finished and whole: nothing is rewritten. Killed while writing its final files:
                // they are made below from the last checkpoint.
                if let finished = RunFolder.finishedEvaluation(run) { return finished }
            }
        }
        // A run being extended is no longer finished: the final files go first, so a run folder
        // never holds final weights beside a history that goes further.
        if !session.isFinished { try RunFolder.unfinish(run) }
        try Self.writeJSON(recipe, to: run + "/recipe.json")
        try Self.writeJSON(info, to: run + "/run.json")
        var timing = RunTiming.read(run, epochs: resume ? session.state.epoch : 0)
        var lastPlot: ContinuousClock.Instant?
        while !session.isFinished {
            let start = ContinuousClock.now
            let record = try session.trainEpoch(progress: progress)
            try session.saveCheckpoint(in: run)
            let elapsed = (ContinuousClock.now - start).components
            timing.epochSeconds.append(
                (Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18).rounded(toPlaces: 3))
            try timing.write(run)
            // Drawing costs tens of milliseconds: the curves follow the run every few seconds, and
            // `finish` draws the last epoch.
            if lastPlot.map({ ContinuousClock.now - $0 >= Self.plotInterval }) ?? true {
                try RunPlots.write(
                    RunPlots.curves(session.history, bestEpoch: session.state.bestEpoch, title: plotTitle(run)),
                    name: "curves", in: run)
                lastPlot = ContinuousClock.now
            }
            onEpoch(record)
        }
        progress?.finish()
        if try session.restoreBestWeights(), session.state.bestEpoch != session.state.epoch {
            let s = session.state
            onNote(
                String(
                    format:
                        "early stopping: the weights of epoch %d (val_loss %.4f, the lowest) are kept, not those of epoch %d",
                    s.bestEpoch, s.bestValLoss, s.epoch))
        }
        return try session.finish(in: run, plotTitle: plotTitle(run))
    }

    /// How often `curves.svg` and `.png` are redrawn while training.
    static let plotInterval = Duration.seconds(5)

    /// `RECIPE (RUN-FOLDER-NAME)`, the title of the run's figures.
    func plotTitle(_ run: String) -> String { "\(recipe.name) (\(URL(fileURLWithPath: run).lastPathComponent))" }

    func nothingToTrain(_ run: String, _ state: TrainingState) -> String {
        state.stopped
            ? "\(run) stopped early at epoch \(state.epoch) (no val_loss improvement for \(recipe.earlyStopping?.patience ?? 0) epochs); more epochs would not change it, nothing to train"
            : "\(run) has trained all \(state.epoch) epochs; nothing to train (a larger --epochs trains further)"
    }

    /// The model's weights by their dotted names, plus the normalisation if any.
    static func weights(_ model: Sequential, normalization: Standardization?) -> [String: Tensor] {
        var tensors = Dictionary(
            uniqueKeysWithValues: model.parameters.map { ($0.name, Tensor(shape: $0.shape, values: $0.value)) })
        if let normalization {
            tensors["normalization.mean"] = Tensor(shape: [normalization.mean.count], values: normalization.mean)
            tensors["normalization.std"] = Tensor(shape: [normalization.std.count], values: normalization.std)
        }
        return tensors
    }

    /// Segments evaluated at once: 256, fewer when a segment's widest activation is large, so
    /// no activation of a batch passes `activationBudget` values (a convolution's first output at
    /// 256 log-mel segments is 545 MB, and training keeps several).
    /// - Parameter widest: the largest per-segment size among the input and the layers' outputs.
    public static func evaluationBatch(widest: Int) -> Int { max(1, min(256, activationBudget / max(widest, 1))) }
    public static let activationBudget = 1 << 24

    /// Probabilities, mean loss and accuracy over a split, in batches of `batch`. With `replicas`,
    /// the batches are shared among them (each on a thread of its own, after copying `model`'s
    /// weights); the batches and the order of the sums are the same whatever their number.
    static func predict(
        _ model: Sequential, _ split: SplitData, frames: Int, features: Int, batch: Int, replicas: [Sequential] = []
    ) -> Prediction {
        let step = frames * features
        let starts = Array(stride(from: 0, to: split.count, by: batch))
        let workers = replicas.isEmpty ? [model] : replicas
        nonisolated(unsafe) let models = workers
        nonisolated(unsafe) let master = model.parameters
        let copyWeights = !replicas.isEmpty
        let threadsEach = models.count > 1 ? 1 : ProcessInfo.processInfo.activeProcessorCount
        let results = ConcurrentMap.map(
            count: starts.count, threads: models.count,
            setUp: { w in
                RecurrentEngine.setThreadsForCallingThread(threadsEach)
                if copyWeights {
                    for (mine, theirs) in zip(models[w].parameters, master) { mine.value = theirs.value }
                }
                return models[w]
            }
        ) { worker, i in
            let end = min(starts[i] + batch, split.count)
            let x = Tensor(
                shape: [end - starts[i], frames, features], values: Array(split.x[(starts[i] * step)..<(end * step)]))
            let (p, loss, _) = SoftmaxCrossEntropy.evaluate(
                logits: worker.forward(x, training: false), labels: Array(split.labels[starts[i]..<end]))
            return (probabilities: p.values, loss: loss)
        }
        var probabilities: [Float] = []
        var lossSum = 0.0
        for (i, start) in starts.enumerated() {
            probabilities += results[i].probabilities
            lossSum += Double(results[i].loss) * Double(min(start + batch, split.count) - start)
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

    public static func readHistory(_ path: String) -> [EpochRecord] {
        parseHistory((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    public static func parseHistory(_ text: String) -> [EpochRecord] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 5, let e = Int(f[0]), let a = Double(f[1]), let b = Double(f[2]), let c = Double(f[3]),
                let d = Double(f[4])
            else { return nil }
            return EpochRecord(epoch: e, loss: a, accuracy: b, valLoss: c, valAccuracy: d)
        }
    }

    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicFile.write(JSONEncoder.sorted.encodeLine(value), to: path)
    }
}

struct Prediction {
    var probabilities: [Float]
    var classes: Int
    var loss: Double
    var accuracy: Double
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
