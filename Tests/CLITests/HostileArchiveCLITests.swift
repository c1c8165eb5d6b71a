import Archive
import Audio
import Foundation
import TestSupport
import Testing

/// `validate` and `unpack` on archives built to crash them, to get around their limits, or
/// damaged on the way (issue: hostile and unlucky inputs, items 1 to 9). Each runs the real
/// binary on a real file and checks the exit status, the one-line message and that nothing is
/// left behind.
@Suite struct HostileArchiveCLITests {
    static let track = try! Sndfile.encode(samples: Fixtures.tone(seconds: 3), sampleRate: 22050)

    func zip(_ dir: TemporaryDirectory, _ name: String, _ entries: [(String, [UInt8])]) throws -> String {
        let writer = try ArchiveWriter(path: dir.file(name), format: .zip())
        for (path, bytes) in entries { try writer.addFile(path, bytes: bytes) }
        try writer.finish()
        return name
    }

    func write(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) -> String {
        FuzzSeeds.keep(bytes, as: .archive)
        _ = FileManager.default.createFile(atPath: dir.file(name), contents: Data(bytes))
        return name
    }

    /// Nothing hidden (staging folders) beside what the test made.
    func expectNoLeftovers(_ dir: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(dir.tree().allSatisfy { !$0.hasPrefix(".") }, "left: \(dir.tree())", sourceLocation: sourceLocation)
    }

