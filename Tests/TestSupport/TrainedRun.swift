import Features
import ModelZoo
import Training

/// Small trained runs, shared by the bundle and export tests (training is the slow part): each is
/// trained once per test process, on first use.
public struct TrainedRun: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let data: String
    public let features: String
    public let run: String
    public let evaluation: Evaluation

    public static let shared = TrainedRun(base: "lstm-norm")
    public static let gru = TrainedRun(base: "gru-mfcc")
    public static let mel = TrainedRun(base: "lstm-norm", kind: .mel)
    public static let cnn = TrainedRun(base: "cnn-mel", kind: .mel)
    public static let crnn = TrainedRun(base: "crnn-mel", kind: .mel)
    public static let seed = TrainedRun(base: "lstm-seed")

    /// The runs the tests share, by name: a small `lstm-norm`, `lstm-seed` (no normalisation) or
    /// `gru-mfcc` on MFCCs,
    /// `lstm-norm-mel` (the small `lstm-norm` on log-mel features), or a small `cnn-mel` or
    /// `crnn-mel` on log-mel features.
    public static func of(_ name: String) -> TrainedRun {
        switch name {
        case "gru-mfcc": gru
        case "lstm-norm-mel": mel
        case "cnn-mel": cnn
        case "crnn-mel": crnn
        case "lstm-seed": seed
        default: shared
        }
    }
    public static let all = ["lstm-norm", "gru-mfcc", "lstm-norm-mel", "cnn-mel", "crnn-mel"]

    private init(base: String, kind: FeatureKind = .mfcc) {
        let dir = TemporaryDirectory("genrekit-bundle")
        let features = try! toneFeatures(dir, kind: kind)
        let evaluation = try! Trainer(recipe: try! smallRecipe(epochs: 6, base: base)).train(
            features: features, run: dir.file("run"), resume: false)
        self.init(
            directory: dir, data: dir.file("data"), features: features, run: dir.file("run"), evaluation: evaluation)
    }

    private init(directory: TemporaryDirectory, data: String, features: String, run: String, evaluation: Evaluation) {
        self.directory = directory
        self.data = data
        self.features = features
        self.run = run
        self.evaluation = evaluation
    }

    /// Packages the run into `zoo` with a fixed creation time.
    public func package(into zoo: String, version: String = "1.0.0", epoch: String = "1700000000") throws -> String {
        var packager = Packager(run: run, version: version)
        packager.environment = ["SOURCE_DATE_EPOCH": epoch]
        return try packager.package(into: zoo).path
    }
}
