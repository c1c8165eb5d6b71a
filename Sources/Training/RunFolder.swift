import Basics
import Foundation
import NeuralNet

/// The rules of a run folder: what `train` may start, resume or replace, and the order its
/// files change in, so at every moment the folder is consistent (final weights only beside the
/// history and evaluation they belong to).
enum RunFolder {
    /// Makes `run` ready for training.
    /// - Throws: `TrainingError` when the folder exists and neither `resume` nor `force` is
    ///   given, `resume` has no checkpoint, or `force` would replace a folder that is not a run;
    ///   `FileError.overlap` when the run and the features hold one another.
    static func prepare(_ run: String, features: String, resume: Bool, force: Bool) throws {
        try InputPath.refuseOverlap(output: run, inputs: [features])
        let fm = FileManager.default
        let exists = fm.fileExists(atPath: run)
        if resume {
            guard exists else { throw TrainingError.noRun(path: run) }
            guard fm.fileExists(atPath: run + "/checkpoint.safetensors") else {
                throw TrainingError.noCheckpoint(path: run)
            }
            return
        }
        if exists {
            guard force else { throw TrainingError.runExists(path: run) }
            guard isReplaceable(run) else { throw TrainingError.notARun(path: run) }
            try fm.removeItem(atPath: run)
        }
        do { try fm.createDirectory(atPath: run, withIntermediateDirectories: true) } catch {
            throw FileError.io(path: run, message: "cannot create it (\(StagedDirectory.reason(error)))")
        }
    }

    /// `--force` replaces only what `train` made: a run folder, or an empty folder.
    static func isReplaceable(_ path: String) -> Bool {
        InputPath.kind(path) == .runFolder
            || ((try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty ?? false)
    }

    /// `run`'s record (`run.json`), or nil without a readable one.
    static func recordedInfo(_ run: String) -> RunInfo? {
        try? JSONDecoder().decode(RunInfo.self, from: Data(contentsOf: URL(fileURLWithPath: run + "/run.json")))
    }

    /// A resumed run must go on as it started: the same recipe (a longer `epochs` excepted, and
    /// recorded), engine and thread count.
    /// - Returns: the run's record with the extension, if any, added.
    static func checkResume(_ run: String, recipe: Recipe, info: RunInfo, state: TrainingState) throws -> RunInfo {
        var info = info
        if let before = recordedInfo(run) {
            if before.engineThatRan != info.engine || before.threads != info.threads {
                throw TrainingError.settingsChanged(
                    path: run, trained: "\(before.engineName) on \(before.threads) thread(s)",
                    now: "\(info.engineName) on \(info.threads) thread(s)")
            }
            if before.data.fingerprint != info.data.fingerprint || before.data.fold != info.data.fold {
                throw TrainingError.dataChanged(
                    path: run,
                    trained: before.data.fingerprint.prefix(12) + (before.data.fold.map { ", fold \($0)" } ?? ""),
                    now: info.data.fingerprint.prefix(12) + (info.data.fold.map { ", fold \($0)" } ?? ""))
            }
            info.resumes = before.resumes
        }
        guard let data = FileManager.default.contents(atPath: run + "/recipe.json"),
            let trained = try? JSONDecoder().decode(Recipe.self, from: data)
        else { throw TrainingError.unusableRun(path: run, reason: "recipe.json is missing or unreadable") }
        let changed = differences(trained, recipe)
        if !changed.isEmpty { throw TrainingError.recipeChanged(path: run, fields: changed) }
        if recipe.epochs < state.epoch { throw TrainingError.fewerEpochs(path: run, done: state.epoch) }
        if recipe.epochs != trained.epochs, state.epoch < recipe.epochs {
            info.resumes = (info.resumes ?? []) + [RunInfo.Resume(atEpoch: state.epoch, epochs: recipe.epochs)]
        }
        return info
    }

    /// The hyperparameters that differ, by recipe key (`epochs` is allowed to).
    static func differences(_ a: Recipe, _ b: Recipe) -> [String] {
        var names: [String] = []
        func compare<T: Equatable>(_ name: String, _ x: T, _ y: T) { if x != y { names.append(name) } }
        compare("name", a.name, b.name)
        compare("layers", a.layers, b.layers)
        compare("initialization", a.initialization, b.initialization)
        compare("loss", a.loss, b.loss)
        compare("optimizer.learningRate", a.optimizer.learningRate, b.optimizer.learningRate)
        compare("optimizer", a.optimizer.type, b.optimizer.type)
        compare("optimizer.beta1", a.optimizer.beta1, b.optimizer.beta1)
        compare("optimizer.beta2", a.optimizer.beta2, b.optimizer.beta2)
        compare("optimizer.epsilon", a.optimizer.epsilon, b.optimizer.epsilon)
        compare("batchSize", a.batchSize, b.batchSize)
        compare("shuffle", a.shuffle, b.shuffle)
        compare("normalization", a.normalization, b.normalization)
        compare("earlyStopping", a.earlyStopping, b.earlyStopping)
        compare("seed", a.seed, b.seed)
        return names
    }

    /// The evaluation of a finished run (its weights, written last, are there), or nil.
    static func finishedEvaluation(_ run: String) -> Evaluation? {
        guard FileManager.default.fileExists(atPath: run + "/weights.safetensors"),
            let data = FileManager.default.contents(atPath: run + "/evaluation.json")
        else { return nil }
        return try? JSONDecoder().decode(Evaluation.self, from: data)
    }

    /// Removes the files of a finished run before it trains further: the weights first (their
    /// presence marks a finished run), then the evaluation and its confusion figure.
    static func unfinish(_ run: String) throws {
        for name in ["weights.safetensors", "evaluation.json"] + RunPlots.fileNames("confusion") {
            if unlink(run + "/" + name) != 0, errno != ENOENT {
                throw FileError.io(path: run + "/" + name, message: String(cString: strerror(errno)))
            }
        }
    }
}
