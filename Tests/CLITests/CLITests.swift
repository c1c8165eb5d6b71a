import Archive
import Audio
import Foundation
import TestSupport
import Testing
import Training

/// Runs the built `genrekit` and captures what it prints.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Peak resident memory in bytes.
    var peakBytes: Int

    /// The binary under test: `GENREKIT_BINARY` when set (to run these tests against another
    /// build), else the one beside the test bundle, else the debug build.
    static let binary: String = ProcessInfo.processInfo.environment["GENREKIT_BINARY"] ?? built

    /// This build's binary, for fixtures that must not depend on the one under test.
    static let built: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("genrekit").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Fixtures.packageRoot + "/.build/debug/genrekit"
    }()

    init(_ arguments: String..., in directory: String) throws {
        try self.init(arguments: arguments, in: directory)
    }

    init(
        arguments: [String], in directory: String, environment: [String: String] = [:], timeout: Double = 600,
        binary: String = Run.binary
    ) throws {
        let result = try Subprocess.run(binary, arguments, in: directory, environment: environment, timeout: timeout)
        status = result.timedOut ? -1 : result.status
        stdout = result.stdout
        stderr = result.stderr
        peakBytes = result.peakBytes
    }
}

/// A small dataset zip: one clean 30 s track, one undecodable, one short.
func smallDataset(_ dir: TemporaryDirectory, name: String = "g.zip", cleanOnly: Bool = false) throws -> String {
    let writer = try ArchiveWriter(path: dir.file(name), format: .zip())
    let clean = try Sndfile.encode(samples: Fixtures.tone(seconds: 30), sampleRate: 22050)
    try writer.addFile("Data/genres_original/blues/blues.00000.wav", bytes: clean)
    if !cleanOnly {
        try writer.addFile("Data/genres_original/jazz/jazz.00054.wav", bytes: [UInt8](repeating: 9, count: 3000))
        let short = try Sndfile.encode(samples: Fixtures.tone(seconds: 10, frequency: 500), sampleRate: 22050)
        try writer.addFile("Data/genres_original/rock/rock.00003.wav", bytes: short)
    }
    try writer.finish()
    return dir.file(name)
}

@Suite struct CLITests {
    @Test func unpackThenValidate() throws {
        let dir = TemporaryDirectory()
        _ = try smallDataset(dir)
        let unpack = try Run("unpack", "g.zip", "--into", "data", in: dir.path)
        #expect(unpack.status == 0, "\(unpack.stderr)")
        #expect(unpack.stdout.contains("unpacked 3 tracks into data/genres: 1 ok, 1 warning, 1 corrupt"))
        #expect(unpack.stderr.isEmpty, "no progress line when stderr is not a terminal")

        let text = try Run("validate", "data", in: dir.path)
        #expect(text.status == 0, "findings are not failures")
        #expect(text.stdout.contains("undecodable"))
        #expect(text.stdout.contains("10.00 s of 30 s: 3 of 10 segments survive"))

        let json = try Run("validate", "data", "--json", in: dir.path)
        #expect(json.status == 0)
        let written = Fixtures.bytes(dir.file("data/validation.json"))
        let printed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let stored = try JSONSerialization.jsonObject(with: Data(written)) as? [String: Any]
        #expect((printed?["tracks"] as? [Any])?.count == 3)
        #expect(printed?["summary"] as? NSDictionary == stored?["summary"] as? NSDictionary)

        let strict = try Run("validate", "data", "--strict", in: dir.path)
        #expect(strict.status == 2, "--strict fails when a track is not ok")
    }

    @Test func strictPassesOnACleanDataset() throws {
        let dir = TemporaryDirectory()
        _ = try smallDataset(dir, cleanOnly: true)
        let run = try Run("validate", "g.zip", "--strict", "--quiet", in: dir.path)
        #expect(run.status == 0, "\(run.stdout)")
    }

    @Test func refusedArchiveIsOneLineAndLeavesNothing() throws {
        let dir = TemporaryDirectory()
        let writer = try ArchiveWriter(path: dir.file("evil.tar.gz"), format: .tarGzip)
        try writer.addFile(
            "genres/blues/blues.00000.wav",
            bytes: try Sndfile.encode(samples: Fixtures.tone(seconds: 1), sampleRate: 22050))
        try writer.addSymlink("genres/blues/blues.00001.wav", target: "../../../../etc/shadow")
        try writer.finish()
        let run = try Run("unpack", "evil.tar.gz", "--into", "data", in: dir.path)
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(
            run.stderr
                == "genrekit unpack: evil.tar.gz: refused unsafe archive: entry 'genres/blues/blues.00001.wav' is a symbolic link (to '../../../../etc/shadow')\n"
        )
        #expect(dir.tree() == ["evil.tar.gz"])
    }

