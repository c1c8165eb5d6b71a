import ArgumentParser
import Basics
import Foundation
import ModelZoo
import NeuralNet
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recipe's model on prepared features into a run folder.",
        discussion: """
            Recipes: lstm-seed (the reference notebook's model: LSTM(128) and a dense head with \
            dropout, Adam, batch 20, 150 epochs), lstm-norm (the same with per-coefficient \
            standardisation and early stopping on validation loss), gru-mfcc (lstm-norm with \
            Keras's default GRU(128) in place of the LSTM), cnn-mel (four blocks of 3x3 convolution, \
            batch normalisation and ReLU on log-mel spectrograms, Adam, batch 32, 60 epochs, early \
            stopping), crnn-mel (cnn-mel's first three blocks and a GRU(64)), or a recipe file \
            (manifests/models/*.json shows the format). Flags override the recipe. cnn-mel and \
            crnn-mel need features from prepare --features mel; the others, the default MFCCs.

            Each epoch is appended to RUN/history.csv and checkpointed (RUN/checkpoint.safetensors); \
            --resume carries on from the last checkpoint and ends with the same weights an \
            uninterrupted run would have. A resumed run keeps its recipe and flags; only a larger \
            --epochs is allowed (recorded in RUN/run.json). --force starts a run folder over. At the \
            end: RUN/evaluation.json (segment and track accuracy, per-genre precision, recall and F1, \
            segment and track confusion matrices on test and validation), RUN/confusion.svg and .png \
            (the test matrices, counts and row shares) and, last, RUN/weights.safetensors. \
            RUN/curves.svg and .png (accuracy and loss per epoch, the kept epoch marked) are redrawn \
            every few seconds while it trains.

            The LSTM or GRU runs on oneDNN's fused RNN primitive where oneDNN has JIT kernels for it \
            (AVX-512 CPUs), and on GenreKit's own loop elsewhere, whichever is faster; --engine picks \
            one (the same numbers to float rounding; run.json records which ran, and --resume goes on \
            with it). The same \
            features, recipe, seed, --engine and --jobs give the same weights bit for bit.

            Features prepared with --folds K need --fold k: fold k is the test split, fold (k + 1) \
            mod K validates, the others train (genrekit cv trains every fold and sums them up).

            Example: genrekit train features --recipe lstm-norm --out runs/first --epochs 30
                     genrekit train folds --fold 3 --out runs/fold-3
            """)

    @Argument(help: "The features folder genrekit prepare wrote.")
    var features: String

    @Option(help: ArgumentHelp("The run folder to create.", valueName: "run"))
    var out: String
    @Option(help: "The test fold, for features prepared with --folds (0 to K-1).")
    var fold: Int?
    @OptionGroup var training: TrainingOptions
    @Flag(help: "Carry on from RUN's last checkpoint (same recipe and flags; a larger --epochs trains further).")
    var resume = false
    @Flag(help: "Start over: replace RUN if it is a run folder.")
    var force = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let fold, fold < 0 { throw ValidationError("--fold must be 0 or more, not \(fold)") }
        if resume, force { throw ValidationError("--resume carries a run on, --force starts it over: give one") }
    }

    func run() throws {
        let progress = ProgressLine(label: "train", quiet: output.quiet)
        let afterInterrupt = "\(out) keeps the checkpoint of the last finished epoch, if any (carry on with --resume)"
        let evaluation = try perform("train", progress: progress, afterInterrupt: afterInterrupt) {
            var trainer = try training.trainer(progress: progress, quiet: output.quiet, command: "train")
            trainer.fold = fold
            return try trainer.train(features: features, run: out, resume: resume, force: force)
        }
        let t = evaluation.test
        print(
            String(
                format: "test: segment accuracy %.4f, track accuracy %.4f (%d segments, %d tracks; %@)",
                t.segmentAccuracy, t.trackAccuracy, t.segments, t.tracks, evaluation.split ?? "split unknown"))
        print("run: \(out)/weights.safetensors, \(out)/evaluation.json, \(out)/history.csv, \(out)/curves.png")
    }
}
