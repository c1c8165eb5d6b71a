import Foundation
import TestSupport
import Testing

@testable import Dataset

/// Staging folders, stale work, overlapping outputs and duplicate groups (issue: hostile and
/// unlucky inputs, items 2, 8, 9 and 21).
@Suite struct HostileDatasetTests {
    /// Item 9: a folder that appeared while the job ran is never replaced by the final rename.
    @Test func commitNeverReplacesAFolderThatAppeared() throws {
        let dir = TemporaryDirectory()
        let first = try StagedDirectory(dir.file("data"), force: false, purpose: "unpacking")
        let second = try StagedDirectory(dir.file("data"), force: false, purpose: "preparing")
        _ = FileManager.default.createFile(atPath: first.path("a"), contents: Data("first".utf8))
        _ = FileManager.default.createFile(atPath: second.path("b"), contents: Data("second".utf8))
        try first.commit()
        #expect(throws: DatasetError.destinationExists(path: dir.file("data"))) { try second.commit() }
        #expect(Fixtures.tree(dir.file("data")) == ["a"])
        // Even an empty folder made meanwhile is not replaced.
        let third = try StagedDirectory(dir.file("other"), force: false, purpose: "unpacking")
        try FileManager.default.createDirectory(atPath: dir.file("other"), withIntermediateDirectories: false)
        #expect(throws: DatasetError.self) { try third.commit() }
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
            #expect(throws: DatasetError.self, "\(output)") {
                try InputPath.refuseOverlap(
                    output: dir.file(output == dir.path ? "." : output), inputs: [dir.file("data")])
            }
        }
        try InputPath.refuseOverlap(output: dir.file("features"), inputs: [dir.file("data")])
        try InputPath.refuseOverlap(output: dir.file("data2"), inputs: [dir.file("data")])
    }

    /// Item 2: a group's messages are short whatever its size.
    @Test func duplicateMessagesAreLinear() {
        let ids = (0..<10_000).map { "rock.\(String(format: "%05d", $0))" }
        let messages = ids.indices.map { ReportBuilder.duplicateMessage(ids, member: $0) }
        #expect(messages.allSatisfy { $0.count < 120 })
        #expect(
            messages[0]
                == "identical decoded audio to 9999 other tracks: rock.00001, rock.00002, rock.00003 and 9996 more")
        #expect(messages[5] == "identical decoded audio to rock.00000 and 9998 other tracks")
        #expect(ReportBuilder.duplicateMessage(["a", "b"], member: 1) == "identical decoded audio to a")
    }
}
