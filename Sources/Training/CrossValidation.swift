import Basics
import Formats
import Foundation

/// K-fold cross-validation on a folds folder (`prepare --folds K`): fold k trains into
/// `RUNS/fold-<k>` with fold k as test, fold (k + 1) mod K as validation and the rest as train,
/// then the folds are summed up in `RUNS/cv.json`. Resumable fold by fold: a finished fold is
/// kept (after checking it was trained with the same recipe on the same features), an unfinished
/// one carries on from its checkpoint.
public struct CrossValidation {
    public var trainer: Trainer
    /// Called when a fold is done: its number, its evaluation, and whether it was already done.
    public var onFold: (Int, Evaluation, Bool) -> Void = { _, _, _ in }
    /// Called before a fold trains or resumes.
    public var onStart: (Int, Int, Bool) -> Void = { _, _, _ in }

    public init(trainer: Trainer) { self.trainer = trainer }

    /// - Parameters:
    ///   - features: a folds folder.
    ///   - runs: the folder of the fold runs and the summary (created; must not exist unless
    ///     `resume` or `force`).
    ///   - resume: carry on: finished folds are kept, the others resumed or started.
    ///   - force: start over: an existing cross-validation folder is replaced.
    /// - Returns: the summary, also written to `runs/cv.json`.
    public func run(features: String, runs: String, resume: Bool, force: Bool) throws -> CVSummary {
        let description = try TrainingData.describe(features)
        guard let k = description.split.folds else {
            throw TrainingError.unusableFeatures(
                path: features + "/dataset.json",
                reason: "holds train, val and test, not folds: prepare with --folds K (or use genrekit train)")
        }
        try trainer.recipe.checkFeatures(description, in: features)
        try Self.prepareFolder(runs, features: features, resume: resume, force: force)
        var evaluations: [Evaluation] = []
        for fold in 0..<k {
            let run = Self.foldRun(runs, fold)
            let done = RunFolder.finishedEvaluation(run) != nil
            let carryOn = FileManager.default.fileExists(atPath: run + "/checkpoint.safetensors")
            onStart(fold, k, carryOn)
            var trainer = self.trainer
            trainer.fold = fold
            let evaluation = try trainer.train(
                features: features, run: run, resume: carryOn,
                force: !carryOn && FileManager.default.fileExists(atPath: run))
            try Self.check(evaluation, of: run, against: description)
            evaluations.append(evaluation)
            onFold(fold, evaluation, done)
        }
        let summary = CVSummary(
            recipe: trainer.recipe.name, features: description.fingerprint,
            split: description.split.summary(), genres: description.genres, evaluations: evaluations)
        try Trainer.writeJSON(summary, to: runs + "/cv.json")
        try RunPlots.write(
            RunPlots.confusion(
                segments: summary.confusion, tracks: summary.trackConfusion, genres: summary.genres,
                split: "test", title: "\(summary.recipe): every test fold pooled, \(summary.split)"),
            name: "confusion", in: runs)
        return summary
    }

    static func foldRun(_ runs: String, _ fold: Int) -> String { runs + "/fold-\(fold)" }

    /// A kept fold's `evaluation.json` is read from disk: before it is summed, its genres must be
    /// the features', its accuracies between 0 and 1, its confusion matrix square over the genres,
    /// and every count between 0 and its test segments, which the features' size bounds.
    static func check(_ e: Evaluation, of run: String, against d: DatasetDescription) throws {
        let g = d.genres.count
        let segments = d.files.values.reduce(0) { $0 + $1.segments }
        func fits(_ matrix: [[Int]], most: Int) -> Bool {
            matrix.count == g
                && matrix.allSatisfy { row in row.count == g && row.allSatisfy { (0...most).contains($0) } }
        }
        guard e.genres == d.genres, (0...segments).contains(e.test.segments),
            (0...e.test.segments).contains(e.test.tracks), (0...1).contains(e.test.segmentAccuracy),
            (0...1).contains(e.test.trackAccuracy), fits(e.test.confusion, most: e.test.segments),
            e.test.trackConfusion.map({ fits($0, most: e.test.tracks) }) ?? true
        else {
            throw TrainingError.unusableRun(
                path: run + "/evaluation.json",
                reason:
                    "its genres or confusion matrix do not fit the features; start the fold over (remove it, or --force)"
            )
        }
    }

    /// Makes `runs` ready: new, or (with `resume`) an existing cross-validation folder, or (with
    /// `force`) one replaced.
    static func prepareFolder(_ runs: String, features: String, resume: Bool, force: Bool) throws {
        try InputPath.refuseOverlap(output: runs, inputs: [features])
        let fm = FileManager.default
        if fm.fileExists(atPath: runs) {
            guard isCrossValidation(runs) else { throw TrainingError.notARun(path: runs) }
            if force {
                try fm.removeItem(atPath: runs)
            } else if !resume {
                throw TrainingError.runExists(path: runs)
            }
        } else if resume {
            throw TrainingError.noRun(path: runs)
        }
        do { try fm.createDirectory(atPath: runs, withIntermediateDirectories: true) } catch {
            throw FileError.io(path: runs, message: "cannot create it (\(StagedDirectory.reason(error)))")
        }
    }

