import Basics
import Foundation
import TestSupport
import Testing

/// `genrekit export` as people use it: a bundle verified before anything is written, a tampered
/// one refused with nothing left behind, and mistakes with the paths and the format.
@Suite struct ExportCLITests {
    let tiny = TinyModel.shared

    @Test func exportsAVerifiedBundle() throws {
        let dir = TemporaryDirectory()
        let run = try Run("export", tiny.bundle, "--format", "onnx", "--out", "tiny.onnx", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: dir.file("tiny.onnx")))
        #expect(run.stdout == "tiny.onnx: onnx, \(bytes.count) bytes, from \(tiny.bundle)\n")
        #expect(Fixtures.tree(dir.path) == ["tiny.onnx"], "no temporary file is left beside it")
        let again = try Run("export", tiny.bundle, "--out", "again.onnx", in: dir.path)
        #expect(again.status == 0 && FileManager.default.contents(atPath: dir.file("again.onnx")) == bytes)
        let keras = try Run("export", tiny.bundle, "--format", "keras", "--out", "tiny.keras", in: dir.path)
        #expect(keras.status == 0 && keras.stdout.hasPrefix("tiny.keras: keras, "), "\(keras.stderr)")
        let zip = try BundleFiles.members(of: dir.file("tiny.keras")).map(\.0)
        #expect(zip == ["metadata.json", "config.json", "model.weights.h5"])
    }

    @Test func refusesTamperedAndUnverifiableBundles() throws {
        let dir = TemporaryDirectory()
        var parts = try BundleFiles.members(of: tiny.bundle)
        let w = try #require(parts.firstIndex { $0.0 == "weights.safetensors" })
        parts[w].1[parts[w].1.count - 1] ^= 0x01  // one bit of one weight, checksums left as they were
        try BundleFiles.write(parts, to: dir.file("tampered.tar.gz"))
        _ = FileManager.default.createFile(atPath: dir.file("garbage.tar.gz"), contents: Data("not a bundle".utf8))
        for (bundle, message) in [
            ("tampered.tar.gz", "weights.safetensors: "), ("garbage.tar.gz", "not a readable archive"),
            ("missing.tar.gz", "no such file"),
        ] {
            let run = try Run("export", bundle, "--out", "model.onnx", in: dir.path)
            #expect(run.status == 1, "\(bundle): \(run.status) \(run.stderr)")
            #expect(run.stderr.hasPrefix("genrekit export: \(bundle): "), "\(run.stderr)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("model.onnx")), "\(bundle): nothing written")
        }
    }

    @Test func refusesToOverwriteTheBundleOrGuessAFormat() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: tiny.bundle, toPath: dir.file("b.tar.gz"))
        let before = FileManager.default.contents(atPath: dir.file("b.tar.gz"))
        let same = try Run("export", "b.tar.gz", "--out", "b.tar.gz", in: dir.path)
        #expect(same.status == 1 && same.stderr.contains("b.tar.gz"), "\(same.stderr)")
        #expect(FileManager.default.contents(atPath: dir.file("b.tar.gz")) == before)
        let format = try Run("export", "b.tar.gz", "--format", "tflite", "--out", "m", in: dir.path)
        #expect(format.status == 64 && format.stderr.contains("onnx"), "\(format.status) \(format.stderr)")
        let name = try Run("export", "b.tar.gz", "--format", "keras", "--out", "m.zip", in: dir.path)
        #expect(name.status == 64 && name.stderr.contains(".keras"), "\(name.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("m.zip")))
        let noOut = try Run("export", "b.tar.gz", in: dir.path)
        #expect(noOut.status == 64 && noOut.stderr.contains("--out"), "\(noOut.stderr)")
        let help = try Run("export", "--help", in: dir.path)
        #expect(help.status == 0 && help.stdout.contains("opset 17") && help.stdout.contains("Example"))
    }
}
