import Formats
import Foundation
import NeuralNet
import TestSupport
import Testing
import Training

@Suite(.serialized) struct TrainerTests {
    @Test func learnsAndWritesTheRun() throws {
        let dir = TemporaryDirectory()
        let features = try toneFeatures(dir)
        let evaluation = try Trainer(recipe: try smallRecipe(epochs: 12)).train(
            features: features, run: dir.file("run"), resume: false)
        #expect(
            Fixtures.tree(dir.file("run")) == [
                "checkpoint.safetensors", "confusion.png", "confusion.svg", "curves.png", "curves.svg",
                "evaluation.json", "history.csv", "recipe.json", "run.json", "timing.json", "weights.safetensors",
            ])
        let timing = RunTiming.read(dir.file("run"))
        #expect(timing.epochSeconds.count == 12 && timing.epochSeconds.allSatisfy { $0 > 0 })
        let history = try String(contentsOfFile: dir.file("run/history.csv"), encoding: .utf8).split(separator: "\n")
        #expect(history.first == "epoch,loss,accuracy,val_loss,val_accuracy")
        #expect(history.count == 13)
        let losses = history.dropFirst().map { Double($0.split(separator: ",")[1])! }
        #expect(losses.last! < losses.first! * 0.7, "the training loss falls: \(losses)")
        #expect(
            evaluation.validation.segmentAccuracy > 0.4,
            "well above the 0.1 of chance: \(evaluation.validation.segmentAccuracy)")
        #expect(evaluation.test.confusion.flatMap { $0 }.reduce(0, +) == evaluation.test.segments)
        #expect(evaluation.test.perGenre.map(\.support).reduce(0, +) == evaluation.test.segments)
        let (weights, metadata) = try Safetensors.read(path: dir.file("run/weights.safetensors"))
        #expect(weights["lstm.kernel"]?.shape == [13, 128])
        #expect(weights["dense3.kernel"]?.shape == [12, 10])
        #expect(weights["normalization.mean"]?.shape == [13])
        #expect(metadata["dataset_fingerprint"]?.count == 64)
    }

    @Test(arguments: RecurrentEngine.allCases) func resumedRunEndsWithTheSameWeights(engine: RecurrentEngine) throws {
        let dir = TemporaryDirectory()
        let features = try toneFeatures(dir)
        func trainer(epochs: Int, namingTheEngine: Bool = true) throws -> Trainer {
            var t = Trainer(recipe: try smallRecipe(epochs: epochs))
            if namingTheEngine { t.engine = engine }
            return t
        }
        _ = try trainer(epochs: 4).train(features: features, run: dir.file("straight"), resume: false)
        _ = try trainer(epochs: 4).train(features: features, run: dir.file("again"), resume: false)
        _ = try trainer(epochs: 2).train(features: features, run: dir.file("split"), resume: false)
        // Resumed without naming the engine: the run's own goes on (for the engine that is not
        // this CPU's default, the default would be refused below).
        _ = try trainer(epochs: 4, namingTheEngine: false).train(
            features: features, run: dir.file("split"), resume: true)
        let weights = Fixtures.bytes(dir.file("straight/weights.safetensors"))
        #expect(weights == Fixtures.bytes(dir.file("again/weights.safetensors")), "same inputs, same bytes")
        #expect(weights == Fixtures.bytes(dir.file("split/weights.safetensors")))
        #expect(Fixtures.bytes(dir.file("straight/history.csv")) == Fixtures.bytes(dir.file("split/history.csv")))
        #expect(RunTiming.read(dir.file("split")).epochSeconds.count == 4, "a resumed run's timing goes on")
        let info = try JSONDecoder().decode(RunInfo.self, from: Data(Fixtures.bytes(dir.file("split/run.json"))))
        #expect(info.engine == engine)
        #expect(info.threads == min(ProcessInfo.processInfo.activeProcessorCount, try smallRecipe(epochs: 1).batchSize))

        // Resuming with another engine or thread count would not end where the run would have.
        var other = try trainer(epochs: 6)
        other.engine = engine == .blas ? .onednn : .blas
        let refusal = #expect(throws: TrainingError.self) {
            try other.train(features: features, run: dir.file("split"), resume: true)
        }
        #expect(
            refusal?.description
                == "\(dir.file("split")): trained with \(engine.summary) on \(info.threads) thread(s), resumed with "
                + "\(other.engine!.summary) on \(info.threads) thread(s); resume with the same --engine and --jobs, "
                + "or the weights would differ from an uninterrupted run's")
        #expect(Fixtures.bytes(dir.file("split/weights.safetensors")) == weights, "the refused resume wrote nothing")
    }

    @Test func earlyStoppingRestoresTheBestEpoch() throws {
        let dir = TemporaryDirectory()
        let features = try toneFeatures(dir)
        var recipe = try smallRecipe(epochs: 40, patience: 1)
        recipe.optimizer.learningRate = 0.05  // unstable on purpose, so validation loss turns up early
        let evaluation = try Trainer(recipe: recipe).train(features: features, run: dir.file("run"), resume: false)
        #expect(evaluation.epochs < 40, "stopped early")
        #expect(evaluation.bestEpoch == evaluation.epochs - 1, "patience 1: the best epoch is the one before the last")
    }

    @Test func refusesFeaturesItCannotUse() throws {
        let dir = TemporaryDirectory()
        let features = try toneFeatures(dir)
        var trainer = Trainer(recipe: try smallRecipe(epochs: 1))
        trainer.threads = 1  // the whole batch on one replica
        _ = try trainer.train(features: features, run: dir.file("run"), resume: false)
        #expect(throws: TrainingError.runExists(path: dir.file("run"))) {
            try trainer.train(features: features, run: dir.file("run"), resume: false)
        }
        #expect(throws: TrainingError.noRun(path: dir.file("other"))) {
            try trainer.train(features: features, run: dir.file("other"), resume: true)
        }
        // A changed tensor file no longer matches dataset.json's SHA-256.
        let original = Fixtures.bytes(features + "/val.npz")
        var bytes = original
        bytes[bytes.count / 2] ^= 0xFF
        _ = FileManager.default.createFile(atPath: features + "/val.npz", contents: Data(bytes))
        #expect {
            try trainer.train(features: features, run: dir.file("run2"), resume: false)
        } throws: { error in
            guard case .unusableFeatures(let path, let reason)? = error as? TrainingError else { return false }
            return path.hasSuffix("/val.npz") && reason.contains("SHA-256")
        }
        _ = FileManager.default.createFile(atPath: features + "/val.npz", contents: Data(original))
        try FileManager.default.removeItem(atPath: features + "/test.npz")
        #expect(throws: TrainingError.unusableFeatures(path: features + "/test.npz", reason: "missing")) {
            try TrainingData.load(features)
        }
    }

    /// gru-mfcc trains end to end as lstm-norm does, with Keras's GRU weights in the run.
    @Test(arguments: RecurrentEngine.allCases) func gruRecipeLearns(engine: RecurrentEngine) throws {
        let dir = TemporaryDirectory()
        let features = try toneFeatures(dir)
        var trainer = Trainer(recipe: try smallRecipe(epochs: 12, base: "gru-mfcc"))
        trainer.engine = engine
        let evaluation = try trainer.train(features: features, run: dir.file("run"), resume: false)
        #expect(
            evaluation.validation.segmentAccuracy > 0.4,
            "well above the 0.1 of chance: \(evaluation.validation.segmentAccuracy)")
        let (weights, _) = try Safetensors.read(path: dir.file("run/weights.safetensors"))
        #expect(weights["gru.kernel"]?.shape == [13, 96])
        #expect(weights["gru.recurrent_kernel"]?.shape == [32, 96])
        #expect(weights["gru.bias"]?.shape == [2, 96])
        #expect(weights["lstm.kernel"] == nil)
    }

    /// cnn-mel and crnn-mel train end to end on log-mel features, the same bytes twice, with
    /// the moving statistics in the weights; MFCC features are refused by the recipe's feature
    /// kind, and a recipe whose shapes do not fit the features with the layer's name, before
    /// anything is written.
    @Test(arguments: ["cnn-mel", "crnn-mel"]) func convolutionalRecipesLearn(base: String) throws {
        let dir = TemporaryDirectory()
        let features = try toneFeatures(dir, kind: .mel)
        var recipe = try smallRecipe(epochs: 8, base: base)
        // 8 epochs are 48 steps: at Keras's momentum 0.99 the moving statistics would still be
        // 62 % their initial 0 and 1 (0.99^48), and validation, which reads them, would score
        // the start, not what was learnt (0.2 on one CPU, more on another). 0.9 settles them.
        for i in recipe.layers.indices where recipe.layers[i].type == .batchnorm { recipe.layers[i].momentum = 0.9 }
        let evaluation = try Trainer(recipe: recipe).train(features: features, run: dir.file("run"), resume: false)
        // Tones told apart by pitch alone are hard for a network that pools position away, so
        // the bar is learning, not solving: the training loss falls and accuracy beats chance.
        let history = Trainer.readHistory(dir.file("run/history.csv"))
        #expect(history.last!.loss < history.first!.loss * 0.8, "the training loss falls: \(history.map(\.loss))")
        #expect(history.last!.valLoss < history.first!.valLoss, "so does validation's: \(history.map(\.valLoss))")
        #expect(
            evaluation.validation.segmentAccuracy > 0.2,
            "above the 0.1 of chance: \(evaluation.validation.segmentAccuracy)")
        let (weights, _) = try Safetensors.read(path: dir.file("run/weights.safetensors"))
        #expect(weights["conv0.kernel"]?.shape == [3, 3, 1, 4])
        #expect(weights["bn0.moving_variance"]?.shape == [4])
        #expect(weights["bn0.moving_mean"]?.values.contains { $0 != 0 } == true, "the moving statistics moved")
        #expect(weights["normalization.mean"]?.shape == [128], "standardised per mel band")
        var short = recipe
        short.epochs = 1
        _ = try Trainer(recipe: short).train(features: features, run: dir.file("a"), resume: false)
        _ = try Trainer(recipe: short).train(features: features, run: dir.file("b"), resume: false)
        #expect(Fixtures.bytes(dir.file("a/weights.safetensors")) == Fixtures.bytes(dir.file("b/weights.safetensors")))

        let other = TemporaryDirectory()
        let mfcc = try toneFeatures(other, kind: .mfcc)
        #expect {
            try Trainer(recipe: recipe).train(features: mfcc, run: dir.file("c"), resume: false)
        } throws: {
            "\($0)"
                == mfcc + "/dataset.json: cannot train on it: it holds mfcc features and recipe small-\(base) "
                + "reads mel: prepare the tracks with --features mel"
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("c")), "nothing of the refused run written")

        // Without the stated kind, the shapes refuse it: MFCCs are 13 wide, and a fourth pooling
        // has no 2 x 2 left to pool (130 x 13 -> 16 x 1).
        var wrong = recipe
        wrong.features = nil
        if let r = wrong.layers.firstIndex(where: { $0.type == .reshape }) {
            wrong.layers[r].shape = [16, 3]
        } else {
            let gap = try #require(wrong.layers.firstIndex { $0.type == .globalavgpool2d })
            wrong.layers.insert(.init(type: .maxpool2d, name: "extra_pool"), at: gap)
        }
        #expect {
            try Trainer(recipe: wrong).train(
                features: base == "crnn-mel" ? features : mfcc, run: dir.file("c"), resume: false)
        } throws: { error in
            "\(error)".contains(
                base == "crnn-mel"
                    ? "layer to_sequence (reshape) cannot hold [16, 16, 16] (4096 values) as [16, 3]"
                    : "layer extra_pool (maxpool2d) reads [height, width, channels] of at least 2 x 2, not [16, 1, 16]")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("c")), "nothing of the refused run written")
    }

    @Test func builtInRecipes() throws {
        let seed = try Recipe.load("lstm-seed")
        #expect(seed.batchSize == 20 && seed.epochs == 150 && seed.optimizer.learningRate == 0.001)
        #expect(
            seed.layers.map(\.type) == [.lstm, .dropout, .dense, .dense, .dropout, .dense, .dropout, .dense])
        #expect(seed.layers.last?.units == .genres)
        #expect(seed.earlyStopping == nil && seed.normalization == .none)
        let norm = try Recipe.load("lstm-norm")
        #expect(norm.earlyStopping?.monitor == "val_loss" && norm.normalization == .perCoefficient)
        #expect(throws: RecipeError.self) { try Recipe.load("no-such-recipe") }
        // gru-mfcc is lstm-norm with a GRU in the LSTM's place, and nothing else changed.
        var gru = try Recipe.load("gru-mfcc")
        #expect(gru.layers.first == Recipe.LayerSpec(type: .gru, name: "gru", units: .count(128)))
        gru.layers[0] = norm.layers[0]
        (gru.name, gru.description, gru.initialization) = (norm.name, norm.description, norm.initialization)
        #expect(gru == norm)
        // The convolutional recipes state the issue's numbers.
        let cnn = try Recipe.load("cnn-mel")
        #expect(cnn.layers.compactMap(\.filters) == [16, 32, 64, 64])
        #expect(cnn.layers.filter { $0.type == .maxpool2d }.count == 3 && cnn.usesBatchStatistics)
        #expect(cnn.layers.map(\.type).suffix(3) == [.globalavgpool2d, .dropout, .dense])
        #expect(cnn.layers.first { $0.type == .dropout }?.rate == 0.3)
        #expect(cnn.batchSize == 32 && cnn.epochs == 60 && cnn.earlyStopping?.patience == 10)
        #expect(cnn.normalization == .perCoefficient)
        #expect(cnn.features?.rawValue == "mel" && norm.features == nil && gru.features == nil)
        let crnn = try Recipe.load("crnn-mel")
        #expect(crnn.layers.compactMap(\.filters) == [16, 32, 64] && crnn.features?.rawValue == "mel")
        #expect(crnn.layers.first { $0.type == .reshape }?.shape == [16, 1024])
        #expect(crnn.layers.first { $0.type == .gru }?.units == .count(64))
        let built = try crnn.layers(inputShape: [130, 128], genres: 10)
        #expect(built.map(\.outputShape).first { $0 == [16, 16, 64] } != nil, "130 x 128 pooled three times")
    }
}
