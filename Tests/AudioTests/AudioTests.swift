import Audio
import Foundation
import TestSupport
import Testing

@Suite struct AudioProbeTests {
    @Test(arguments: [Sndfile.Container.wav, .au])
    func encodeThenProbe(container: Sndfile.Container) throws {
        let samples = Fixtures.tone(seconds: 2)
        let bytes = try Sndfile.encode(samples: samples, sampleRate: 22050, container: container)
        let p = try probed(bytes: bytes, name: "t")
        #expect(p.container == container.rawValue)
        #expect(p.encoding == "PCM_16")
        #expect(p.sampleRate == 22050)
        #expect(p.channels == 1)
        #expect(p.frames == 44100)
        #expect(p.decodedFrames == 44100)
        #expect(p.declaredFrames == nil)
        #expect(p.peak == Double(samples.map { abs(Int($0)) }.max()!) / 32768)
        // The fingerprint is of the decoded samples, not the container: WAV and AU agree.
        let other = try Sndfile.probe(
            bytes: try Sndfile.encode(samples: samples, sampleRate: 22050, container: container == .wav ? .au : .wav),
            name: "u")
        #expect(other.fingerprint == p.fingerprint)
        var changed = samples
        changed[1000] &+= 1
        let changedProbe = try probed(bytes: try Sndfile.encode(samples: changed, sampleRate: 22050), name: "v")
        #expect(changedProbe.fingerprint != p.fingerprint)
    }

    /// libsndfile shortens a file whose header promises more; the probe keeps the promise.
    @Test(arguments: [Sndfile.Container.wav, .au])
    func truncatedFileKeepsTheDeclaredLength(container: Sndfile.Container) throws {
        let bytes = try Sndfile.encode(samples: Fixtures.tone(seconds: 2), sampleRate: 22050, container: container)
        let cut = Array(bytes.prefix(bytes.count / 2))
        let p = try probed(bytes: cut, name: "cut")
        #expect(p.declaredFrames == 44100)
        #expect(p.decodedFrames < 44100)
        #expect(p.decodedFrames > 20000)
    }