    /// A folder `cv` made: nothing but `fold-<k>` run folders, `cv.json` and the confusion figure.
    static func isCrossValidation(_ path: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        return names.allSatisfy { name in
            (["cv.json"] + RunPlots.fileNames("confusion")).contains(name)
                || (name.hasPrefix("fold-") && Int(name.dropFirst(5)) != nil
                    && RunFolder.isReplaceable(path + "/" + name))
        }
    }
}

/// `RUNS/cv.json`: every fold's test accuracy, their mean and standard deviation, and the test
/// confusion matrix pooled over the folds (each track is tested exactly once).
public struct CVSummary: Codable, Sendable, Equatable {
    public struct Fold: Codable, Sendable, Equatable {
        public var fold: Int
        public var segmentAccuracy: Double
        public var trackAccuracy: Double
        public var segments: Int
        public var tracks: Int
        public var epochs: Int
        public var bestEpoch: Int
    }
    /// Mean and sample standard deviation (n - 1) over the folds.
    public struct Spread: Codable, Sendable, Equatable {
        public var mean: Double
        public var std: Double

        init(_ values: [Double]) {
            mean = values.reduce(0, +) / Double(values.count)
            let m = mean
            std =
                values.count > 1
                ? (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
        }
    }

    public var formatVersion = 1
    public var generator = "genrekit \(GenreKitVersion.string)"
    public var recipe: String
    /// The features' fingerprint (`dataset.json` `fingerprint`).
    public var features: String
    /// The split policy in a few words (`artist split, 10 folds, seed 42`).
    public var split: String
    public var genres: [String]
    public var folds: [Fold]
    public var segmentAccuracy: Spread
    public var trackAccuracy: Spread
    /// `confusion[true][predicted]`, test segments of every fold, in genre order.
    public var confusion: [[Int]]
    /// The same for test tracks, when every fold's evaluation has it.
    public var trackConfusion: [[Int]]?

    init(recipe: String, features: String, split: String, genres: [String], evaluations: [Evaluation]) {
        self.recipe = recipe
        self.features = features
        self.split = split
        self.genres = genres
        folds = evaluations.enumerated().map { k, e in
            Fold(
                fold: k, segmentAccuracy: e.test.segmentAccuracy, trackAccuracy: e.test.trackAccuracy,
                segments: e.test.segments, tracks: e.test.tracks, epochs: e.epochs, bestEpoch: e.bestEpoch)
        }
        segmentAccuracy = Spread(folds.map(\.segmentAccuracy))
        trackAccuracy = Spread(folds.map(\.trackAccuracy))
        confusion = Self.pooled(evaluations.map(\.test.confusion), genres: genres.count)
        let tracks = evaluations.compactMap(\.test.trackConfusion)
        trackConfusion = tracks.count == evaluations.count ? Self.pooled(tracks, genres: genres.count) : nil
    }

    /// The matrices added up (each already checked square over the genres).
    static func pooled(_ matrices: [[[Int]]], genres: Int) -> [[Int]] {
        var pooled = [[Int]](repeating: [Int](repeating: 0, count: genres), count: genres)
        for matrix in matrices {
            for (t, row) in matrix.enumerated() {
                for (p, n) in row.enumerated() { pooled[t][p] += n }
            }
        }
        return pooled
    }

    /// The table `genrekit cv` prints: one row per fold, then mean ± standard deviation.
    public var table: String {
        func p(_ v: Double) -> String { String(format: "%.4f", v) }
        var rows = [["FOLD", "TEST ACC (SEGMENT)", "TEST ACC (TRACK)", "SEGMENTS", "TRACKS", "EPOCHS"]]
        for f in folds {
            rows.append([
                String(f.fold), p(f.segmentAccuracy), p(f.trackAccuracy), String(f.segments), String(f.tracks),
                f.bestEpoch > 0 ? "\(f.epochs) (best \(f.bestEpoch))" : String(f.epochs),
            ])
        }
        rows.append([
            "mean ± std", "\(p(segmentAccuracy.mean)) ± \(p(segmentAccuracy.std))",
            "\(p(trackAccuracy.mean)) ± \(p(trackAccuracy.std))", String(folds.map(\.segments).reduce(0, +)),
            String(folds.map(\.tracks).reduce(0, +)), "-",
        ])
        return TextTable.render(rows, rightAligned: [1, 2, 3, 4])
    }
}