    /// A stored (uncompressed) zip of `tracks` 30 s rock tracks, 1.3 MB each.
    private func writeRockZip(_ path: String, tracks: Int) throws {
        let writer = try ArchiveWriter(path: path, format: .zip(level: 0))
        let track = try Sndfile.encode(samples: Fixtures.tone(seconds: 30), sampleRate: 22050)
        for i in 0..<tracks {
            try writer.addFile("Data/genres_original/rock/rock.\(String(format: "%05d", i)).wav", bytes: track)
        }
        try writer.finish()
    }

    /// Ctrl-C part-way through: exit 130 and no DIR, no staging folder.
    @Test func interruptedUnpackLeavesNothing() throws {
        let dir = TemporaryDirectory()
        try writeRockZip(dir.file("big.zip"), tracks: 400)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Run.binary)
        process.arguments = ["unpack", "big.zip", "--into", "data"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !dir.tree().contains(where: { $0.hasPrefix(".data.unpacking-") && $0.hasSuffix("/genres/rock") }),
            Date() < deadline, process.isRunning
        {
            usleep(10_000)
        }
        #expect(process.isRunning, "unpack finished before it could be interrupted")
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(dir.tree() == ["big.zip"])
    }

    /// A track that cannot be written (here: larger than the file size limit, `ulimit -f`) ends
    /// the run with the reason, naming the track, and leaves nothing: the writes run on the
    /// probe threads, and their first error is rethrown on the reading one.
    @Test func unwritableTrackEndsTheRunCleanly() throws {
        let dir = TemporaryDirectory()
        try writeRockZip(dir.file("big.zip"), tracks: 10)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // SIGXFSZ ignored (inherited through exec), so an oversized write fails with EFBIG.
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f 256; exec \"$0\" unpack big.zip --into data", Run.binary]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        let stderr = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(message.hasPrefix("genrekit unpack: data/genres/rock/rock.0000"), "\(message)")
        #expect(message.hasSuffix(": File too large\n"), "\(message)")
        #expect(message.filter { $0 == "\n" }.count == 1)
        #expect(dir.tree() == ["big.zip"])
    }

    @Test func unreadableInputs() throws {
        let dir = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: dir.file("notes.zip"), contents: Data("hello".utf8))
        let notArchive = try Run("validate", "notes.zip", in: dir.path)
        #expect(notArchive.status == 1)
        #expect(notArchive.stderr.hasPrefix("genrekit validate: notes.zip: not a readable archive"))
        #expect(notArchive.stderr.filter { $0 == "\n" }.count == 1)

        let missing = try Run("validate", "absent", in: dir.path)
        #expect(missing.status == 1)
        #expect(missing.stderr == "genrekit validate: absent: no such file or folder\n")

        _ = try smallDataset(dir)
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: false)
        let exists = try Run("unpack", "g.zip", "--into", "data", in: dir.path)
        #expect(exists.status == 1)
        #expect(exists.stderr == "genrekit unpack: data: already exists (use --force to replace it)\n")
    }

    @Test func badFlagsNameTheFlag() throws {
        let dir = TemporaryDirectory()
        let run = try Run("synth", "--out", "x.zip", "--tracks-per-genre", "0", in: dir.path)
        #expect(run.status == 64)
        #expect(run.stderr.contains("--tracks-per-genre must be 1 to 100, not 0"))
        let epochs = try Run("train", "f", "--out", "r", "--epochs", "0", in: dir.path)
        #expect(epochs.status == 64)
        #expect(epochs.stderr.contains("--epochs must be at least 1, not 0"))
        let noFeatures = try Run("train", "f", "--out", "r", in: dir.path)
        #expect(noFeatures.status == 1)
        #expect(
            noFeatures.stderr
                == "genrekit train: f: cannot train on it: no such file or folder; expected a features folder (genrekit prepare DATA --out FEATURES makes one)\n"
        )
        let ratio = try Run("validate", "x", "--max-ratio", "1", in: dir.path)
        #expect(ratio.status == 64)
        #expect(ratio.stderr.contains("--max-ratio must be at least 2, not 1"))
        // Megabytes past 64 bits of bytes once wrapped round to a negative limit.
        let total = try Run("validate", "x", "--max-total-mb", "9223372036854775807", in: dir.path)
        #expect(total.status == 64)
        #expect(total.stderr.contains("--max-total-mb must be 1 to 1099511627776, not 9223372036854775807"))
        #expect(dir.tree().isEmpty)
    }

    @Test(
        arguments: [
            "synth", "unpack", "validate", "prepare", "merge", "train", "cv", "package", "inspect", "predict", "export",
            "zoo list",
        ])
    func everyCommandHasHelp(command: String) throws {
        let words = command.split(separator: " ").map(String.init)
        let run = try Run(arguments: words + ["--help"], in: FileManager.default.temporaryDirectory.path)
        #expect(run.status == 0)
        #expect(run.stdout.contains("USAGE: genrekit \(command)"))
        #expect(run.stdout.contains("Example"))
    }

    /// A recipe added to the zoo must be described where a newcomer picks one: in train's
    /// discussion (hand-written) and in --recipe's help (derived), which cv shares.
    @Test func trainHelpNamesEveryBuiltInRecipe() throws {
        let run = try Run("train", "--help", in: FileManager.default.temporaryDirectory.path)
        #expect(run.status == 0)
        let text = run.stdout.replacingOccurrences(of: "\n", with: " ")
        let discussion = try #require(text.range(of: "USAGE:")).lowerBound
        let options = try #require(text.range(of: "OPTIONS:")).upperBound
        let (described, named) = (text[..<discussion], text[options...])
        for name in Recipe.builtIn.keys.sorted() {
            #expect(described.contains(name), "train's discussion does not describe \(name)")
            #expect(named.contains(name), "--recipe's help does not name \(name)")
        }
    }

    @Test func prepareAfterUnpack() throws {
        let dir = TemporaryDirectory()
        _ = try smallDataset(dir)
        #expect(try Run("unpack", "g.zip", "--into", "data", in: dir.path).status == 0)
        // Two usable tracks in two genres: a split by track leaves validation and test empty.
        let empty = try Run("prepare", "data", "--out", "features", in: dir.path)
        #expect(empty.status == 2)
        #expect(
            empty.stderr
                == "genrekit prepare: split 60/20/20 of 2 usable tracks leaves val and test with no track; use more tracks per genre or other ratios (--split)\n"
        )
        #expect(!FileManager.default.fileExists(atPath: dir.file("features")))
        let run = try Run("prepare", "data", "--out", "features", "--split-by", "segment", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("prepared 2 tracks"))
        #expect(run.stdout.contains("skipped 1 tracks and 7 segments; reasons in features/dataset.json"))
        #expect(Fixtures.tree(dir.file("features")) == ["dataset.json", "test.npz", "train.npz", "val.npz"])
        let again = try Run("prepare", "data", "--out", "features", "--split-by", "segment", in: dir.path)
        #expect(again.status == 1)
        #expect(again.stderr == "genrekit prepare: features: already exists (use --force to replace it)\n")
        let bad = try Run("prepare", "data", "--out", "f2", "--split", "60/40", in: dir.path)
        #expect(bad.status == 64)
        #expect(
            bad.stderr.contains("The value '60/40' is invalid for '--split <split>': give three numbers like 60/20/20"))
        let unknownList = try Run("prepare", "data", "--out", "f3", "--split-list", "nope", in: dir.path)
        #expect(unknownList.status == 1)
        #expect(
            unknownList.stderr.hasPrefix(
                "genrekit prepare: nope: neither a split list of the manifest (fault-filtered)"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("f3")))
    }

    @Test func synthWritesAValidatableArchive() throws {
        let dir = TemporaryDirectory()
        let run = try Run("synth", "--out", "s.zip", "--tracks-per-genre", "1", "--seconds", "30", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "wrote s.zip: 10 synthetic tracks\n")
        let check = try Run("validate", "s.zip", "--strict", in: dir.path)
        #expect(check.status == 0, "a synthetic dataset without --faults is clean: \(check.stdout)")
    }

    /// prepare -> train -> package -> zoo list -> inspect -> predict, through the command line.
    @Test func packageInspectPredict() throws {
        let dir = TemporaryDirectory()
        let data = try Fixtures.toneDataset(in: dir, perGenre: 3, seconds: 6)
        #expect(try Run("prepare", data, "--out", "features", "--split", "34/33/33", "-q", in: dir.path).status == 0)
        // lstm-norm, narrower, so a debug build trains it in seconds.
        var recipe = try #require(
            try JSONSerialization.jsonObject(
                with: Data(Fixtures.bytes(Fixtures.packageRoot + "/manifests/models/lstm-norm.json")))
                as? [String: Any])
        recipe["name"] = "tiny"
        recipe["layers"] = (recipe["layers"] as! [[String: Any]]).map { layer in
            var l = layer
            if let units = l["units"] as? Int { l["units"] = units / 8 }
            return l
        }
        _ = FileManager.default.createFile(
            atPath: dir.file("tiny.json"), contents: try JSONSerialization.data(withJSONObject: recipe))
        let train = try Run(
            "train", "features", "--recipe", "tiny.json", "--out", "run", "--epochs", "2", "-q", in: dir.path)
        #expect(train.status == 0, "\(train.stderr)")

        let package = try Run("package", "run", "--model-version", "0.1.0", "--zoo", "zoo", in: dir.path)
        #expect(package.status == 0, "\(package.stderr)")
        #expect(package.stdout.hasPrefix("zoo/tiny-0.1.0.tar.gz: tiny 0.1.0, 9 files; test accuracy "))
        let again = try Run("package", "run", "--model-version", "0.1.0", "--zoo", "zoo", in: dir.path)
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("genrekit package: zoo/tiny-0.1.0.tar.gz: tiny 0.1.0 is already in the zoo"))
        #expect(try Run("package", "run", "--model-version", "1", "--zoo", "zoo", in: dir.path).status == 64)

        let list = try Run("zoo", "list", "zoo", in: dir.path)
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == 2)
        #expect(list.stdout.contains("tiny  0.1.0"))

        let inspect = try Run("inspect", "zoo/tiny-0.1.0.tar.gz", in: dir.path)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(
            inspect.stdout.hasPrefix(
                "tiny 0.1.0  (zoo/tiny-0.1.0.tar.gz: the manifest's 8 files verified, SHA-256 and size)"))
        #expect(inspect.stdout.contains("lstm: lstm 13 -> 16, gates input/forget/candidate/output"))
        #expect(inspect.stdout.contains("per genre (test split, segments):"))
        let json = try Run("inspect", "zoo/tiny-0.1.0.tar.gz", "--json", in: dir.path)
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(manifest["version"] as? String == "0.1.0")

        // A bundle with a member altered: one line naming the file, exit 1.
        let reader = try SafeArchiveReader(path: dir.file("zoo/tiny-0.1.0.tar.gz"))
        let writer = try ArchiveWriter(path: dir.file("altered.tar.gz"), format: .tarGzip)
        while let entry = try reader.next() {
            var bytes = try reader.readAll()
            if entry.path == "evaluation.json" { bytes[10] ^= 1 }
            try writer.addFile(entry.path, bytes: bytes)
        }
        try writer.finish()
        let altered = try Run("inspect", "altered.tar.gz", in: dir.path)
        #expect(altered.status == 1)
        #expect(altered.stdout.isEmpty)
        #expect(
            altered.stderr
                == "genrekit inspect: altered.tar.gz: evaluation.json: altered: its SHA-256 does not match the manifest's\n"
        )
        #expect(altered.stderr.split(separator: "\n").count == 1)

        // Two tracks and one unreadable file: both classified, the other one line, exit 2.
        _ = FileManager.default.createFile(atPath: dir.file("junk.wav"), contents: Data(repeating: 5, count: 300))
        let predict = try Run(
            "predict", "zoo/tiny-0.1.0.tar.gz", data + "/genres/blues/blues.00000.wav", "junk.wav",
            data + "/genres/metal/metal.00001.wav", "--top", "2", in: dir.path)
        #expect(predict.status == 2)
        #expect(predict.stderr.hasPrefix("genrekit predict: junk.wav: cannot decode audio"))
        #expect(predict.stderr.split(separator: "\n").count == 1)
        let lines = predict.stdout.split(separator: "\n")
        #expect(lines.count == 6, "two files, a heading and two genres each: \(predict.stdout)")
        #expect(lines[0] == "\(data)/genres/blues/blues.00000.wav: 2 segments (6.0 s, 22050 Hz, 1 channel)")
        #expect(lines[1].hasPrefix("   1. "))
        let predictJSON = try Run(
            "predict", "zoo/tiny-0.1.0.tar.gz", data + "/genres/blues/blues.00000.wav", "--json", in: dir.path)
        #expect(predictJSON.status == 0)
        let results = try #require(
            try JSONSerialization.jsonObject(with: Data(predictJSON.stdout.utf8)) as? [[String: Any]])
        let ranking = try #require((results.first?["prediction"] as? [String: Any])?["ranking"] as? [[String: Any]])
        #expect(ranking.count == 10)
        let sum = ranking.compactMap { $0["probability"] as? Double }.reduce(0, +)
        #expect(abs(sum - 1) < 1e-5, "the mean of softmax rows sums to 1: \(sum)")
    }
}
