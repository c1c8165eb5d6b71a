import Archive
import Audio
import Basics
import Dataset
import Features
import Formats
import Foundation
import ModelZoo
import NeuralNet
import TestSupport
import Testing
import Training

func members(of bundle: String) throws -> [(String, [UInt8])] { try BundleFiles.members(of: bundle) }

func writeBundle(_ members: [(String, [UInt8])], to path: String) throws {
    try BundleFiles.write(members, to: path)
}

@Suite(.serialized) struct BundleTests {
    let trained = TrainedRun.shared

    @Test func bundleHoldsTheDocumentedFilesInOrder() throws {
        let dir = TemporaryDirectory()
        let path = try trained.package(into: dir.file("zoo"))
        #expect(path == dir.file("zoo/small-1.0.0.tar.gz"))
        #expect(
            try members(of: path).map(\.0) == [
                "manifest.json", "README.md", "weights.safetensors", "evaluation.json", "history.csv", "curves.svg",
                "curves.png", "confusion.svg", "confusion.png",
            ])
        #expect(
            Fixtures.tree(dir.file("zoo")) == [".lock", "index.json", "small-1.0.0.tar.gz"],
            "the lock file stays (empty)")
        let bundle = try ModelBundle.open(path)
        let m = bundle.manifest
        #expect(m.schemaVersion == 1)
        #expect(m.created == "2023-11-14T22:13:20Z", "SOURCE_DATE_EPOCH 1700000000")
        #expect(m.genres == DatasetManifest.gtzan.genres)
        #expect(m.features.nMFCC == 13 && m.features.framesPerSegment == 130 && m.features.matches.hasPrefix("librosa"))
        #expect(m.normalization.tensors == ["normalization.mean", "normalization.std"])
        #expect(m.recipe == (try smallRecipe(epochs: 6)))
        // The run trained on this CPU's default engine; the manifest names it with its library.
        #expect(m.training.engine == RecurrentEngine.default.summary)
        #expect(
            m.training.engine?.hasPrefix(RecurrentEngine.default == .onednn ? "oneDNN 2." : "own loop, OpenBLAS 0.3")
                == true)
        #expect(m.generator == "genrekit \(GenreKitVersion.string)")
        #expect(m.architecture.layers.first?.gateOrder == ["input", "forget", "candidate", "output"])
        // Parameter counts from the shapes: LSTM 13 -> 32 is 13*128 + 32*128 + 128.
        #expect(m.architecture.layers.first?.parameters == 13 * 128 + 32 * 128 + 128)
        #expect(m.architecture.parameters == bundle.model().parameters.map(\.count).reduce(0, +))
        #expect(m.metrics.test.segmentAccuracy == trained.evaluation.test.segmentAccuracy)
        #expect(m.metrics.validation.trackAccuracy == trained.evaluation.validation.trackAccuracy)
        let description = try JSONDecoder().decode(
            DatasetDescription.self, from: Data(Fixtures.bytes(trained.features + "/dataset.json")))
        #expect(m.data.fingerprint == description.fingerprint)
        #expect(m.data.counts["test"]?.segments == description.splits["test"]?.segments)
        #expect(m.data.split == description.split)
        #expect(m.files.map(\.path) == ModelBundle.memberOrder)
        #expect(bundle.members["weights.safetensors"] == Fixtures.bytes(trained.run + "/weights.safetensors"))
        let card = String(decoding: bundle.members["README.md"]!, as: UTF8.self)
        #expect(card.hasPrefix("---\nlicense: \"unknown\"\nlibrary_name: genrekit\n"), "Hugging Face front matter")
        #expect(card.contains("\n---\n\n# small 1.0.0\n"))
        for heading in ["## Intended use", "## How to load it", "## Limitations", "## Citations", "model-index:"] {
            #expect(card.contains(heading), "\(heading)")
        }
        #expect(card.contains("      value: \(String(format: "%.4f", m.metrics.test.trackAccuracy))\n"))
        #expect(card.contains(m.data.splitSummary))
        #expect(
            !card.contains("synthetic-data") && !card.contains("Trained on synthetic audio"), "tones carry no marker")
        #expect(m.license == "unknown" && m.data.dataset == "gtzan" && m.data.syntheticTracks == 0)
        #expect(card.contains("| blues |"))
        // The figures are the run's history and evaluation drawn (the same figure, the same bytes).
        let e = trained.evaluation
        let title = "small 1.0.0"
        let figures = [
            "curves": RunPlots.curves(
                Trainer.readHistory(trained.run + "/history.csv"), bestEpoch: e.bestEpoch, title: title),
            "confusion": RunPlots.confusion(
                segments: e.test.confusion, tracks: e.test.trackConfusion, genres: e.genres, split: "test",
                title: "\(title): test confusion"),
        ]
        for (name, figure) in figures {
            for (file, bytes) in try RunPlots.files(figure, name: name) {
                #expect(bundle.members[file] == bytes, "\(file)")
            }
        }
        #expect(e.test.trackConfusion?.joined().reduce(0, +) == e.test.tracks, "every test track in the track matrix")
        #expect(bundle.members["confusion.png"]!.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    }

    /// The manifest written matches the JSON Schema in manifests/schemas on the points a reader
    /// relies on: every required key present, no key the schema does not describe.
    @Test(arguments: TrainedRun.all) func manifestFollowsItsSchema(base: String) throws {
        let trained = TrainedRun.of(base)
        let dir = TemporaryDirectory()
        let bundle = try ModelBundle.open(try trained.package(into: dir.file("zoo")))
        let schema = try #require(
            try JSONSerialization.jsonObject(
                with: Data(Fixtures.bytes(Fixtures.packageRoot + "/manifests/schemas/bundle-manifest-1.schema.json")))
                as? [String: Any])
        let manifest = try JSONSerialization.jsonObject(with: Data(bundle.manifestBytes))
        let problems = SchemaCheck(root: schema).check(manifest, against: schema, at: "manifest")
        #expect(problems.isEmpty, "\(problems)")
        // The check can fail: a manifest with an extra key and a missing one is caught.
        var broken = try #require(manifest as? [String: Any])
        broken["surprise"] = 1
        broken["genres"] = nil
        #expect(SchemaCheck(root: schema).check(broken, against: schema, at: "manifest").count == 2)
    }

    /// Package, open, then the bundle's model and the predictor give the run's own numbers.
    @Test(arguments: TrainedRun.all) func roundTripPredictsWhatTheRunPredicted(base: String) throws {
        let trained = TrainedRun.of(base)
        let dir = TemporaryDirectory()
        let bundle = try ModelBundle.open(try trained.package(into: dir.file("zoo")))
        let predictor = try Predictor(bundle: bundle)
        let test = try NPY.readArchive(path: trained.features + "/test.npz")
        let kind = bundle.manifest.features.kind
        #expect(kind == (base.hasSuffix("mel") ? .mel : .mfcc), "the bundle says which features it takes")
        let x = try #require(test[kind.rawValue]).floats()
        let labels = try #require(test["label"]?.integers()).map(Int.init)
        let tracks = try #require(test["track"]?.integers()).map(Int.init)
        let probabilities = predictor.segmentProbabilities(x, count: labels.count)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 10)
        for r in labels.indices {
            let row = probabilities[(r * 10)..<((r + 1) * 10)]
            confusion[labels[r]][row.indices.max { row[$0] < row[$1] }! - r * 10] += 1
        }
        #expect(confusion == trained.evaluation.test.confusion, "the bundle's model predicts what the run's did")

        // Predict from the audio file of the first test track: its segments' features are the
        // prepared rows, so the ranking is the mean of those rows' probabilities (predict takes
        // the feature kind from the bundle).
        let description = try JSONDecoder().decode(
            DatasetDescription.self, from: Data(Fixtures.bytes(trained.features + "/dataset.json")))
        let track = description.tracks[tracks[0]]
        let rows = tracks.indices.filter { tracks[$0] == tracks[0] }
        let prediction = try predictor.predict(path: "\(trained.data)/genres/\(track.genre)/\(track.id).wav")
        #expect(prediction.segments == rows.count)
        #expect(prediction.conversions.isEmpty)
        for entry in prediction.ranking {
            let g = try #require(bundle.manifest.genres.firstIndex(of: entry.genre))
            let mean = rows.map { Double(probabilities[$0 * 10 + g]) }.reduce(0, +) / Double(rows.count)
            #expect(abs(entry.probability - mean) < 1e-6, "\(entry.genre): \(entry.probability) vs \(mean)")
        }
        #expect(prediction.ranking.map(\.probability) == prediction.ranking.map(\.probability).sorted(by: >))
    }

    @Test func sameRunAndVersionGiveTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let a = try trained.package(into: dir.file("a"))
        let b = try trained.package(into: dir.file("b"))
        #expect(Fixtures.bytes(a) == Fixtures.bytes(b))
        #expect(Fixtures.bytes(dir.file("a/index.json")) == Fixtures.bytes(dir.file("b/index.json")))
        // Without SOURCE_DATE_EPOCH the creation time is the weights' modification time: still stable.
        var packager = Packager(run: trained.run, version: "1.0.0")
        packager.environment = [:]
        let c = try packager.package(into: dir.file("c")).path
        var again = Packager(run: trained.run, version: "1.0.0")
        again.environment = [:]
        let d = try again.package(into: dir.file("d")).path
        #expect(Fixtures.bytes(c) == Fixtures.bytes(d))
        #expect(Fixtures.bytes(c) != Fixtures.bytes(a), "a different creation time is different bytes")
    }

    @Test func zooIndexRefusesAnExistingVersion() throws {
        let dir = TemporaryDirectory()
        let zoo = dir.file("zoo")
        _ = try trained.package(into: zoo, version: "1.2.0")
        let before = Fixtures.bytes(zoo + "/small-1.2.0.tar.gz")
        #expect(throws: BundleError.self) { try trained.package(into: zoo, version: "1.2.0", epoch: "1") }
        do {
            _ = try trained.package(into: zoo, version: "1.2.0", epoch: "1")
        } catch {
            #expect("\(error)".contains("already in the zoo"))
        }
        #expect(Fixtures.bytes(zoo + "/small-1.2.0.tar.gz") == before, "the existing bundle is untouched")
        _ = try trained.package(into: zoo, version: "1.10.0")
        _ = try trained.package(into: zoo, version: "1.9.0")
        let index = try ZooIndex.load(zoo)
        #expect(index.bundles.map(\.version) == ["1.2.0", "1.9.0", "1.10.0"], "ordered by version, numerically")
        #expect(index.bundles[0].sha256.count == 64)
        #expect(index.bundles[0].testSegmentAccuracy == trained.evaluation.test.segmentAccuracy)
        let table = index.table.split(separator: "\n")
        #expect(table.count == 4)
        #expect(table[0].hasPrefix("RANK"))
        // Equal accuracies: ranked by name, then version.
        #expect(table[3].hasPrefix("3") && table[3].contains("small") && table[3].contains("1.10.0"))
        #expect(index.bundles[0].features == "mfcc 13")
        #expect(
            index.bundles[0].parameters
                == (try ModelBundle.open(zoo + "/small-1.2.0.tar.gz")).manifest.architecture.parameters)
        #expect((index.bundles[0].secondsPerEpoch ?? 0) > 0, "the run was timed")
        #expect(
            Fixtures.tree(zoo) == [
                ".lock", "index.json", "small-1.10.0.tar.gz", "small-1.2.0.tar.gz", "small-1.9.0.tar.gz",
            ])
    }

    /// Two recipes in one zoo: the leaderboard ranks them by test track accuracy, whatever
    /// their names.
    @Test func zooListRanksByTestTrackAccuracy() throws {
        let dir = TemporaryDirectory()
        let zoo = dir.file("zoo")
        for base in ["lstm-norm", "gru-mfcc"] {
            _ = try TrainedRun.of(base).package(into: zoo)
        }
        var index = try ZooIndex.load(zoo)
        #expect(index.bundles.map(\.name) == ["small", "small-gru-mfcc"], "the index itself stays by name")
        let expected = index.bundles.sorted { $0.testTrackAccuracy > $1.testTrackAccuracy }
        #expect(index.leaderboard.map(\.testTrackAccuracy) == expected.map(\.testTrackAccuracy))
        // Made-up accuracies, so the order is known: the lower-named bundle ranks second.
        index.bundles[0].testTrackAccuracy = 0.5
        index.bundles[1].testTrackAccuracy = 0.9
        #expect(index.leaderboard.map(\.name) == ["small-gru-mfcc", "small"])
        index.bundles[1].testTrackAccuracy = 0.5
        index.bundles[0].testSegmentAccuracy = 0.6
        index.bundles[1].testSegmentAccuracy = 0.4
        #expect(index.leaderboard.map(\.name) == ["small", "small-gru-mfcc"], "ties go to segment accuracy")
        let rows = index.table.split(separator: "\n")
        #expect(rows[1].hasPrefix("1") && rows[1].contains("small ") && rows[2].contains("small-gru-mfcc"))
        #expect(rows[2].contains("gru-mfcc") && rows[2].contains("mfcc 13"))
    }

    @Test func unfinishedRunsAndBadVersionsAreRefused() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("run"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: trained.run + "/recipe.json", toPath: dir.file("run/recipe.json"))
        #expect {
            try Packager(run: dir.file("run"), version: "1.0.0").package(into: dir.file("zoo"))
        } throws: { "\($0)".contains("run.json: missing") }
        #expect(throws: BundleError.self) { try trained.package(into: dir.file("zoo"), version: "1.0") }
        #expect {
            try Packager(run: dir.file("nope"), version: "1.0.0").package(into: dir.file("zoo"))
        } throws: {
            "\($0)" == dir.file("nope")
                + ": no such file or folder; expected a run folder (genrekit train FEATURES --out RUN makes one)"
        }
        #expect(throws: BundleError.self) { try trained.package(into: dir.file("zoo"), epoch: "yesterday") }
        #expect(!FileManager.default.fileExists(atPath: dir.file("zoo/index.json")))
        #expect(Packager.isSemanticVersion("1.0.0-rc.1") && !Packager.isSemanticVersion("01.0.0"))
    }

    /// predict's batch shrinks with the widest array of one segment, so a wide network from a
    /// bundle cannot take gigabytes: 64 segments for the recipes as they are, fewer for wider.
    @Test func predictBatchesStayWithinTheActivationBudget() throws {
        func batch(_ name: String, _ edit: (inout Recipe) -> Void = { _ in }, features: Int = 128) throws -> Int {
            var recipe = try Recipe.load(name)
            edit(&recipe)
            return Predictor.batchSize(
                for: try BundleManifest.architecture(recipe: recipe, frames: 130, features: features, genres: 10))
        }
        #expect(try batch("lstm-norm", features: 13) == 64)
        #expect(try batch("cnn-mel") == 63, "conv0's 130 x 128 x 16 values: 2^24 / 266,240")
        #expect(try batch("cnn-mel") { $0.layers[0].filters = 1000 } == 1, "16.6 M values a segment: one at a time")
        // An LSTM of 4096 units keeps 130 steps of 4 x 4096 gates per segment.
        #expect(try batch("lstm-norm", { $0.layers[0].units = .count(4096) }, features: 13) == 7)
    }

    /// What a convolutional bundle adds to check: moving variances (inference divides by their
    /// square root) and a recipe asking for a network too large to allocate, refused before any
    /// weight is made.
    @Test func convolutionalBundleTamperingIsCaught() throws {
        let dir = TemporaryDirectory()
        let good = try members(of: try TrainedRun.cnn.package(into: dir.file("zoo")))
        func member(_ name: String) -> [UInt8] { good.first { $0.0 == name }!.1 }
        let original = try #require(
            try JSONSerialization.jsonObject(with: Data(member("manifest.json"))) as? [String: Any])
        var manifest = original
        var (tensors, metadata) = try Safetensors.decode(member("weights.safetensors"))
        tensors["bn1.moving_variance"]!.values[0] = -1
        let weights = Safetensors.encode(tensors, metadata: metadata)
        manifest["files"] = (manifest["files"] as! [[String: Any]]).map { file -> [String: Any] in
            guard file["path"] as? String == "weights.safetensors" else { return file }
            return ["path": "weights.safetensors", "sha256": sha256Hex(weights), "bytes": weights.count]
        }
        var recipe = original["recipe"] as! [String: Any]
        recipe["layers"] = (recipe["layers"] as! [[String: Any]]).map { layer -> [String: Any] in
            var l = layer
            // Activations stay within bounds (conv2's are 32 x 32 x 4096); conv3's weights do not.
            if ["conv2", "conv3"].contains(l["name"] as? String) { (l["filters"], l["kernelSize"]) = (4096, 7) }
            return l
        }
        var huge = original
        huge["recipe"] = recipe
        var mfccRecipe = original["recipe"] as! [String: Any]
        mfccRecipe["features"] = "mfcc"
        var otherKind = original
        otherKind["recipe"] = mfccRecipe
        func json(_ object: Any) -> [UInt8] {
            Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        let cases: [(String, [(String, [UInt8])], String)] = [
            (
                "negative variance",
                good.map {
                    $0.0 == "weights.safetensors"
                        ? ($0.0, weights) : $0.0 == "manifest.json" ? ($0.0, json(manifest)) : $0
                },
                "weights.safetensors: bn1.moving_variance holds a negative variance"
            ),
            (
                "huge network", good.map { $0.0 == "manifest.json" ? ($0.0, json(huge)) : $0 },
                "manifest.json: recipe small-cnn-mel: layer conv3 (conv2d) would take the network past 134217728 weights"
            ),
            (
                "recipe of another feature kind", good.map { $0.0 == "manifest.json" ? ($0.0, json(otherKind)) : $0 },
                "manifest.json: recipe small-cnn-mel reads mfcc features, not the mel its features state"
            ),
        ]
        for (label, members, expected) in cases {
            let path = dir.file("\(label.replacingOccurrences(of: " ", with: "-")).tar.gz")
            try writeBundle(members, to: path)
            #expect(performing: { try ModelBundle.open(path) }, throws: { "\($0)" == path + ": " + expected })
        }
    }

    /// Every kind of tampering: a one-line error naming the file.
    @Test func tamperingIsCaught() throws {
        let dir = TemporaryDirectory()
        let good = try members(of: try trained.package(into: dir.file("zoo")))
        func member(_ name: String) -> [UInt8] { good.first { $0.0 == name }!.1 }
        var manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(member("manifest.json"))) as? [String: Any])
        func json(_ object: Any) -> [UInt8] {
            Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        /// Weights replaced and their checksum updated, so only the architecture check can catch it.
        func withWeights(_ edit: (inout [String: Tensor]) -> Void) -> [(String, [UInt8])] {
            var (tensors, metadata) = try! Safetensors.decode(member("weights.safetensors"))
            edit(&tensors)
            let bytes = Safetensors.encode(tensors, metadata: metadata)
            var m = manifest
            m["files"] = (m["files"] as! [[String: Any]]).map { file -> [String: Any] in
                guard file["path"] as? String == "weights.safetensors" else { return file }
                return ["path": "weights.safetensors", "sha256": sha256Hex(bytes), "bytes": bytes.count]
            }
            return good.map { name, old in
                name == "weights.safetensors" ? (name, bytes) : name == "manifest.json" ? (name, json(m)) : (name, old)
            }
        }
        var flipped = member("weights.safetensors")
        flipped[flipped.count - 3] ^= 0x40
        var schema2 = manifest
        schema2["schemaVersion"] = 2
        var lyingArchitecture = manifest
        var architecture = manifest["architecture"] as! [String: Any]
        architecture["parameters"] = 1
        lyingArchitecture["architecture"] = architecture

        let cases: [(String, [(String, [UInt8])], String)] = [
            ("missing file", good.filter { $0.0 != "history.csv" }, "history.csv: missing"),
            ("extra file", good + [("notes.txt", Array("hi".utf8))], "notes.txt: extra file"),
            (
                "altered file", good.map { $0.0 == "weights.safetensors" ? ($0.0, flipped) : $0 },
                "weights.safetensors: altered"
            ),
            (
                "altered history", good.map { $0.0 == "history.csv" ? ($0.0, $0.1 + [0x0a]) : $0 },
                "history.csv: altered: \(member("history.csv").count + 1) bytes, the manifest says \(member("history.csv").count)"
            ),
            ("no manifest", good.filter { $0.0 != "manifest.json" }, "manifest.json: missing"),
            ("unknown schema", good.map { $0.0 == "manifest.json" ? ($0.0, json(schema2)) : $0 }, "schema version 2"),
            (
                "architecture lies", good.map { $0.0 == "manifest.json" ? ($0.0, json(lyingArchitecture)) : $0 },
                "manifest.json: the architecture does not match"
            ),
            (
                "wrong shape",
                withWeights { $0["dense3.kernel"] = Tensor(zeros: [10, 12]) },
                "dense3.kernel has shape [10, 12], the architecture says [12, 10]"
            ),
            ("missing weight", withWeights { $0["lstm.bias"] = nil }, "missing weights: lstm.bias"),
            ("unused weight", withWeights { $0["extra.kernel"] = Tensor(zeros: [2]) }, "does not use: extra.kernel"),
        ]
        for (label, members, expected) in cases {
            let path = dir.file("\(label.replacingOccurrences(of: " ", with: "-")).tar.gz")
            try writeBundle(members, to: path)
            #expect(throws: BundleError.self, "\(label)") { try ModelBundle.open(path) }
            do {
                _ = try ModelBundle.open(path)
            } catch {
                let message = "\(error)"
                #expect(message.contains(expected), "\(label): \(message)")
                #expect(message.hasPrefix(path + ": "), "names the bundle: \(message)")
                #expect(!message.contains("\n"))
            }
        }
        manifest["name"] = "x"  // an edited manifest is fine as long as it stays consistent
        try writeBundle(good.map { $0.0 == "manifest.json" ? ($0.0, json(manifest)) : $0 }, to: dir.file("ok.tar.gz"))
        #expect(try ModelBundle.open(dir.file("ok.tar.gz")).manifest.name == "x")
        _ = FileManager.default.createFile(atPath: dir.file("junk.tar.gz"), contents: Data(repeating: 7, count: 100))
        #expect { try ModelBundle.open(dir.file("junk.tar.gz")) } throws: {
            "\($0)".hasPrefix(dir.file("junk.tar.gz") + ": not a readable archive (")
        }
    }

    /// WAV, AU, AIFF and FLAC hold the same 16-bit samples, so the same ranking; Ogg Vorbis is
    /// lossy, a 44.1 kHz stereo copy is resampled: close, and the output says what was done.
    @Test func predictReadsEveryFormatAndResamples() throws {
        let dir = TemporaryDirectory()
        let predictor = try Predictor(bundle: try ModelBundle.open(try trained.package(into: dir.file("zoo"))))
        let samples = Fixtures.tone(seconds: 7, frequency: 440, seed: 9)
        let reference = try predictor.predict(path: try write(samples, .wav, in: dir))
        #expect(reference.segments == 2, "7 s: two full 3 s segments")
        for container in [Audio.Sndfile.Container.au, .aiff, .flac] {
            let p = try predictor.predict(path: try write(samples, container, in: dir))
            #expect(p.ranking == reference.ranking, "\(container)")
        }
        let ogg = try predictor.predict(path: try write(samples, .ogg, in: dir))
        #expect(ogg.ranking.first?.genre == reference.ranking.first?.genre)

        let up = try Resampler.resample(samples.map { Float($0) / 32768 }, from: 22050, to: 44100, name: "tone")
        let stereo = up.flatMap { v -> [Int16] in
            let s = Int16(max(-32767, min(32767, (v * 32768).rounded())))
            return [s, s]
        }
        let path = dir.file("stereo44k.wav")
        _ = FileManager.default.createFile(
            atPath: path, contents: Data(try Sndfile.encode(samples: stereo, sampleRate: 44100, channels: 2)))
        let resampled = try predictor.predict(path: path)
        #expect(resampled.sampleRate == 44100 && resampled.channels == 2 && resampled.segments == 2)
        #expect(resampled.conversions.contains("2 channels mixed down to mono"))
        #expect(
            resampled.conversions.contains("resampled 44100 Hz -> 22050 Hz (libsamplerate, Best Sinc Interpolator)"))
        #expect(resampled.ranking.first?.genre == reference.ranking.first?.genre)
        for entry in resampled.ranking {
            let same = try #require(reference.ranking.first { $0.genre == entry.genre })
            #expect(abs(entry.probability - same.probability) < 0.02, "\(entry.genre)")
        }

        let short = try write(Fixtures.tone(seconds: 2), .wav, in: dir, name: "short")
        #expect { try predictor.predict(path: short) } throws: {
            "\($0)" == "\(short): too short: 2.00 s of audio, shorter than one 3.00 s segment"
        }
        _ = FileManager.default.createFile(atPath: dir.file("junk.wav"), contents: Data(repeating: 1, count: 500))
        #expect { try predictor.predict(path: dir.file("junk.wav")) } throws: {
            "\($0)".hasPrefix(dir.file("junk.wav") + ": cannot decode audio")
        }
    }

    func write(
        _ samples: [Int16], _ container: Audio.Sndfile.Container, in dir: TemporaryDirectory, name: String = "tone"
    ) throws -> String {
        let path = dir.file("\(name).\(container.rawValue.lowercased())")
        _ = FileManager.default.createFile(
            atPath: path, contents: Data(try Sndfile.encode(samples: samples, sampleRate: 22050, container: container)))
        return path
    }
}
