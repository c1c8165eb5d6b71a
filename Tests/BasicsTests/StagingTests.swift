import Basics
import Foundation
import TestSupport
import Testing

/// Staging folders, stale work and overlapping outputs (issue: hostile and unlucky inputs,
/// items 8, 9 and 21).
@Suite struct StagingTests {
    /// Item 9: a folder that appeared while the job ran is never replaced by the final rename.
    @Test func commitNeverReplacesAFolderThatAppeared() throws {
        let dir = TemporaryDirectory()
        let first = try StagedDirectory(dir.file("data"), force: false, purpose: "unpacking")
        let second = try StagedDirectory(dir.file("data"), force: false, purpose: "preparing")
        _ = FileManager.default.createFile(atPath: first.path("a"), contents: Data("first".utf8))
        _ = FileManager.default.createFile(atPath: second.path("b"), contents: Data("second".utf8))
        try first.commit()
        #expect(throws: FileError.destinationExists(path: dir.file("data"))) { try second.commit() }
        #expect(Fixtures.tree(dir.file("data")) == ["a"])
        // Even an empty folder made meanwhile is not replaced.
        let third = try StagedDirectory(dir.file("other"), force: false, purpose: "unpacking")
        try FileManager.default.createDirectory(atPath: dir.file("other"), withIntermediateDirectories: false)
        #expect(throws: FileError.destinationExists(path: dir.file("other"))) { try third.commit() }
    }

    @Test func forceReplacesWhatWasThere() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: dir.file("data/old"), contents: Data())
        let staged = try StagedDirectory(dir.file("data"), force: true, purpose: "unpacking")
        _ = FileManager.default.createFile(atPath: staged.path("new"), contents: Data())
        try staged.commit()
        #expect(dir.tree() == ["data", "data/new"])
    }

    /// Item 7: a job that does not commit leaves no staging folder and none of the parents it made.
    @Test func uncommittedJobRemovesTheParentsItMade() throws {
        let dir = TemporaryDirectory()
        do {
            let staged = try StagedDirectory(dir.file("x/y/data"), force: false, purpose: "unpacking")
            _ = FileManager.default.createFile(atPath: staged.path("f"), contents: Data())
            #expect(staged.display("f") == dir.file("x/y/data") + "/f")
        }
        #expect(dir.tree().isEmpty)
    }

    /// Item 8: work files of killed runs go; those of live ones stay.
    @Test func staleWorkIsSweptOnlyForDeadProcesses() throws {
        let dir = TemporaryDirectory()
        let names = [
            ".data.unpacking-99999999", ".data.preparing-99999998", ".data.partial-99999997",
            ".data.unpacking-\(getpid())", ".data.notes-99999999", ".database.unpacking-99999999",
        ]
        for name in names {
            try FileManager.default.createDirectory(atPath: dir.file(name), withIntermediateDirectories: false)
        }
        let removed = StaleWork.sweep(beside: URL(fileURLWithPath: dir.file("data")))
        #expect(
            removed.map(\.name) == [".data.partial-99999997", ".data.preparing-99999998", ".data.unpacking-99999999"])
        #expect(dir.tree() == [".data.notes-99999999", ".data.unpacking-\(getpid())", ".database.unpacking-99999999"])
    }

    /// Item 21: outputs that are, hold or sit in an input, symbolic links included.
    @Test func overlappingOutputsAreRefused() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("data/genres"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: dir.file("data"))
        for output in ["data", "data/features", "link", "link/x", dir.path] {
            #expect(throws: FileError.self, "\(output)") {
                try InputPath.refuseOverlap(
                    output: dir.file(output == dir.path ? "." : output), inputs: [dir.file("data")])
            }
        }
        try InputPath.refuseOverlap(output: dir.file("features"), inputs: [dir.file("data")])
        try InputPath.refuseOverlap(output: dir.file("data2"), inputs: [dir.file("data")])
    }
}