    @Test func undecodableBytes() {
        let junk = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }
        #expect(throws: AudioError.self) { try probed(bytes: junk, name: "jazz.00054.wav") }
        do {
            _ = try probed(bytes: junk, name: "jazz.00054.wav")
        } catch {
            #expect(error.description.hasPrefix("jazz.00054.wav: cannot decode audio"))
        }
    }

    @Test func levelsAndClipping() throws {
        // Half the samples at +full scale, half at -full scale: a clipped square wave.
        let square = (0..<22050).map { $0 % 100 < 50 ? Int16.max : Int16.min }
        let p = try probed(bytes: try Sndfile.encode(samples: square, sampleRate: 22050), name: "sq")
        #expect(p.fullScaleSamples == 22050)
        #expect(p.peak == 1)
        #expect(abs(p.rms - 1) < 1e-4)
        let silence = [Int16](repeating: 0, count: 22050)
        let q = try probed(bytes: try Sndfile.encode(samples: silence, sampleRate: 22050), name: "z")
        #expect(q.peak == 0)
        #expect(q.rms == 0)
        #expect(q.fullScaleSamples == 0)
    }

    @Test func otherFormatsReportTheirEncodingAndChannels() throws {
        let stereo = Fixtures.tone(seconds: 1).flatMap { [$0, $0] }
        let s = try probed(bytes: try Sndfile.encode(samples: stereo, sampleRate: 44100, channels: 2), name: "s")
        #expect(s.channels == 2)
        #expect(s.sampleRate == 44100)
        #expect(s.decodedFrames == 22050)
        let f = try Sndfile.probe(
            bytes: try Sndfile.encode(samples: Fixtures.tone(seconds: 1), sampleRate: 22050, encoding: .float),
            name: "f")
        #expect(f.encoding == "FLOAT")
        let p24 = try Sndfile.probe(
            bytes: try Sndfile.encode(samples: Fixtures.tone(seconds: 1), sampleRate: 22050, encoding: .pcm24),
            name: "p")
        #expect(p24.encoding == "PCM_24")
    }

    /// A stereo 16-bit MP3 holds the audio it was given (libsndfile 1.2 alone writes half of it
    /// as stale memory: a 0.3 tone came back peaking at 1.2, clipped, and different every run).
    @Test func stereoMP3KeepsItsLevels() throws {
        let left = Fixtures.tone(seconds: 3, rate: 44100, frequency: 510, seed: 9)
        let right = Fixtures.tone(seconds: 3, rate: 44100, frequency: 600, seed: 9)
        let stereo = zip(left, right).flatMap { [$0, $1] }
        let bytes = try Sndfile.encode(samples: stereo, sampleRate: 44100, channels: 2, container: .mp3)
        let p = try probed(bytes: bytes, name: "stereo.mp3")
        let source = try probed(bytes: try Sndfile.encode(samples: stereo, sampleRate: 44100, channels: 2), name: "w")
        #expect(p.channels == 2 && p.decodedFrames == left.count)
        #expect(p.fullScaleSamples == 0)
        #expect(p.peak < source.peak * 1.15, "peak \(p.peak) against \(source.peak)")
        #expect(abs(p.rms - source.rms) < source.rms * 0.05, "rms \(p.rms) against \(source.rms)")
        #expect(try Sndfile.encode(samples: stereo, sampleRate: 44100, channels: 2, container: .mp3) == bytes)
    }

    /// The shared reference WAVs read the same from disk and from memory, and decode to
    /// int16 / 32768 as librosa loads them.
    @Test func referenceWavFromDiskAndMemory() throws {
        let path = Fixtures.reference + "/mfcc/music_3s.wav"
        let fromDisk = try Sndfile.probe(path: path)
        let fromMemory = try probed(bytes: Fixtures.bytes(path), name: path)
        #expect(fromDisk == fromMemory)
        #expect(fromDisk.decodedFrames == 66150)
        #expect(fromDisk.sampleRate == 22050)
        let decoded = try Sndfile.decodeFloat(path: path)
        #expect(decoded.samples.count == 66150)
        // Every float is an integer over 32768.
        #expect(decoded.samples.allSatisfy { ($0 * 32768).rounded() == $0 * 32768 })
        #expect(Double(decoded.samples.map { abs($0) }.max()!) == fromDisk.peak)
    }
}

@Suite struct ResamplerTests {
    /// A 1 kHz sine converted 22050 -> 44100 -> 22050 Hz and 22050 -> 16000 Hz stays the same
    /// sine: compared with the analytic one at the new rate, away from the edges.
    @Test(arguments: [44100, 16000, 48000])
    func sineStaysASine(rate: Int) throws {
        func sine(_ rate: Int, seconds: Double) -> [Float] {
            (0..<Int(seconds * Double(rate))).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / Double(rate))) }
        }
        let converted = try Resampler.resample(sine(22050, seconds: 1), from: 22050, to: rate, name: "sine")
        #expect(converted.count == rate, "libsamplerate gives round(frames * ratio) frames")
        let expected = sine(rate, seconds: 1)
        let middle = (rate / 10)..<(rate - rate / 10)
        let worst = middle.map { abs(converted[$0] - expected[$0]) }.max()!
        #expect(worst < 1e-3, "max error \(worst)")
        #expect(Resampler.converterName == "Best Sinc Interpolator")
        #expect(try Resampler.resample([1, 2, 3], from: rate, to: rate, name: "same") == [1, 2, 3])
    }

    @Test func mixdownIsTheChannelMean() {
        #expect(Resampler.mixdown([1, 3, -2, 0, 0.5, 0.5], channels: 2) == [2, -1, 0.5])
        #expect(Resampler.mixdown([1, 2, 3], channels: 1) == [1, 2, 3])
    }

    @Test func badRatesAreRefused() {
        #expect(throws: AudioError.self) { try Resampler.resample([1, 2], from: 1, to: 1_000_000, name: "x.wav") }
    }
}

/// `Sndfile.probe(bytes:name:)`, keeping the bytes as a fuzzing seed (`FuzzSeeds`).
func probed(bytes: [UInt8], name: String) throws(AudioError) -> AudioProbe {
    FuzzSeeds.keep(bytes, as: .audio)
    return try Sndfile.probe(bytes: bytes, name: name)
}
