import ArgumentParser
import Basics
import Formats
import Foundation
import ModelZoo

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify audio files with a model bundle: genres ranked by probability.",
        discussion: """
            Each file (any format libsndfile reads: WAV, AIFF, FLAC, OGG, AU, ...) is decoded, mixed \
            down to mono, resampled to the bundle's rate when it differs (libsamplerate, best sinc \
            converter; the output says so), cut into every full segment the bundle's features use \
            (3 s for GTZAN models), and classified; the genres are ranked by the mean of the \
            segments' probabilities. The bundle is verified first (as genrekit inspect does).

            A file that cannot be decoded or is shorter than one segment gets a one-line error and the \
            others are still classified; the exit status is then 2 (1 when no file could be \
            classified). A bundle that fails verification: exit status 1. Memory stays under a few \
            hundred MB whatever the files' length: they are decoded and classified a block at a time.

            With --json, each file's entry also holds every segment's probabilities, in the order \
            of its genres.

            --features FOLDER classifies the segments of a features folder genrekit prepare wrote \
            (its test split, or --split) instead of audio files, and prints the segment and track \
            accuracy against the folder's labels; with --json, every segment's track, label and \
            probabilities. The folder must have been prepared with the bundle's feature settings.

            Examples: genrekit predict zoo/lstm-norm-1.0.0.tar.gz song.wav other.flac --top 3
                      genrekit predict zoo/lstm-norm-1.0.0.tar.gz --features features --json > test.json
            """)

    @Argument(help: "A bundle (.tar.gz) genrekit package wrote.")
    var bundle: String

    @Argument(help: "Audio files to classify.")
    var audio: [String] = []

    @Option(help: "A features folder genrekit prepare wrote: classify its segments instead of audio files.")
    var features: String?

    @Option(help: "With --features: the split to classify (train, val or test).")
    var split: Partition = .test

    @Option(help: "Print only the K most probable genres per file (default: all).")
    var top: Int?

    @Flag(help: "Print a JSON array: per file the ranking, segments and conversions, or the error.")
    var json = false

    func validate() throws {
        if features != nil, !audio.isEmpty {
            throw ValidationError("give audio files or --features, not both")
        }
        if audio.isEmpty, features == nil {
            throw ValidationError("give at least one audio file (or --features FOLDER for prepared segments)")
        }
        if let top, top < 1 { throw ValidationError("--top must be at least 1, not \(top)") }
    }

    func run() throws {
        let predictor = try perform("predict") { try Predictor(bundle: try ModelBundle.open(bundle)) }
        if let features {
            let scored = try perform("predict") { try predictor.score(features: features, split: split) }
            if json {
                print(String(decoding: try JSONEncoder.sorted.encode(scored), as: UTF8.self))
            } else {
                let s = scored.scores
                print(
                    "\(features) (\(split.rawValue)): \(s.segments) segments of \(s.tracks) tracks: segment accuracy "
                        + String(format: "%.4f, track accuracy %.4f", s.segmentAccuracy, s.trackAccuracy))
            }
            return
        }
        var failed = 0
        var results: [PredictionResult] = []
        for file in audio {
            do {
                var p = try predictor.predict(path: file)
                if let top { p.ranking = Array(p.ranking.prefix(top)) }
                results.append(.init(prediction: p))
                if !json { print(Self.describe(p)) }
            } catch {
                failed += 1
                let message = Self.explain(error, file: file)
                results.append(.init(file: file, error: message))
                say("predict", message)
            }
        }
        if json {
            print(String(decoding: try JSONEncoder.sorted.encode(results), as: UTF8.self))
        }
        if failed == audio.count { throw Exit.failure }
        if failed > 0 { throw Exit.findings }
    }

    /// The error, or what the file is when it is not audio at all (a bundle given twice, a
    /// folder).
    static func explain(_ error: any Error, file: String) -> String {
        switch InputPath.kind(file) {
        case .missing: "\(file): no such file"
        case .archive:
            "\(file): an archive or a bundle, not audio (the bundle comes first: genrekit predict BUNDLE AUDIO...)"
        case .datasetFolder, .featuresFolder, .runFolder, .zooFolder, .otherFolder:
            "\(file): a folder, not an audio file"
        default: "\(error)"
        }
    }

    static func describe(_ p: FilePrediction) -> String {
        var s = "\(p.file): \(p.segments) segment\(p.segments == 1 ? "" : "s")"
        s += String(
            format: " (%.1f s, %d Hz, %d channel%@)", p.seconds, p.sampleRate, p.channels, p.channels == 1 ? "" : "s")
        for c in p.conversions { s += "\n  note: \(c)" }
        let width = p.ranking.map(\.genre.count).max() ?? 0
        for (i, g) in p.ranking.enumerated() {
            s += "\n  \(String(format: "%2d", i + 1)). \(g.genre.padding(toLength: width, withPad: " ", startingAt: 0))"
            s += String(format: "  %.4f", g.probability)
        }
        return s
    }
}

/// One file's entry in `predict --json`: its prediction, or its error.
struct PredictionResult: Encodable {
    var file: String
    var prediction: FilePrediction?
    var error: String?

    init(prediction: FilePrediction) {
        file = prediction.file
        self.prediction = prediction
    }

    init(file: String, error: String) {
        self.file = file
        self.error = error
    }
}

extension Partition: ExpressibleByArgument {}
