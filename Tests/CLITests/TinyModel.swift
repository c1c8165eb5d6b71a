import Foundation
import TestSupport
import Testing

/// A tone dataset, its features, a two-epoch run of a narrow recipe and its bundle, made once
/// through the command line for the tests that need one. Tests that change a run copy it.
final class TinyModel: @unchecked Sendable {
    static let shared: TinyModel = {
        do { return try TinyModel() } catch { fatalError("cannot make the tiny model: \(error)") }
    }()

    let dir = TemporaryDirectory("genrekit-tiny")
    let data: String
    var features: String { dir.file("features") }
    var run: String { dir.file("run") }
    var recipe: String { dir.file("tiny.json") }
    var bundle: String { dir.file("zoo/tiny-0.1.0.tar.gz") }

    private init() throws {
        data = try Fixtures.toneDataset(in: dir, perGenre: 3, seconds: 6)
        func run(_ arguments: String...) throws {
            try Self.check(Run(arguments: arguments, in: dir.path, binary: Run.built))
        }
        try run("prepare", data, "--out", "features", "--split", "34/33/33", "-q")
        try Self.writeRecipe(to: dir.file("tiny.json"))
        try run("train", "features", "--recipe", "tiny.json", "--out", "run", "--epochs", "2", "-q")
        try run("package", "run", "--model-version", "0.1.0", "--zoo", "zoo")
        FuzzSeeds.keep(file: bundle, as: .bundle)
        FuzzSeeds.keep(file: dir.file("run/weights.safetensors"), as: .safetensors)
        for part in ["train", "val", "test"] { FuzzSeeds.keep(file: dir.file("features/\(part).npz"), as: .npy) }
        if let manifest = try BundleFiles.members(of: bundle).first(where: { $0.0 == "manifest.json" }) {
            FuzzSeeds.keep(manifest.1, as: .manifest)
        }
    }

    static func check(_ run: Run) throws {
        guard run.status == 0 else {
            throw CocoaError(.featureUnsupported, userInfo: [NSDebugDescriptionErrorKey: run.stderr])
        }
    }

    /// lstm-norm, eight times narrower, so a debug build trains it in seconds.
    static func writeRecipe(to path: String, patience: Int? = nil) throws {
        var recipe = try #require(
            try JSONSerialization.jsonObject(
                with: Data(Fixtures.bytes(Fixtures.packageRoot + "/manifests/models/lstm-norm.json"))) as? [String: Any]
        )
        recipe["name"] = "tiny"
        recipe["layers"] = (recipe["layers"] as! [[String: Any]]).map { layer in
            var l = layer
            if let units = l["units"] as? Int { l["units"] = units / 8 }
            return l
        }
        if let patience {
            recipe["earlyStopping"] = ["monitor": "val_loss", "patience": patience, "restoreBestWeights": true]
        }
        _ = FileManager.default.createFile(atPath: path, contents: try JSONSerialization.data(withJSONObject: recipe))
    }

    /// A copy of the run folder, to change.
    func copyRun(into dir: TemporaryDirectory, as name: String = "run") throws -> String {
        try FileManager.default.copyItem(atPath: run, toPath: dir.file(name))
        return dir.file(name)
    }
}
