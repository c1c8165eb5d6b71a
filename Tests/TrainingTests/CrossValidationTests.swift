import Basics
import Formats
import Foundation
import Prepare
import TestSupport
import Testing
import Training

/// Training on folds and cross-validation end to end on a tiny set (issue: numbers an expert
/// trusts).
@Suite struct CrossValidationTests {
    /// Tone features dealt into 3 folds by track.
    func foldFeatures(_ dir: TemporaryDirectory) throws -> (String, DatasetDescription) {
        let data = try Fixtures.toneDataset(in: dir, perGenre: 3, seconds: 6)
        var options = Preparer.Options()
        options.unit = .track
        options.folds = 3
        let d = try Preparer(options: options).prepare(directory: data, out: dir.file("folds"))
        return (dir.file("folds"), d)
    }

    /// Fold k tests on fold k, validates on fold k + 1 mod K and trains on the rest: each
    /// partition's rows are exactly the tracks of its fold.
    @Test func foldKIsTestAndTheNextValidates() throws {
        let dir = TemporaryDirectory()
        let (folder, d) = try foldFeatures(dir)
        for k in 0..<3 {
            let data = try TrainingData.load(folder, fold: k)
            #expect(data.fold == k)
            for (part, fold) in [(Partition.test, k), (.val, (k + 1) % 3), (.train, (k + 2) % 3)] {
                let split = try #require(data.splits[part])
                #expect(split.tracks.allSatisfy { d.tracks[$0].fold == fold }, "fold \(k) \(part)")
                #expect(split.count == d.splits["fold\(fold)"]!.segments)
                #expect(data.counts[part.rawValue]?.segments == split.count)
            }
        }
        #expect(throws: TrainingError.self) { try TrainingData.load(folder) }
        #expect(throws: TrainingError.self) { try TrainingData.load(folder, fold: 3) }
        #expect { try TrainingData.load(folder) } throws: { "\($0)".contains("give --fold 0 to 2") }
    }

