import Foundation
import TestSupport
import Testing

/// `--layout folders` and `--dataset fma` from the command line: the manifest each needs is found
/// (tracks.csv beside the audio, the subset from the folder's name) or asked for in one line.
@Suite struct DatasetLayoutCLITests {
    @Test func fmaFromTheCommandLine() throws {
        let dir = TemporaryDirectory()
        _ = try FMAFixture.write(in: dir)
        let validate = try Run("validate", "fma_small", "--dataset", "fma", in: dir.path)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("000099"), "the missing id: \(validate.stdout)")
        let prepare = try Run(
            "prepare", "fma_small", "--dataset", "fma", "--split-list", "official", "--out", "f", "-q", in: dir.path)
        #expect(prepare.status == 0, "\(prepare.stderr)")
        #expect(prepare.stdout.hasPrefix("prepared 16 tracks, track split, list official"), "\(prepare.stdout)")
        try FileManager.default.moveItem(atPath: dir.file("fma_small"), toPath: dir.file("audio"))
        let unnamed = try Run("validate", "audio", "--dataset", "fma", in: dir.path)
        #expect(unnamed.status == 1)
        #expect(
            unnamed.stderr == "genrekit validate: audio: name the FMA subset with --subset small|medium|large|full\n")
        let elsewhere = try Run(
            "validate", "audio", "--dataset", "fma", "--subset", "small", in: dir.path + "/fma_metadata")
        #expect(elsewhere.status == 1)
        #expect(elsewhere.stderr.contains("give --metadata path/to/tracks.csv"), "\(elsewhere.stderr)")
        for i in 1...2 {
            let shard = try Run(
                "prepare", "audio", "--dataset", "fma", "--subset", "small", "--split-list", "official", "--out",
                "s/\(i)", "--shard", "\(i)/2", "-q", in: dir.path)
            #expect(shard.status == 0, "\(shard.stderr)")
        }
        let merge = try Run("merge", "s/1", "s/2", "--out", "merged", "-q", in: dir.path)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.hasPrefix("prepared 16 tracks, track split, list official"), "\(merge.stdout)")
        let wrong = try Run("validate", "audio", "--subset", "small", in: dir.path)
        #expect(wrong.status == 64, "a usage error")
    }

    @Test func foldersFromTheCommandLine() throws {
        let dir = TemporaryDirectory()
        let root = try FolderDataset.write(in: dir)
        let gtzan = try Run("validate", root, in: dir.path)
        #expect(gtzan.status == 1)
        #expect(gtzan.stderr.contains("for other datasets see --layout"), "\(gtzan.stderr)")
        let prepare = try Run(
            "prepare", root, "--layout", "folders", "--out", "f", "--segments", "4", "-q", in: dir.path)
        #expect(prepare.status == 0, "\(prepare.stderr)")
        #expect(prepare.stdout.hasPrefix("prepared 17 tracks, track split 60/20/20"), "\(prepare.stdout)")
        let tooMany = try Run("prepare", root, "--out", "g", "--segments", "101", in: dir.path)
        #expect(tooMany.status == 64 && tooMany.stderr.contains("--segments must be 1 to 100"))
    }
}
