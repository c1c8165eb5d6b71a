import Archive
import Audio
import Basics
import Foundation
import TestSupport
import Testing

/// The zoo and run folders under concurrent, interrupted and newcomer use (issue: hostile and
/// unlucky inputs).
extension HostileRunCLITests {
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
        #expect(
            stacked.stderr.contains("an lstm comes first or right after a reshape, and only once"), "\(stacked.stderr)")
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
