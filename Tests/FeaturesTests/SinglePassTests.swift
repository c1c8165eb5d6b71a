import Audio
import Features
import Foundation
import TestSupport
import Testing

/// `prepare` without a validation.json decodes each track once: the probe measured from the
/// pipeline's blocks must equal `Sndfile.probe`'s, and the features `run(path:)`'s (issue: a
/// house a newcomer can change, "data moves once").
@Suite struct SinglePassTests {
    /// Files of every kind the probe reads differently, long enough for several probe blocks
    /// (16384 frames) and a partial last one, including clipped and stereo audio.
    func files(_ dir: TemporaryDirectory) throws -> [String] {
        let tone = Fixtures.tone(seconds: 7.3, frequency: 330, amplitude: 0.4, seed: 3)
        var clipped = Fixtures.tone(seconds: 4, frequency: 200, amplitude: 0.9, seed: 4)
        for i in stride(from: 0, to: clipped.count, by: 50) { clipped[i] = i % 100 == 0 ? .max : .min }
        let stereo = Array(zip(tone, tone.reversed()).flatMap { [$0, $1] }.prefix(2 * 22050 * 5))
        let cases: [(String, [UInt8])] = [
            ("mono.wav", try Sndfile.encode(samples: tone, sampleRate: 22050)),
            ("mono.au", try Sndfile.encode(samples: tone, sampleRate: 22050, container: .au)),
            ("mono.flac", try Sndfile.encode(samples: tone, sampleRate: 22050, container: .flac)),
            ("clipped.wav", try Sndfile.encode(samples: clipped, sampleRate: 22050)),
            ("stereo.wav", try Sndfile.encode(samples: stereo, sampleRate: 22050, channels: 2)),
            ("pcm24.wav", try Sndfile.encode(samples: tone, sampleRate: 22050, encoding: .pcm24)),
            ("float.wav", try Sndfile.encode(floats: tone.map { Float($0) / 32768 }, sampleRate: 22050)),
            ("rate44100.wav", try Sndfile.encode(samples: tone, sampleRate: 44100)),
            ("truncated.wav", Array(try Sndfile.encode(samples: tone, sampleRate: 22050).dropLast(70_000))),
            ("empty.wav", try Sndfile.encode(samples: [], sampleRate: 22050)),
            ("noise.wav", Array(repeating: 7, count: 3000)),
        ]
        return cases.map { name, bytes in
            _ = FileManager.default.createFile(atPath: dir.file(name), contents: Data(bytes))
            return dir.file(name)
        }
    }

    @Test func oneDecodingPassGivesTheProbeAndTheFeaturesOfTwo() throws {
        let dir = TemporaryDirectory()
        let pipeline = SegmentPipeline(parameters: MFCCParameters(), segmentLength: 22050)
        let extractor = MFCCExtractor()
        let paths = try files(dir)
        // The 16-bit PCM files are the ones measured in the same pass; FLAC is probed in a pass
        // of its own (a damaged FLAC stream decodes differently by read size).
        let measured = try paths.prefix(5).map { StreamProbe.canMeasure(try SoundFile(path: $0)) }
        #expect(measured == [true, true, false, true, true])
        for path in paths {
            var once: [Float] = []
            let (summary, probe) = pipeline.runProbing(path: path, extractor: extractor, maxSegments: 3) {
                _, mfcc in once += mfcc
            }
            let expectedProbe = Result { () throws(AudioError) in try Sndfile.probe(path: path) }
            #expect(probe == expectedProbe, "\(path)")
            var twice: [Float] = []
            let expected = Result {
                try pipeline.run(path: path, extractor: extractor, maxSegments: 3) { _, mfcc in twice += mfcc }
            }
            switch (summary, expected) {
            case (.success(let a), .success(let b)): #expect(a == b && once == twice, "\(path)")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(path)")
            default: Issue.record("\(path): \(summary) but \(expected)")
            }
        }
    }
}
