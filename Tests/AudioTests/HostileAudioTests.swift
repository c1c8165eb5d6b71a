import Audio
import Foundation
import Synchronization
import TestSupport
import Testing

/// Headers that lie, rates that would explode, float files and damaged samples (issue: hostile
/// and unlucky inputs). Nothing is allocated from a header; every file is measured in its own
/// sample format.
@Suite struct HostileAudioTests {
    let tone = Fixtures.tone(seconds: 4)

    /// libsndfile keeps a failed open's reason in one process-wide error that other threads'
    /// opens overwrite: without the lock, a garbage file opened beside good ones was reported as
    /// "cannot decode it: No Error." now and then, so two validations of one folder differed.
    @Test func aFailedOpenReportsItsOwnReasonWhileOtherThreadsOpenFiles() throws {
        let good = try Sndfile.encode(samples: tone, sampleRate: 22050)
        let garbage = [UInt8](repeating: 0x5A, count: 4096)
        @Sendable func reason() -> String {
            do {
                _ = try SoundFile(bytes: garbage, name: "garbage.wav")
                return "opened"
            } catch { return "\(error)" }
        }
        let expected = reason()
        #expect(expected.hasPrefix("garbage.wav: cannot decode audio") && !expected.contains("No Error"))
        let reasons = concurrentResults(count: 400) { i in
            if i % 2 == 0 { return reason() }
            _ = try? SoundFile(bytes: good, name: "good.wav")
            return expected
        }
        #expect(reasons.allSatisfy { $0 == expected }, "\(Set(reasons))")
    }

    /// An RF64 `ds64` size of 2^63 - 1 overflowed the in-memory seek (SIGILL).
    @Test func rf64WithAHugeDataSizeDoesNotTrap() throws {
        let bytes = HostileAudio.rf64(samples: tone, dataSize: UInt64(Int64.max))
        do {
            let p = try probed(bytes: bytes, name: "huge.wav")
            #expect(p.decodedFrames <= tone.count)
        } catch {
            #expect(error.description.hasPrefix("huge.wav: cannot decode audio"))
        }
        let honest = try probed(bytes: HostileAudio.rf64(samples: tone, dataSize: UInt64(tone.count * 2)), name: "ok")
        #expect(honest.container == "RF64" && honest.decodedFrames == tone.count)
    }

    /// `total_samples = 0` means "unknown" in FLAC: the audio is all there, not truncated.
    @Test func flacOfUnknownLengthDecodesToItsEnd() throws {
        let dir = TemporaryDirectory()
        let bytes = try HostileAudio.flac(samples: tone, totalSamples: 0)
        let p = try probed(bytes: bytes, name: "unknown.flac")
        #expect(p.decodedFrames == tone.count)
        #expect(p.frames == nil || p.frames == tone.count)
        _ = FileManager.default.createFile(atPath: dir.file("u.flac"), contents: Data(bytes))
        let stream = try MonoStream(try SoundFile(path: dir.file("u.flac")))
        var n = 0
        while true {
            let block = try stream.next()
            if block.isEmpty { break }
            n += block.count
        }
        #expect(n == tone.count)
    }

    /// A header claiming 2^36 frames allocates nothing: reading stops at the real end.
    @Test(arguments: ["flac", "ogg"])
    func lyingLengthCostsNothing(kind: String) throws {
        let dir = TemporaryDirectory()
        let bytes =
            kind == "flac"
            ? try HostileAudio.flac(samples: tone, totalSamples: (1 << 36) - 1)
            : try HostileAudio.ogg(samples: tone, granule: 1 << 40)
        _ = FileManager.default.createFile(atPath: dir.file("lie.\(kind)"), contents: Data(bytes))
        let file = try SoundFile(path: dir.file("lie.\(kind)"))
        #expect((file.frames ?? 0) > tone.count * 1000, "the header does lie: \(String(describing: file.frames))")
        let decoded = try Sndfile.decodeFloat(path: dir.file("lie.\(kind)"))
        #expect(decoded.samples.count < tone.count + 5000)
        let p = try Sndfile.probe(path: dir.file("lie.\(kind)"))
        #expect(p.decodedFrames < tone.count + 5000)
    }

