import ArgumentParser
import Basics
import Foundation
import ModelZoo
import NeuralNet
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recipe's LSTM on prepared features into a run folder.",
        discussion: """
            Recipes: lstm-seed (the reference notebook's model: LSTM(128) and a dense head with \
            dropout, Adam, batch 20, 150 epochs) and lstm-norm (the same with per-coefficient \
            standardisation and early stopping on validation loss), or a recipe file \
            (manifests/models/*.json shows the format). Flags override the recipe.

            Each epoch is appended to RUN/history.csv and checkpointed (RUN/checkpoint.safetensors); \
            --resume carries on from the last checkpoint and ends with the same weights an \
            uninterrupted run would have. A resumed run keeps its recipe and flags; only a larger \
            --epochs is allowed (recorded in RUN/run.json). --force starts a run folder over. At the \
            end: RUN/evaluation.json (segment and track accuracy, per-genre precision, recall and F1, \
            confusion matrix on test and validation) and, last, RUN/weights.safetensors.

            The LSTM runs on oneDNN's fused LSTM primitive; --engine blas runs GenreKit's own \
            loop on OpenBLAS instead (about 5x slower, the same numbers to float rounding). The same \
            features, recipe, seed, --engine and --jobs give the same weights bit for bit.

            Example: genrekit train features --recipe lstm-norm --out runs/first --epochs 30
            """)

    @Argument(help: "The features folder genrekit prepare wrote.")
    var features: String

    @Option(help: "A built-in recipe (lstm-seed, lstm-norm) or a recipe file.")
    var recipe = "lstm-seed"

    @Option(help: ArgumentHelp("The run folder to create.", valueName: "run"))
    var out: String

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
            "How the LSTM computes: onednn (oneDNN's fused LSTM primitive, fast) or blas (GenreKit's own loop on OpenBLAS).",
            valueName: "engine"))
    var engine = LSTMEngine.default
    @Flag(help: "Carry on from RUN's last checkpoint (same recipe and flags; a larger --epochs trains further).")
    var resume = false
    @Flag(help: "Start over: replace RUN if it is a run folder.")
    var force = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, not \(batchSize)") }
        if let learningRate, !(learningRate > 0) {
            throw ValidationError("--learning-rate must be positive, not \(learningRate)")
        }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1, not \(patience)") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        if resume, force { throw ValidationError("--resume carries a run on, --force starts it over: give one") }
    }

    func run() throws {
        let progress = ProgressLine(label: "train", quiet: output.quiet)
        let afterInterrupt = "\(out) keeps the checkpoint of the last finished epoch, if any (carry on with --resume)"
        let evaluation = try perform("train", progress: progress, afterInterrupt: afterInterrupt) {
            var r = try Recipe.load(recipe)
            if let epochs { r.epochs = epochs }
            if let batchSize { r.batchSize = batchSize }
            if let learningRate { r.optimizer.learningRate = learningRate }
            if let seed { r.seed = seed }
            if let patience {
                r.earlyStopping = Recipe.EarlyStopping(
                    monitor: "val_loss", patience: patience, restoreBestWeights: true)
            }
            var trainer = Trainer(recipe: r, progress: progress)
            trainer.threads = jobs
            trainer.engine = engine
            let quiet = output.quiet
            nonisolated(unsafe) var last = Date()
            trainer.onEpoch = { e in
                let seconds = Date().timeIntervalSince(last)
                last = Date()
                guard !quiet else { return }
                progress.finish()
                print(
                    String(
                        format: "epoch %d (%.2f s): loss %.4f, accuracy %.4f, val_loss %.4f, val_accuracy %.4f",
                        e.epoch,
                        seconds, e.loss, e.accuracy, e.valLoss, e.valAccuracy))
            }
            trainer.onNote = { note in
                progress.finish()
                say("train", note)
            }
            return try trainer.train(features: features, run: out, resume: resume, force: force)
        }
        let t = evaluation.test
        print(
            String(
                format: "test: segment accuracy %.4f, track accuracy %.4f (%d segments, %d tracks)", t.segmentAccuracy,
                t.trackAccuracy, t.segments, t.tracks))
        print("run: \(out)/weights.safetensors, \(out)/evaluation.json, \(out)/history.csv")
    }
}

extension LSTMEngine: ExpressibleByArgument {}
