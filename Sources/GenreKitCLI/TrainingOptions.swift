import ArgumentParser
import Basics
import Foundation
import NeuralNet
import Training

/// The recipe and how it runs: what `train` and `cv` share.
struct TrainingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A built-in recipe (\(Recipe.builtIn.keys.sorted().joined(separator: ", "))) or a recipe file.",
            valueName: "recipe"))
    var recipe = "lstm-seed"
    @Option(help: "Epochs (overrides the recipe).")
    var epochs: Int?
    @Option(help: "Batch size (overrides the recipe).")
    var batchSize: Int?
    @Option(help: "Adam's learning rate (overrides the recipe).")
    var learningRate: Float?
    @Option(help: "Seed of initialisation, shuffling and dropout (overrides the recipe).")
    var seed: UInt64?
    @Option(help: "Early-stopping patience in epochs (overrides the recipe; turns early stopping on).")
    var patience: Int?
    @Option(
        help:
            "Threads, each training a part of every batch (default: all cores). Results are reproducible for a given count."
    )
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Option(
        help: ArgumentHelp(
            "How the LSTM or GRU computes: onednn (oneDNN's fused RNN primitive) or blas (GenreKit's own loop). Default: with --resume the run's own, else the faster on this CPU (\(RecurrentEngine.default.rawValue) here).",
            valueName: "engine"))
    var engine: RecurrentEngine?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, not \(batchSize)") }
        if let learningRate, !(learningRate > 0) {
            throw ValidationError("--learning-rate must be positive, not \(learningRate)")
        }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1, not \(patience)") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
    }

    /// The recipe with the flags' overrides.
    func loadRecipe() throws -> Recipe {
        var r = try Recipe.load(recipe)
        if let epochs { r.epochs = epochs }
        if let batchSize { r.batchSize = batchSize }
        if let learningRate { r.optimizer.learningRate = learningRate }
        if let seed { r.seed = seed }
        if let patience {
            r.earlyStopping = Recipe.EarlyStopping(monitor: "val_loss", patience: patience, restoreBestWeights: true)
        }
        return r
    }

    /// A trainer for the recipe that prints each epoch (unless `quiet`) and each note.
    func trainer(progress: ProgressLine, quiet: Bool, command: String) throws -> Trainer {
        Allocator.keepFreedBlocks()
        var trainer = Trainer(recipe: try loadRecipe(), progress: progress)
        trainer.threads = jobs
        trainer.engine = engine
        nonisolated(unsafe) var last = Date()
        trainer.onEpoch = { e in
            let seconds = Date().timeIntervalSince(last)
            last = Date()
            guard !quiet else { return }
            progress.finish()
            print(
                String(
                    format: "epoch %d (%.2f s): loss %.4f, accuracy %.4f, val_loss %.4f, val_accuracy %.4f",
                    e.epoch, seconds, e.loss, e.accuracy, e.valLoss, e.valAccuracy))
        }
        trainer.onNote = { note in
            progress.finish()
            say(command, note)
        }
        return trainer
    }
}

extension RecurrentEngine: ExpressibleByArgument {}
