import ArgumentParser
import Basics
import Foundation
import Training

struct CVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv",
        abstract: "Cross-validate a recipe: train every fold of a folds folder and sum the folds up.",
        discussion: """
            FEATURES comes from genrekit prepare --folds K. Fold k trains into RUNS/fold-k with fold k \
            as test, fold (k + 1) mod K as validation and the others as train, as genrekit train \
            --fold k would. Then RUNS/cv.json holds every fold's test segment and track accuracy, \
            their mean and standard deviation (n - 1) and the test confusion matrix pooled over the \
            folds (every track is tested once), RUNS/confusion.svg and .png draw it (segments and tracks, \
            counts and shares), and a table is printed.

            Interrupted, it carries on with --resume: finished folds are kept (after checking their \
            recipe and features), the fold in progress resumes from its last checkpoint.

            Example: genrekit prepare data --out folds --folds 10
                     genrekit cv folds --recipe lstm-norm --out cv-runs --epochs 30
            """)

    @Argument(help: "The folds folder genrekit prepare --folds wrote.")
    var features: String
    @Option(help: ArgumentHelp("The folder of the fold runs and the summary.", valueName: "runs"))
    var out: String
    @OptionGroup var training: TrainingOptions
    @Flag(help: "Carry on: keep finished folds, resume the others from their checkpoints.")
    var resume = false
    @Flag(help: "Start over: replace RUNS if genrekit cv made it.")
    var force = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if resume, force { throw ValidationError("--resume carries the folds on, --force starts over: give one") }
    }

    func run() throws {
        let progress = ProgressLine(label: "cv", quiet: output.quiet)
        let afterInterrupt = "\(out) keeps every finished fold and the last checkpoint (carry on with --resume)"
        let quiet = output.quiet
        let summary = try perform("cv", progress: progress, afterInterrupt: afterInterrupt) {
            var cv = CrossValidation(trainer: try training.trainer(progress: progress, quiet: quiet, command: "cv"))
            cv.onStart = { fold, count, carryOn in
                guard !quiet else { return }
                progress.finish()
                print("== fold \(fold) of \(count)\(carryOn ? " (carrying on)" : "")")
            }
            cv.onFold = { fold, e, done in
                progress.finish()
                print(
                    String(
                        format: "fold %d: test segment accuracy %.4f, track accuracy %.4f%@", fold,
                        e.test.segmentAccuracy, e.test.trackAccuracy, done ? " (already trained)" : ""))
            }
            let summary = try cv.run(features: features, runs: out, resume: resume, force: force)
            return summary
        }
        print("\n\(summary.recipe) on \(summary.split):")
        print(summary.table)
        print(
            "summary: \(out)/cv.json, \(out)/confusion.svg and .png; runs: \(out)/fold-0 ... fold-\(summary.folds.count - 1)"
        )
    }
}
