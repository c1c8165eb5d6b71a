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
            dir, "data/genres/rock/rock.00033.wav",
            try Sndfile.encode(samples: Fixtures.tone(seconds: 4), sampleRate: 22050))
        _ = write(dir, "data/genres/jazz/jazz.00033.wav", Array(repeating: 7, count: 900))
        let run = try Run("prepare", "data", "--out", "features", "--split", "34/33/33", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        let description = try #require(
            try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(dir.file("features/dataset.json"))))
                as? [String: Any])
        let dropped = try #require(description["droppedSegments"] as? [[String: Any]])
        #expect(
            dropped.contains {
                $0["id"] as? String == "rock.00033" && ($0["reason"] as? String)?.contains("changed") == true
            })
        let skipped = try #require(description["skipped"] as? [[String: Any]])
        #expect(skipped.contains { $0["id"] as? String == "jazz.00033" })
        // 30 synthetic tracks, one skipped and one replaced by an unmarked tone.
        #expect((description["source"] as? [String: Any])?["syntheticTracks"] as? Int == 28)
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
}
