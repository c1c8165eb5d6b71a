import Foundation
import TestSupport
import Testing

/// Artist-conscious splits, folds and cross-validation from the command line (issue: numbers an
/// expert trusts).
@Suite struct SplitPolicyCLITests {
    func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(path))) as? [String: Any])
    }

    /// A synthetic GTZAN with every id (1 s tracks cut into 0.3 s segments to keep it fast):
    /// prepare's default split keeps every artist of Sturm's index in one partition, and 10
    /// artist folds keep every artist in one fold.
    @Test func everyGTZANIdSplitByArtistAndIntoFolds() throws {
        let dir = TemporaryDirectory()
        for arguments in [
            ["synth", "--out", "s.zip", "--tracks-per-genre", "100", "--seconds", "1", "-q"],
            ["unpack", "s.zip", "--into", "data", "-q"],
        ] {
            let run = try Run(arguments: arguments, in: dir.path)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let split = try Run("prepare", "data", "--out", "f", "--segments", "100", "-q", in: dir.path)
        #expect(split.status == 0, "\(split.stderr)")
        #expect(split.stdout.hasPrefix("prepared 1000 tracks, artist split 60/20/20, seed 42: "), "\(split.stdout)")
        #expect(split.stdout.contains("\nartist split: shares within "))
        let folds = try Run("prepare", "data", "--out", "k", "--segments", "100", "--folds", "10", "-q", in: dir.path)
        #expect(folds.status == 0, "\(folds.stderr)")
        for (folder, key) in [("f", "split"), ("k", "fold")] {
            let tracks = try #require(try json(dir.file("\(folder)/dataset.json"))["tracks"] as? [[String: Any]])
            #expect(tracks.count == 1000)
            var binsOfGroup: [String: Set<String>] = [:]
            for t in tracks {
                let group = try #require(t["group"] as? String)
                binsOfGroup[group, default: []].insert("\(try #require(t[key]))")
            }
            #expect(binsOfGroup.values.allSatisfy { $0.count == 1 }, "\(folder): an artist in two \(key)s")
            #expect(binsOfGroup["Bob Marley"]?.count == 1 && binsOfGroup.count > 244, "\(folder)")
        }
    }

    /// `train --fold` and `cv` on tone folds: the split beside every accuracy, the summary
    /// files, and a resumed `cv` that keeps the finished folds.
    @Test func trainOnAFoldAndCrossValidate() throws {
        let dir = TemporaryDirectory()
        let data = try Fixtures.toneDataset(in: dir, perGenre: 3, seconds: 6)
        try TinyModel.writeRecipe(to: dir.file("tiny.json"))
        let prepare = try Run("prepare", data, "--out", "folds", "--folds", "3", "--split-by", "track", in: dir.path)
        #expect(prepare.status == 0, "\(prepare.stderr)")
        #expect(prepare.stdout.contains("tensors: folds/folds.npz (array fold)"))
        let one = try Run(
            "train", "folds", "--fold", "1", "--recipe", "tiny.json", "--out", "r", "--epochs", "1", "-q", in: dir.path)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("; track split, 3 folds, seed 42, test fold 1)\n"), "\(one.stdout)")
        let noFold = try Run("train", "folds", "--recipe", "tiny.json", "--out", "r2", "-q", in: dir.path)
        #expect(noFold.status == 1)
        #expect(noFold.stderr.contains("holds 3 folds: give --fold 0 to 2, or train them all with genrekit cv"))

        let cv = try Run("cv", "folds", "--recipe", "tiny.json", "--out", "cv", "--epochs", "1", "-q", in: dir.path)
        #expect(cv.status == 0, "\(cv.stderr)")
        #expect(cv.stdout.contains("tiny on track split, 3 folds, seed 42:\nFOLD"), "\(cv.stdout)")
        #expect(cv.stdout.contains("\nmean ± std "))
        for name in [
            "cv.json", "confusion.svg", "confusion.png", "fold-0/weights.safetensors", "fold-0/confusion.png",
            "fold-2/evaluation.json", "fold-2/curves.svg",
        ] {
            #expect(FileManager.default.fileExists(atPath: dir.file("cv/\(name)")), "\(name)")
        }
        let summary = try json(dir.file("cv/cv.json"))
        #expect(
            (summary["folds"] as? [Any])?.count == 3 && summary["split"] as? String == "track split, 3 folds, seed 42")
        let again = try Run("cv", "folds", "--recipe", "tiny.json", "--out", "cv", "--epochs", "1", "-q", in: dir.path)
        #expect(again.status == 1 && again.stderr.contains("--resume carries on"), "\(again.stderr)")
        let resumed = try Run(
            "cv", "folds", "--recipe", "tiny.json", "--out", "cv", "--epochs", "1", "--resume", "-q", in: dir.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.components(separatedBy: "(already trained)").count == 4, "\(resumed.stdout)")
        #expect(try Run("cv", "nothing", "--out", "x", in: dir.path).status == 1)
        #expect(
            try Run("prepare", data, "--out", "s", "--folds", "3", "--split-by", "segment", in: dir.path).status == 64)
    }
}
