import Archive
import Audio
import Basics
import Foundation
import TestSupport
import Testing

/// Audio that lies or is damaged, features and bundles anyone can edit, runs and zoos used
/// as people do, and paths given wrong (issue: hostile and unlucky inputs, items 10 to 26).
@Suite struct HostileRunCLITests {
    let tiny = TinyModel.shared

    func write(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) -> String {
        FuzzSeeds.keep(bytes, as: .audio)
        _ = FileManager.default.createFile(atPath: dir.file(name), contents: Data(bytes))
        return dir.file(name)
    }

    /// Items 10, 11, 24: lying headers, unknown lengths, absurd rates, short files and wrong
    /// paths: each file costs only its own line, memory stays flat, statuses say what happened.
    @Test func predictIsBoundedAndPerFile() throws {
        let dir = TemporaryDirectory()
        let tone = Fixtures.tone(seconds: 9)
        let files = [
            write(dir, "unknown.flac", try HostileAudio.flac(samples: tone, totalSamples: 0)),
            write(dir, "lying.flac", try HostileAudio.flac(samples: tone, totalSamples: (1 << 36) - 1)),
            write(dir, "lying.ogg", try HostileAudio.ogg(samples: tone, granule: 1 << 40)),
        ]
        let good = try Run(arguments: ["predict", tiny.bundle] + files, in: dir.path)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.components(separatedBy: ": 3 segments (9.0 s").count == 4, "\(good.stdout)")
        #expect(good.peakBytes < 300 << 20, "peak \(good.peakBytes >> 20) MB")