    /// Item 1: an RF64 track whose ds64 size is 2^63 - 1 trapped in the seek callback (exit 132).
    @Test func rf64WithAHugeDataSizeIsAFinding() throws {
        let dir = TemporaryDirectory()
        let rf64 = HostileAudio.rf64(samples: Fixtures.tone(seconds: 3), dataSize: UInt64(Int64.max))
        let name = try zip(
            dir, "rf64.zip",
            [
                ("Data/genres_original/blues/blues.00000.wav", rf64),
                ("Data/genres_original/rock/rock.00000.wav", Self.track),
            ])
        let validate = try Run("validate", name, in: dir.path)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("blues.00000"))
        let unpack = try Run("unpack", name, "--into", "data", in: dir.path)
        #expect(unpack.status == 0, "\(unpack.stderr)")
        expectNoLeftovers(dir)
    }

    /// Item 2: N identical tracks made a report that grew as N^2 (8,000 made 864 MB).
    @Test func duplicateGroupsGrowTheReportLinearly() throws {
        let dir = TemporaryDirectory()
        let tiny = try Sndfile.encode(samples: Fixtures.tone(seconds: 0.05), sampleRate: 22050)
        let genres = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
        let entries = (0..<1500).map { i in
            let genre = genres[i % 10]
            return ("Data/genres_original/\(genre)/\(genre).\(String(format: "%05d", i / 10)).wav", tiny)
        }
        let name = try zip(dir, "same.zip", entries)
        let run = try Run("validate", name, "--json", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        // Old: each of 1500 messages named the 1499 others (about 27 MB); now about 700 bytes a track.
        #expect(run.stdout.utf8.count < 1500 * 1000, "\(run.stdout.utf8.count) bytes")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tracks = try #require(report["tracks"] as? [[String: Any]])
        let messages = tracks.flatMap { ($0["problems"] as? [[String: Any]]) ?? [] }
            .filter { $0["code"] as? String == "duplicate" }.compactMap { $0["message"] as? String }
        #expect(messages.count == 1500)
        #expect(
            messages.contains(
                "identical decoded audio to 1499 other tracks: blues.00001, blues.00002, blues.00003 and 1496 more"))
        #expect(messages.contains("identical decoded audio to blues.00000 and 1498 other tracks"))
    }

    /// Item 3a: overlapping entries inflate one kernel many times over, each entry passing the
    /// ratio rule on its own.
    @Test func overlappingZipIsRefused() throws {
        let dir = TemporaryDirectory()
        let names = (0..<8).map { "Data/genres_original/blues/blues.0000\($0).wav" }
        let kernel = (0..<400_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) & 0x0F }
        let name = write(dir, "fifield.zip", try RawZip.overlapping(names: names, kernel: kernel))
        let run = try Run("unpack", name, "--into", "data", in: dir.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("shares its bytes with entry"), "\(run.stderr)")
        #expect(dir.tree() == ["fifield.zip"])
    }

    /// Item 3b: 6 MiB entries at about 1000:1 slipped under the old slack; now the first one is
    /// stopped once past 2 MiB.
    @Test func highRatioEntryIsStoppedEarly() throws {
        let dir = TemporaryDirectory()
        let zeros = [UInt8](repeating: 0, count: 6 << 20)
        let name = try zip(
            dir, "bomb.zip", (0..<20).map { ("Data/genres_original/rock/rock.000\(10 + $0).wav", zeros) })
        let run = try Run("unpack", name, "--into", "data", in: dir.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("past the compression ratio limit of 100:1"), "\(run.stderr)")
        #expect(run.stderr.contains("rock.00010.wav"), "the first entry is the one stopped")
        #expect(dir.tree() == ["bomb.zip"])
    }

    /// Item 3c: members that are skipped still inflate; they count toward --max-total-mb.
    @Test func skippedMembersCountTowardTheTotal() throws {
        let dir = TemporaryDirectory()
        let writer = try ArchiveWriter(path: dir.file("images.tar.gz"), format: .tarGzip)
        try writer.addFile("genres/blues/blues.00000.wav", bytes: Self.track)
        let noise = (0..<1_000_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 11) }
        for i in 0..<3 { try writer.addFile("images_original/blues/blues\(i).png", bytes: noise) }
        try writer.finish()
        let run = try Run("validate", "images.tar.gz", "--max-total-mb", "2", in: dir.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("past the total size limit"), "\(run.stderr)")
    }

    /// Item 4: damage that libarchive would paper over.
    @Test func damagedArchivesAreRefused() throws {
        let dir = TemporaryDirectory()
        let hidden = RawTar.make([RawTar.Member("genres/rock/rock.00066.wav", Self.track)], endBlocks: false)
        let damaged = RawTar.make([
            RawTar.Member("genres/blues/blues.00000.wav", Self.track),
            RawTar.Member("genres/blues/blues.00001.wav", hidden, badChecksum: true),
        ])
        let cut = RawTar.make([RawTar.Member("genres/blues/blues.00000.wav", Self.track)], endBlocks: false)
        let zipped = try RawZip.make([RawZip.Entry("Data/genres_original/blues/blues.00000.wav", Self.track)])
        for (name, bytes) in [("damaged.tar", damaged), ("cut.tar", cut), ("cut.zip", Array(zipped.dropLast(30)))] {
            _ = write(dir, name, bytes)
            let run = try Run("unpack", name, "--into", "data", in: dir.path)
            #expect(run.status == 1, "\(name): \(run.stdout)")
            #expect(run.stderr.hasPrefix("genrekit unpack: \(name): corrupt or truncated archive"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("data")))
        }
        expectNoLeftovers(dir)
    }

    /// Item 5: the tarball `tar -C dir -cf x.tar .` makes (entries `./`, `./genres/...`).
    @Test func dotSlashTarballFromTarItself() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("src/genres/blues"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(
            atPath: dir.file("src/genres/blues/blues.00000.wav"), contents: Data(Self.track))
        let tar = try Subprocess.run("/bin/tar", ["-C", "src", "-cf", "x.tar", "."], in: dir.path)
        #expect(tar.status == 0, "\(tar.stderr)")
        let run = try Run("unpack", "x.tar", "--into", "data", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.file("data/genres/blues/blues.00000.wav")))
    }

    /// Item 6: libarchive ran `lrzip -d -q` (and lzop, grzip) from PATH for some filters.
    @Test func noExternalDecompressorIsRun() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("bin"), withIntermediateDirectories: true)
        for program in ["lrzip", "lzop", "grzip", "lz4", "zstd", "bzip2", "xz", "gzip", "lzip", "lzma"] {
            let script = "#!/bin/sh\ntouch \"\(dir.file("ran-" + program))\"\ncat\n"
            _ = FileManager.default.createFile(
                atPath: dir.file("bin/" + program), contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        }
        let headers: [(String, [UInt8])] = [
            ("x.tar.lrz", Array("LRZI".utf8) + [0, 6] + [UInt8](repeating: 1, count: 60)),
            ("x.tar.lzo", [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 2, count: 60)),
            ("x.tar.grz", Array("GRZipII".utf8) + [0x00, 0x02, 0x04] + [UInt8](repeating: 3, count: 60)),
        ]
        for (name, bytes) in headers {
            _ = write(dir, name, bytes)
            let run = try Run(
                arguments: ["validate", name], in: dir.path,
                environment: ["PATH": dir.file("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")])
            #expect(run.status == 1, "\(name)")
            #expect(run.stderr.hasPrefix("genrekit validate: \(name): not a readable archive"), "\(run.stderr)")
        }
        #expect(!dir.tree().contains { $0.hasPrefix("ran-") }, "ran: \(dir.tree().filter { $0.hasPrefix("ran-") })")
    }

    /// Item 7: names are shown escaped; no staging path or Foundation error dump reaches the
    /// user; a refused unpack removes the parent folders it made.
    @Test func namesAndPathsInMessages() throws {
        let dir = TemporaryDirectory()
        let forged = "Data/genres_original/blues/x\ngenrekit unpack: done\u{1B}[2K.wav"
        _ = write(dir, "forged.tar", RawTar.make([RawTar.Member(forged, [1]), RawTar.Member(forged, [2])]))
        let run = try Run("unpack", "forged.tar", "--into", "a/b/data", in: dir.path)
        #expect(run.status == 1)
        #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
        #expect(run.stderr.contains("x\\ngenrekit unpack: done\\x1b[2K.wav"))
        #expect(!run.stderr.contains("\u{1B}"))
        #expect(dir.tree() == ["forged.tar"], "the parents a/ and a/b/ are gone too")

        let invalid = Array("Data/genres_original/blues/caf".utf8) + [0xFF] + Array(".wav".utf8)
        _ = write(dir, "latin1.zip", try RawZip.make([.init(rawName: invalid, [1]), .init(rawName: invalid, [2])]))
        let zipRun = try Run("validate", "latin1.zip", in: dir.path)
        #expect(zipRun.status == 1)
        #expect(zipRun.stderr.contains("'Data/genres_original/blues/caf\\xff.wav'"), "\(zipRun.stderr)")

        _ = try zip(dir, "ok.zip", [("Data/genres_original/blues/blues.00000.wav", Self.track)])
        _ = FileManager.default.createFile(atPath: dir.file("plain"), contents: Data("x".utf8))
        let blocked = try Run("unpack", "ok.zip", "--into", "plain/data", in: dir.path)
        #expect(blocked.status == 1)
        #expect(
            !blocked.stderr.contains("Error Domain") && !blocked.stderr.contains(".unpacking-"), "\(blocked.stderr)")
        #expect(blocked.stderr.hasPrefix("genrekit unpack: plain/data: "), "\(blocked.stderr)")
    }

    /// Item 8: `kill -9` leaves the staging folder; the next run removes it and says so.
    @Test func staleStagingFoldersAreRemoved() throws {
        let dir = TemporaryDirectory()
        _ = try zip(dir, "ok.zip", [("Data/genres_original/blues/blues.00000.wav", Self.track)])
        // Process ids stop below 2^22 on Linux: this one cannot be running.
        for stale in [".data.unpacking-99999999", ".data.replaced-99999998"] {
            try FileManager.default.createDirectory(
                atPath: dir.file(stale + "/genres"), withIntermediateDirectories: true)
        }
        let run = try Run("unpack", "ok.zip", "--into", "data", in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "genrekit unpack: removed .data.unpacking-99999999, left by an earlier run that was killed"))
        #expect(dir.tree().filter { $0.hasPrefix(".") }.isEmpty)
        // One that belongs to a live process (this one) stays.
        let live = ".data.unpacking-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir.file(live), withIntermediateDirectories: true)
        #expect(try Run("unpack", "ok.zip", "--into", "data", "--force", in: dir.path).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.file(live)))
    }

    /// Item 14: a FIFO named like a track hung `validate`.
    @Test func fifoInADatasetFolderIsListedNotOpened() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: dir.file("data/genres/blues"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(
            atPath: dir.file("data/genres/blues/blues.00000.wav"), contents: Data(Self.track))
        #expect(mkfifo(dir.file("data/genres/blues/blues.00001.wav"), 0o644) == 0)
        let run = try Run(arguments: ["validate", "data", "--json"], in: dir.path, timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let skipped = try #require(report["skipped"] as? [[String: String]])
        #expect(
            skipped.contains {
                $0["path"] == "genres/blues/blues.00001.wav" && $0["reason"] == "not a regular file (a FIFO)"
            })
        #expect(
            try Run(arguments: ["validate", "data/genres/blues/blues.00001.wav"], in: dir.path, timeout: 60).status == 1
        )
    }

    /// Item 21: an output that is, or holds, the input would delete it with --force.
    @Test func outputThatHoldsTheInputIsRefused() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        _ = try zip(dir, "data/x.zip", [("Data/genres_original/blues/blues.00000.wav", Self.track)])
        let run = try Run("unpack", "data/x.zip", "--into", "data", "--force", in: dir.path)
        #expect(run.status == 1)
        #expect(
            run.stderr
                == "genrekit unpack: data: overlaps the input data/x.zip (one holds the other); choose an output outside it\n"
        )
        #expect(FileManager.default.fileExists(atPath: dir.file("data/x.zip")))
        #expect(try Run("unpack", "data/x.zip", "--into", "unpacked", in: dir.path).status == 0)
        let same = try Run("prepare", "unpacked", "--out", "unpacked", "--force", in: dir.path)
        #expect(same.status == 1)
        #expect(same.stderr == "genrekit prepare: unpacked: the output cannot be the input; choose another output\n")
        let inside = try Run("prepare", "unpacked", "--out", "unpacked/features", in: dir.path)
        #expect(inside.status == 1)
        #expect(FileManager.default.fileExists(atPath: dir.file("unpacked/genres/blues/blues.00000.wav")))
    }
}