    @Test func ratesBelowTheFloorAreRefusedBeforeResampling() throws {
        let dir = TemporaryDirectory()
        let slow = try Sndfile.encode(samples: Fixtures.tone(seconds: 200, rate: 100, frequency: 10), sampleRate: 100)
        _ = FileManager.default.createFile(atPath: dir.file("slow.wav"), contents: Data(slow))
        #expect {
            try MonoStream(try SoundFile(path: dir.file("slow.wav")), rate: 22050)
        } throws: { error in
            "\(error)" == dir.file("slow.wav") + ": sample rate 100 Hz: GenreKit converts audio of 8000 to 384000 Hz"
        }
        // At its own rate it is read as it is.
        #expect(try MonoStream(try SoundFile(path: dir.file("slow.wav"))).next().count == 20000)
    }

    /// Float files were read as 16-bit: quiet music rounded to silence and two songs to one
    /// fingerprint.
    @Test func floatFilesAreProbedAsFloats() throws {
        let a = HostileAudio.floatTone(seconds: 3, amplitude: 0.22, seed: 1)
        let b = HostileAudio.floatTone(seconds: 3, amplitude: 0.22, frequency: 470, seed: 2)
        let pa = try probed(bytes: try Sndfile.encode(floats: a, sampleRate: 22050), name: "a")
        let pb = try probed(bytes: try Sndfile.encode(floats: b, sampleRate: 22050), name: "b")
        #expect(pa.encoding == "FLOAT")
        let rms = (a.map { Double($0) * Double($0) }.reduce(0, +) / Double(a.count)).squareRoot()
        #expect(abs(pa.rms - rms) < 1e-6, "RMS \(pa.rms), expected \(rms)")
        #expect(20 * log10(pa.rms) > -20, "about -16 dBFS, not silent")
        #expect(pa.fingerprint != pb.fingerprint)
        // Quieter than one 16-bit step, still different.
        let c = a.map { $0 * 1e-6 }
        let pc = try probed(bytes: try Sndfile.encode(floats: c, sampleRate: 22050), name: "c")
        #expect(pc.fingerprint != pa.fingerprint && pc.peak > 0)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity, 1e30])
    func damagedSamplesAreCounted(value: Float) throws {
        let dir = TemporaryDirectory()
        var samples = HostileAudio.floatTone(seconds: 4, amplitude: 0.3)
        for i in stride(from: 1000, to: samples.count, by: 7919) { samples[i] = value }
        let bytes = try Sndfile.encode(floats: samples, sampleRate: 22050)
        let p = try probed(bytes: bytes, name: "bad.wav")
        #expect(p.nonFiniteSamples == stride(from: 1000, to: samples.count, by: 7919).underestimatedCount)
        #expect(p.rms.isFinite && p.peak <= 1)
        _ = FileManager.default.createFile(atPath: dir.file("bad.wav"), contents: Data(bytes))
        let stream = try MonoStream(try SoundFile(path: dir.file("bad.wav")))
        _ = try stream.next()
        #expect(stream.nonFiniteSamples > 0)
    }

    /// A converter fed a block at a time gives what one pass gives, sample for sample.
    @Test func streamingResamplingEqualsOnePass() throws {
        let input = Fixtures.tone(seconds: 3, rate: 44100).map { Float($0) / 32768 }
        let whole = try StreamingResampler(from: 44100, to: 22050, name: "x").process(input, last: true)
        let blocks = try StreamingResampler(from: 44100, to: 22050, name: "x")
        var pieces: [Float] = []
        for start in stride(from: 0, to: input.count, by: 10_000) {
            let end = min(start + 10_000, input.count)
            pieces += try blocks.process(Array(input[start..<end]), last: end == input.count)
        }
        #expect(pieces.count == whole.count)
        #expect(pieces == whole)
    }

    @Test func aFIFOIsNotOpened() throws {
        let dir = TemporaryDirectory()
        #expect(mkfifo(dir.file("pipe.wav"), 0o644) == 0)
        #expect { try SoundFile(path: dir.file("pipe.wav")) } throws: {
            "\($0)" == dir.file("pipe.wav") + ": cannot read it (not a regular file)"
        }
    }
}

/// `count` results of `body`, computed on four threads at once.
func concurrentResults(count: Int, _ body: @escaping @Sendable (Int) -> String) -> [String] {
    let results = Mutex([String](repeating: "", count: count))
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
        for i in stride(from: worker, to: count, by: 4) {
            let r = body(i)
            results.withLock { $0[i] = r }
        }
    }
    return results.withLock { $0 }
}