    /// `cv` trains every fold, pools the test confusion over them (each track tested once),
    /// keeps finished folds when resumed, and carries on an unfinished one.
    @Test func crossValidationEndToEndAndResumed() throws {
        let dir = TemporaryDirectory()
        let (folder, d) = try foldFeatures(dir)
        var trainer = Trainer(recipe: try smallRecipe(epochs: 2))
        trainer.threads = 1
        let runs = dir.file("cv")
        let summary = try CrossValidation(trainer: trainer).run(
            features: folder, runs: runs, resume: false, force: false)
        #expect(summary.folds.count == 3)
        #expect(summary.split == "track split, 3 folds, seed 42")
        #expect(summary.confusion.joined().reduce(0, +) == d.files["folds.npz"]!.segments)
        #expect(summary.folds.map(\.tracks).reduce(0, +) == d.tracks.count)
        let accuracies = summary.folds.map(\.segmentAccuracy)
        let mean = accuracies.reduce(0, +) / 3
        #expect(abs(summary.segmentAccuracy.mean - mean) < 1e-12)
        let std = (accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        #expect(abs(summary.segmentAccuracy.std - std) < 1e-12)
        for k in 0..<3 {
            let e = try JSONDecoder().decode(
                Evaluation.self, from: Data(contentsOf: URL(fileURLWithPath: runs + "/fold-\(k)/evaluation.json")))
            #expect(e.fold == k && e.split == "track split, 3 folds, seed 42, test fold \(k)")
            #expect(e.test.segmentAccuracy == summary.folds[k].segmentAccuracy)
        }
        let written = try Data(contentsOf: URL(fileURLWithPath: runs + "/cv.json"))

        // Without --resume or --force an existing folder is refused.
        #expect(throws: TrainingError.self) {
            try CrossValidation(trainer: trainer).run(features: folder, runs: runs, resume: false, force: false)
        }
        // Fold 1 loses its final files, as if killed after its last checkpoint: resuming keeps
        // folds 0 and 2, finishes fold 1 from its checkpoint, and ends with the same summary.
        try FileManager.default.removeItem(atPath: runs + "/fold-1/weights.safetensors")
        var reused: [Int] = []
        var cv = CrossValidation(trainer: trainer)
        cv.onFold = { fold, _, done in if done { reused.append(fold) } }
        let resumed = try cv.run(features: folder, runs: runs, resume: true, force: false)
        #expect(reused == [0, 2])
        #expect(resumed == summary)
        #expect(try Data(contentsOf: URL(fileURLWithPath: runs + "/cv.json")) == written)
        // A kept fold's evaluation.json that does not fit the features is refused, not summed.
        let evaluationPath = runs + "/fold-2/evaluation.json"
        let good = try Data(contentsOf: URL(fileURLWithPath: evaluationPath))
        var bad = try JSONDecoder().decode(Evaluation.self, from: good)
        bad.test.confusion.append([Int](repeating: Int.max, count: 11))
        try JSONEncoder.sorted.encodeLine(bad).write(to: URL(fileURLWithPath: evaluationPath))
        #expect {
            try CrossValidation(trainer: trainer).run(features: folder, runs: runs, resume: true, force: false)
        } throws: { "\($0)".contains("fold-2/evaluation.json: cannot resume it: its genres or confusion matrix") }
        try good.write(to: URL(fileURLWithPath: evaluationPath))
        // Resumed with another recipe: refused, not mixed.
        var other = trainer
        other.recipe.seed += 1
        #expect(throws: TrainingError.self) {
            try CrossValidation(trainer: other).run(features: folder, runs: runs, resume: true, force: false)
        }
    }

    /// A folds.npz whose `fold` array names folds dataset.json does not have, or leaves a
    /// partition empty, is refused with the reason, even when its SHA-256 is recorded.
    @Test func hostileFoldArraysAreRefused() throws {
        let dir = TemporaryDirectory()
        let (folder, _) = try foldFeatures(dir)
        let path = folder + "/folds.npz"
        let arrays = try NPY.readArchive(path: path)
        let count = try #require(arrays["fold"]).count
        for (values, reason) in [
            ([Int32](repeating: 7, count: count), "fold 7 is not one of the 3 folds"),
            ([Int32](repeating: -1, count: count), "fold -1 is not one of the 3 folds"),
            ([Int32](repeating: 0, count: count), "the train split of fold 0 is empty"),
            ([Int32](repeating: 0, count: count - 1), "fold must be an integer array of \(count) rows"),
        ] {
            var changed = arrays
            changed["fold"] = NPYArray(values, shape: [values.count])
            try NPY.writeArchive(changed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: path)
            var description = try JSONDecoder().decode(
                DatasetDescription.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/dataset.json")))
            description.files["folds.npz"]!.sha256 = sha256Hex(try Data(contentsOf: URL(fileURLWithPath: path)))
            try JSONEncoder.sorted.encodeLine(description).write(to: URL(fileURLWithPath: folder + "/dataset.json"))
            #expect { try TrainingData.load(folder, fold: 0) } throws: { "\($0)".contains(reason) }
        }
    }

    @Test func crossValidationNeedsFolds() throws {
        let dir = TemporaryDirectory()
        let features = try toneFeatures(dir)
        let trainer = Trainer(recipe: try smallRecipe(epochs: 1))
        #expect {
            try CrossValidation(trainer: trainer).run(
                features: features, runs: dir.file("cv"), resume: false, force: false)
        } throws: { "\($0)".contains("not folds: prepare with --folds K") }
        #expect(!FileManager.default.fileExists(atPath: dir.file("cv")))
        #expect { try TrainingData.load(features, fold: 0) } throws: { "\($0)".contains("drop --fold 0") }
    }

    /// A recipe sized for log-mel features is refused on MFCC folds before the cross-validation
    /// folder is made.
    @Test func crossValidationRefusesAnotherFeatureKind() throws {
        let dir = TemporaryDirectory()
        let (folder, _) = try foldFeatures(dir)
        let trainer = Trainer(recipe: try smallRecipe(epochs: 1, base: "cnn-mel"))
        #expect {
            try CrossValidation(trainer: trainer).run(
                features: folder, runs: dir.file("cv"), resume: false, force: false)
        } throws: {
            "\($0)"
                == folder + "/dataset.json: cannot train on it: it holds mfcc features and recipe small-cnn-mel "
                + "reads mel: prepare the tracks with --features mel"
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("cv")))
    }
}
