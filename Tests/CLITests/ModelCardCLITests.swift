import Basics
import Foundation
import TestSupport
import Testing

/// The bundle's model card and manifest say what the data was and under what license.
@Suite struct ModelCardCLITests {
    @Test func syntheticDataAndLicenseAreSaidPlainly() throws {
        let dir = TemporaryDirectory()
        func run(_ arguments: String...) throws {
            let r = try Run(arguments: arguments, in: dir.path)
            #expect(r.status == 0, "\(arguments): \(r.stderr)")
        }
        try run("synth", "--out", "s.zip", "--tracks-per-genre", "3", "--seconds", "9", "-q")
        try run("unpack", "s.zip", "--into", "data", "-q")
        try run("prepare", "data", "--out", "features", "--split", "34/33/33", "-q")
        try TinyModel.writeRecipe(to: dir.file("tiny.json"))
        try run("train", "features", "--recipe", "tiny.json", "--out", "run", "--epochs", "1", "-q")
        try run("package", "run", "--model-version", "1.0.0", "--zoo", "zoo", "--license", "CC-BY-4.0")
        let members = try BundleFiles.members(of: dir.file("zoo/tiny-1.0.0.tar.gz"))
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(members.first { $0.0 == "manifest.json" }!.1)) as? [String: Any]
        )
        #expect(manifest["license"] as? String == "CC-BY-4.0")
        let data = try #require(manifest["data"] as? [String: Any])
        #expect(data["dataset"] as? String == "gtzan" && data["syntheticTracks"] as? Int == 30)
        let card = String(decoding: members.first { $0.0 == "README.md" }!.1, as: UTF8.self)
        #expect(card.hasPrefix("---\nlicense: \"CC-BY-4.0\"\n"))
        #expect(
            card.contains("- \"synthetic-data\"\n") && card.contains("**Trained on synthetic audio.** 30 of its tracks")
        )
        let inspect = try Run("inspect", "zoo/tiny-1.0.0.tar.gz", in: dir.path)
        #expect(inspect.stdout.contains("dataset: gtzan (synthetic: 30 tracks from genrekit synth, not music)"))

        let bad = try Run(
            "package", "run", "--model-version", "1.0.1", "--zoo", "zoo", "--license", "MIT\nx: y", in: dir.path)
        #expect(bad.status == 64 && bad.stderr.contains("--license"), "\(bad.stderr)")
        // A re-signed manifest with a license that would break the card's YAML is refused.
        try BundleFiles.resign(dir.file("zoo/tiny-1.0.0.tar.gz"), to: dir.file("yaml.tar.gz")) {
            $0["license"] = "MIT\"\nlicense: x"
        }
        let refused = try Run("inspect", "yaml.tar.gz", in: dir.path)
        #expect(refused.status == 1 && refused.stderr.contains("manifest.json: license"), "\(refused.stderr)")
    }
}