        let slow = write(
            dir, "slow.wav",
            try Sndfile.encode(samples: Fixtures.tone(seconds: 300, rate: 100, frequency: 10), sampleRate: 100))
        let refused = try Run(arguments: ["predict", tiny.bundle, slow], in: dir.path, timeout: 60)
        #expect(refused.status == 1, "no file classified: \(refused.stderr)")
        #expect(
            refused.stderr
                == "genrekit predict: \(slow): sample rate 100 Hz: GenreKit converts audio of 8000 to 384000 Hz\n")

        let short = write(dir, "short.wav", try Sndfile.encode(samples: Fixtures.tone(seconds: 2), sampleRate: 22050))
        let mixed = try Run(
            arguments: ["predict", tiny.bundle, short, files[0], "missing.wav", tiny.bundle], in: dir.path)
        #expect(mixed.status == 2)
        let lines = mixed.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(
            lines.contains("genrekit predict: \(short): too short: 2.00 s of audio, shorter than one 3.00 s segment"))
        #expect(lines.contains("genrekit predict: missing.wav: no such file"))
        #expect(lines.contains { $0.hasPrefix("genrekit predict: \(tiny.bundle): an archive or a bundle, not audio") })

        let swapped = try Run("predict", files[0], tiny.bundle, in: dir.path)
        #expect(swapped.status == 1)
        #expect(
            swapped.stderr.contains(
                "an audio file, not a bundle (.tar.gz from genrekit package): the bundle comes first"))
        for (path, words) in [
            ("nothing.tar.gz", "no such file or folder; expected a bundle"),
            (
                tiny.dir.file("zoo"),
                "a zoo folder, not a bundle (.tar.gz from genrekit package): give one of its bundles"
            ),
            (tiny.run, "a run folder, not a bundle (.tar.gz from genrekit package): genrekit package RUN"),
        ] {
            for command in ["inspect", "predict"] {
                let run = try Run(arguments: [command, path] + (command == "predict" ? [files[0]] : []), in: dir.path)
                #expect(run.status == 1, "\(command) \(path)")
                #expect(run.stderr.hasPrefix("genrekit \(command): \(path): \(words)"), "\(run.stderr)")
            }
        }
    }

    /// Item 12: float files probed as floats; damaged samples are corrupt and stay out of the
    /// tensors.
    @Test func floatAndDamagedTracks() throws {
        let dir = TemporaryDirectory()
        let folder = dir.file("data/genres/blues")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let quiet = HostileAudio.floatTone(seconds: 30, amplitude: 0.22, seed: 1)
        let other = HostileAudio.floatTone(seconds: 30, amplitude: 0.22, frequency: 523, seed: 2)
        var broken = HostileAudio.floatTone(seconds: 30, amplitude: 0.22, frequency: 300, seed: 3)
        broken[5000] = .nan
        broken[9000] = 1e30
        for (i, samples) in [quiet, other, broken].enumerated() {
            _ = write(
                dir, "data/genres/blues/blues.0000\(i).wav", try Sndfile.encode(floats: samples, sampleRate: 22050))
        }
        let run = try Run("validate", "data", "--json", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tracks = try #require(report["tracks"] as? [[String: Any]])
        func codes(_ id: String) -> [String] {
            let track = tracks.first { $0["id"] as? String == id }
            return ((track?["problems"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        }
        #expect(codes("blues.00000") == ["sample-format"], "not silent, not a duplicate")
        #expect(codes("blues.00001") == ["sample-format"])
        #expect(codes("blues.00002").first == "non-finite")
        #expect(tracks.first { $0["id"] as? String == "blues.00002" }?["status"] as? String == "corrupt")
    }

    /// Item 13: a track edited after `unpack` (validation.json now stale) crashed prepare.
    @Test func trackEditedAfterUnpack() throws {
        let dir = TemporaryDirectory()
        #expect(
            try Run("synth", "--out", "s.zip", "--tracks-per-genre", "3", "--seconds", "9", "-q", in: dir.path).status
                == 0)
        #expect(try Run("unpack", "s.zip", "--into", "data", "-q", in: dir.path).status == 0)
        _ = write(
            dir, "data/genres/rock/rock.00001.wav",
            try Sndfile.encode(samples: Fixtures.tone(seconds: 4), sampleRate: 22050))
        _ = write(dir, "data/genres/jazz/jazz.00001.wav", Array(repeating: 7, count: 900))
        let run = try Run("prepare", "data", "--out", "features", "--split", "34/33/33", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        let description = try #require(
            try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(dir.file("features/dataset.json"))))
                as? [String: Any])
        let dropped = try #require(description["droppedSegments"] as? [[String: Any]])
        #expect(
            dropped.contains {
                $0["id"] as? String == "rock.00001" && ($0["reason"] as? String)?.contains("changed") == true
            })
        let skipped = try #require(description["skipped"] as? [[String: Any]])
        #expect(skipped.contains { $0["id"] as? String == "jazz.00001" })
        #expect(
            description["generator"] as? String == "genrekit "
                + (try Run("--version", in: dir.path)).stdout.trimmingCharacters(in: .newlines))
        #expect(dir.tree().allSatisfy { !$0.hasPrefix(".") })
    }

    /// Item 15: tensor files whose headers lie, re-signed in dataset.json.
    @Test func tamperedFeaturesAreRefused() throws {
        let dir = TemporaryDirectory()
        let cases: [(String, [UInt8])] = [
            ("huge", Array("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 130, 13), }".utf8)),
            ("negative", Array("{'descr': '<f4', 'fortran_order': True, 'shape': (-3, 130, -13), }".utf8)),
        ]
        for (name, header) in cases {
            let folder = dir.file(name)
            try FileManager.default.copyItem(atPath: tiny.features, toPath: folder)
            let npy =
                [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
                + [UInt8](repeating: 0, count: 64)
            let writer = try ArchiveWriter(path: folder + "/train.npz", format: .zip())
            try writer.addFile("mfcc.npy", bytes: npy)
            try writer.finish()
            try resign(folder, "train.npz")
            let run = try Run("train", name, "--out", name + "-run", in: dir.path)
            #expect(run.status == 1, "\(name): \(run.stderr)")
            #expect(run.stderr.hasPrefix("genrekit train: \(name)/train.npz"), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1)
        }
        for (field, value) in [("nMFCC", 0), ("framesPerSegment", 0), ("hopLength", 0), ("nFFT", 1 << 30)] {
            let folder = dir.file(field)
            try FileManager.default.copyItem(atPath: tiny.features, toPath: folder)
            var description =
                try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(folder + "/dataset.json"))) as! [String: Any]
            var features = description["features"] as! [String: Any]
            features[field] = value
            description["features"] = features
            _ = FileManager.default.createFile(
                atPath: folder + "/dataset.json", contents: try JSONSerialization.data(withJSONObject: description))
            let run = try Run("train", field, "--out", field + "-run", in: dir.path)
            #expect(run.status == 1, "\(field): \(run.stderr)")
            #expect(run.stderr.contains("dataset.json: cannot train on it: features.\(field)"), "\(run.stderr)")
        }
    }

    /// dataset.json's record of a tensor file, updated to what the file now is.
    func resign(_ folder: String, _ file: String) throws {
        var description =
            try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(folder + "/dataset.json"))) as! [String: Any]
        var files = description["files"] as! [String: Any]
        var entry = files[file] as! [String: Any]
        let bytes = Fixtures.bytes(folder + "/" + file)
        entry["sha256"] = sha256Hex(bytes)
        entry["bytes"] = bytes.count
        files[file] = entry
        description["files"] = files
        _ = FileManager.default.createFile(
            atPath: folder + "/dataset.json", contents: try JSONSerialization.data(withJSONObject: description))
    }

    /// Item 16: re-signed bundles with values that would crash or hang `inspect` and `predict`.
    @Test func resignedBundlesAreRefused() throws {
        let dir = TemporaryDirectory()
        let clip = write(dir, "clip.wav", try Sndfile.encode(samples: Fixtures.tone(seconds: 3), sampleRate: 22050))
        let edits: [(String, (inout [String: Any]) -> Void)] = [
            ("lstm-units", { Self.setUnits(&$0, layer: 0, 100_000) }),
            ("dense-units", { Self.setUnits(&$0, layer: 2, 2_000_000_000) }),
            ("negative-units", { Self.setUnits(&$0, layer: 0, -5) }),
            ("hop", { Self.setFeature(&$0, "hopLength", 0) }),
            ("nfft", { Self.setFeature(&$0, "nFFT", 1 << 30) }),
            ("mels", { Self.setFeature(&$0, "nMels", 100_000_000) }),
        ]
        for (name, edit) in edits {
            let path = dir.file(name + ".tar.gz")
            try BundleFiles.resign(tiny.bundle, to: path, edit: edit)
            FuzzSeeds.keep(file: path, as: .bundle)
            for command in ["inspect", "predict"] {
                let run = try Run(
                    arguments: [command, path] + (command == "predict" ? [clip] : []), in: dir.path, timeout: 120)
                #expect(run.status == 1, "\(command) \(name): \(run.status) \(run.stderr)")
                #expect(run.stderr.hasPrefix("genrekit \(command): \(path): manifest.json: "), "\(run.stderr)")
                #expect(run.peakBytes < 300 << 20)
            }
        }
        let weights = try #require(try BundleFiles.members(of: tiny.bundle).first { $0.0 == "weights.safetensors" }?.1)
        let headerLength = Int(weights[0]) | Int(weights[1]) << 8 | Int(weights[2]) << 16
        var nan = weights
        for k in 0..<4 { nan[8 + headerLength + 4 + k] = [0x00, 0x00, 0xC0, 0x7F][k] }
        try BundleFiles.resign(tiny.bundle, to: dir.file("nan.tar.gz"), replace: ["weights.safetensors": nan])
        let run = try Run("inspect", "nan.tar.gz", in: dir.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("weights.safetensors: ") && run.stderr.contains("NaN or infinite"), "\(run.stderr)")
    }

    static func setUnits(_ manifest: inout [String: Any], layer: Int, _ units: Int) {
        var recipe = manifest["recipe"] as! [String: Any]
        var layers = recipe["layers"] as! [[String: Any]]
        layers[layer]["units"] = units
        recipe["layers"] = layers
        manifest["recipe"] = recipe
    }

    static func setFeature(_ manifest: inout [String: Any], _ key: String, _ value: Int) {
        var features = manifest["features"] as! [String: Any]
        features[key] = value
        manifest["features"] = features
    }

    /// Item 17: two `package` runs into one zoo at once lost an entry every time.
    @Test func concurrentPackagesBothLand() throws {
        let dir = TemporaryDirectory()
        let run = try tiny.copyRun(into: dir)
        for trial in 0..<4 {
            let zoo = dir.file("zoo\(trial)")
            let processes = ["1.0.\(trial)", "2.0.\(trial)"].map { version in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: Run.binary)
                p.arguments = ["package", run, "--model-version", version, "--zoo", zoo]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                return p
            }
            for p in processes { try p.run() }
            for p in processes { p.waitUntilExit() }
            #expect(processes.allSatisfy { $0.terminationStatus == 0 })
            let index = try #require(
                try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(zoo + "/index.json"))) as? [String: Any])
            #expect((index["bundles"] as? [Any])?.count == 2, "trial \(trial)")
        }
    }

    /// Item 18: a bundle whose index entry was lost (killed between the two writes).
    @Test func orphanBundleIsRecovered() throws {
        let dir = TemporaryDirectory()
        let run = try tiny.copyRun(into: dir)
        #expect(try Run("package", run, "--model-version", "1.0.0", "--zoo", "zoo", in: dir.path).status == 0)
        _ = FileManager.default.createFile(
            atPath: dir.file("zoo/index.json"), contents: Data("{\"bundles\":[],\"formatVersion\":1}".utf8))
        let list = try Run("zoo", "list", "zoo", in: dir.path)
        #expect(list.status == 0)
        #expect(list.stdout.contains("tiny  1.0.0"), "\(list.stdout)")
        #expect(list.stderr.contains("tiny-1.0.0.tar.gz is in the folder but was missing from index.json"))
        let again = try Run("package", run, "--model-version", "1.0.0", "--zoo", "zoo", in: dir.path)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already in the zoo"))
        #expect(try Run("package", run, "--model-version", "1.1.0", "--zoo", "zoo", in: dir.path).status == 0)
        let index = try #require(
            try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(dir.file("zoo/index.json")))) as? [String: Any])
        #expect((index["bundles"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == ["1.0.0", "1.1.0"])
    }

    /// Items 19, 20, 26: a run killed before its first checkpoint, a resume with other
    /// hyperparameters, a finished run extended and killed, early stopping said out loud.
    @Test func runFolderLifecycle() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("early"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: tiny.run + "/recipe.json", toPath: dir.file("early/recipe.json"))
        let base = ["train", tiny.features, "--recipe", tiny.recipe, "-q"]
        let exists = try Run(arguments: base + ["--out", "early"], in: dir.path)
        #expect(exists.status == 1)
        #expect(exists.stderr.contains("--resume carries on from its last checkpoint, --force starts over"))
        let resume = try Run(arguments: base + ["--out", "early", "--resume"], in: dir.path)
        #expect(resume.status == 1)
        #expect(
            resume.stderr.contains(
                "no checkpoint to resume from (the run stopped before its first epoch ended); start over with --force"))
        #expect(try Run(arguments: base + ["--out", "early", "--force", "--epochs", "1"], in: dir.path).status == 0)
        let notRun = try Run(arguments: base + ["--out", tiny.dir.file("zoo"), "--force"], in: dir.path)
        #expect(notRun.status == 1)
        #expect(notRun.stderr.contains("not a run folder, so --force will not replace it"))

        let run = try tiny.copyRun(into: dir)
        let changed = try Run(arguments: base + ["--out", run, "--resume", "--learning-rate", "0.5"], in: dir.path)
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("resumed with a different optimizer.learningRate than it was trained with"))
        let nothing = try Run(arguments: base + ["--out", run, "--resume", "--epochs", "2"], in: dir.path)
        #expect(nothing.status == 0)
        #expect(nothing.stderr.contains("has trained all 2 epochs; nothing to train"), "\(nothing.stderr)")

        // Extended and killed part-way: no final weights beside the longer history.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.binary)
        p.arguments = base + ["--out", run, "--resume", "--epochs", "400"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline,
            (try? String(contentsOfFile: run + "/history.csv", encoding: .utf8))?.split(separator: "\n").count ?? 0 < 5
        {
            usleep(50_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: run + "/weights.safetensors"))
        let package = try Run("package", run, "--model-version", "9.0.0", "--zoo", "zoo", in: dir.path)
        #expect(package.status == 1)
        #expect(package.stderr.contains("weights.safetensors: missing (is the run finished?"), "\(package.stderr)")
        let info = try #require(
            try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(run + "/run.json"))) as? [String: Any])
        #expect((info["resumes"] as? [[String: Int]])?.first == ["atEpoch": 2, "epochs": 400])

        let stopping = try Run(
            arguments: base + ["--out", "stops", "--epochs", "40", "--patience", "1", "--learning-rate", "0.05"],
            in: dir.path)
        #expect(stopping.status == 0)
        #expect(stopping.stderr.contains("early stopping: the weights of epoch"), "\(stopping.stderr)")
    }

    /// Item 22: recipes the trainer cannot build are refused by the recipe check.
    @Test func unbuildableRecipesAreRefused() throws {
        let dir = TemporaryDirectory()
        var recipe = try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(tiny.recipe))) as! [String: Any]
        var layers = recipe["layers"] as! [[String: Any]]
        layers.insert(["type": "lstm", "name": "lstm_2", "units": 8], at: 1)
        recipe["layers"] = layers
        _ = FileManager.default.createFile(
            atPath: dir.file("stacked.json"), contents: try JSONSerialization.data(withJSONObject: recipe))
        let stacked = try Run("train", tiny.features, "--recipe", "stacked.json", "--out", "r1", in: dir.path)
        #expect(stacked.status == 1)
        #expect(stacked.stderr.contains("only the first layer can be an lstm"), "\(stacked.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("r1")))
        recipe = try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(tiny.recipe))) as! [String: Any]
        recipe["optimizer"] = ["type": "sgd", "learningRate": 0.01]
        _ = FileManager.default.createFile(
            atPath: dir.file("sgd.json"), contents: try JSONSerialization.data(withJSONObject: recipe))
        let sgd = try Run("train", tiny.features, "--recipe", "sgd.json", "--out", "r2", in: dir.path)
        #expect(sgd.status == 1)
        #expect(
            sgd.stderr
                == "genrekit train: recipe sgd.json: not a recipe ('optimizer.type': optimizer sgd is not supported (supported: adam))\n"
        )
    }

    /// Items 23, 24: nothing usable, split lists that contradict themselves, archives given
    /// where folders are wanted.
    @Test func unusablePreparesWriteNothing() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("bad/genres/rock"), withIntermediateDirectories: true)
        for i in 0..<3 { _ = write(dir, "bad/genres/rock/rock.0000\(i).wav", Array(repeating: UInt8(i), count: 500)) }
        let none = try Run("prepare", "bad", "--out", "f", in: dir.path)
        #expect(none.status == 2)
        #expect(none.stderr.hasPrefix("genrekit prepare: bad: no usable track (3 skipped"), "\(none.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("f")))

        _ = write(
            dir, "list.json",
            Array(#"{"train": ["blues.00000", "blues.00001"], "val": ["blues.00001"], "test": []}"#.utf8))
        let twice = try Run("prepare", tiny.data, "--out", "f", "--split-list", "list.json", in: dir.path)
        #expect(twice.status == 1)
        #expect(twice.stderr == "genrekit prepare: list.json: puts blues.00001 in both train and val\n")
        let absent = try Run("prepare", tiny.data, "--out", "f", "--split-list", "fault-filtered", in: dir.path)
        #expect(absent.stderr.contains("the split list fault-filtered names"), "\(absent.stderr)")

        #expect(
            try Run("synth", "--out", "s.zip", "--tracks-per-genre", "1", "--seconds", "3", "-q", in: dir.path).status
                == 0)
        let zip = try Run("prepare", "s.zip", "--out", "f", in: dir.path)
        #expect(zip.status == 1)
        #expect(
            zip.stderr
                == "genrekit prepare: s.zip: an archive, not an unpacked dataset folder: unpack it first (genrekit unpack ARCHIVE --into DATA)\n"
        )
        let train = try Run("train", "s.zip", "--out", "r", in: dir.path)
        #expect(train.stderr.hasPrefix("genrekit train: s.zip: cannot train on it: an archive, not a features folder"))
    }

    /// Item 25: synth and zoo list used as a newcomer would.
    @Test func synthAndZooListAsANewcomerUsesThem() throws {
        let dir = TemporaryDirectory()
        #expect(
            try Run("synth", "--out", "s.zip", "--tracks-per-genre", "1", "--seconds", "3", "-q", in: dir.path).status
                == 0)
        let before = sha256Hex(Fixtures.bytes(dir.file("s.zip")))
        let again = try Run("synth", "--out", "s.zip", "--tracks-per-genre", "2", "--seconds", "3", in: dir.path)
        #expect(again.status == 1)
        #expect(again.stderr == "genrekit synth: s.zip: already exists (use --force to replace it)\n")
        #expect(sha256Hex(Fixtures.bytes(dir.file("s.zip"))) == before)
        #expect(
            try Run("synth", "--out", "s.tar.gz", "--tracks-per-genre", "1", "--seconds", "3", "-q", in: dir.path)
                .status == 0)
        #expect(Array(Fixtures.bytes(dir.file("s.tar.gz")).prefix(2)) == [0x1F, 0x8B])
        #expect(try Run("validate", "s.tar.gz", in: dir.path).status == 0)
        #expect(try Run("synth", "--out", "s.rar", in: dir.path).status == 64)
        let missing = try Run(
            "synth", "--out", "no/such/folder/s.zip", "--tracks-per-genre", "1", "--seconds", "3", in: dir.path)
        #expect(missing.status == 1)
        #expect(!missing.stderr.contains(".partial-"), "\(missing.stderr)")
        let zoo = try Run("zoo", "list", "nozoo", in: dir.path)
        #expect(zoo.status == 1)
        #expect(zoo.stderr == "genrekit zoo list: nozoo: no such file or folder; expected a zoo folder\n")
        let version = try Run("package", tiny.run, "--version", "1.0.0", "--zoo", "z", in: dir.path)
        #expect(version.status == 64)
        #expect(version.stderr.contains("--version is genrekit's own; give the bundle's as --model-version 1.0.0"))
    }
}
