import Audio

/// The one path from an audio file to segment features, shared by `prepare` and `predict` so
/// they cannot drift apart: decode a block at a time (libsndfile), average the channels,
/// convert to the feature rate (libsamplerate's best sinc converter), cut consecutive segments
/// from the start, the features of each (MFCCs or the log-mel spectrogram). Memory stays that of
/// one block and one segment, whatever the file's length or its header's claims.
public struct SegmentPipeline: Sendable {
    public let parameters: MFCCParameters
    /// Samples per segment, at `parameters.sampleRate`.
    public let segmentLength: Int
    public let kind: FeatureKind

    public init(parameters: MFCCParameters, segmentLength: Int, kind: FeatureKind = .mfcc) {
        self.parameters = parameters
        self.segmentLength = segmentLength
        self.kind = kind
    }

    /// What reading a file found.
    public struct Summary: Sendable, Equatable {
        /// The file's own rate and channel count.
        public var sampleRate: Int
        public var channels: Int
        /// Seconds decoded from the file (up to where reading stopped).
        public var seconds: Double
        /// How the audio was converted for the features; empty when it was not.
        public var conversions: [String]
        /// Full segments handed out.
        public var segments: Int
        /// The file's "software" tag, if it has one (`genrekit synth` marks synthetic tracks).
        public var software: String? = nil
    }

    /// Decodes `path` and hands each full segment's features (`[frames, kind.width]`) to `body`, in
    /// order from the start of the file, until `maxSegments` (every one when nil).
    /// - Throws: `AudioError` naming the file: it cannot be opened or decoded, its rate cannot
    ///   be converted, or it holds NaN, infinite or absurdly large samples; whatever `body` throws.
    @discardableResult
    public func run(
        path: String, extractor: MFCCExtractor, maxSegments: Int? = nil, _ body: (Int, [Float]) throws -> Void
    ) throws -> Summary {
        try run(file: try SoundFile(path: path), extractor: extractor, maxSegments: maxSegments, body)
    }

    /// `run(path:...)` on a file already open (audio in memory, say); messages name `file.name`.
    @discardableResult
    public func run(
        file: SoundFile, extractor: MFCCExtractor, maxSegments: Int? = nil, _ body: (Int, [Float]) throws -> Void
    ) throws -> Summary {
        try run(
            MonoStream(file, rate: parameters.sampleRate), path: file.name, extractor: extractor,
            maxSegments: maxSegments, body)
    }

    /// `run(path:...)` and the file's `AudioProbe` (every sample measured, as `Sndfile.probe`
    /// does), from one decoding pass where the samples allow: a 16-bit file at the feature rate,
    /// read as 16-bit integers, measured as they are and scaled to floats as libsndfile would.
    /// Other files are probed in a second pass, in their own sample format.
    /// - Returns: the features' summary or why there are none, and the probe or why there is none.
    public func runProbing(
        path: String, extractor: MFCCExtractor, maxSegments: Int? = nil, _ body: (Int, [Float]) throws -> Void
    ) -> (summary: Result<Summary, any Error>, probe: Result<AudioProbe, AudioError>) {
        let file: SoundFile
        do { file = try SoundFile(path: path) } catch { return (.failure(error), .failure(error)) }
        let stream: MonoStream
        do { stream = try MonoStream(file, rate: parameters.sampleRate) } catch {
            return (.failure(error), Result { () throws(AudioError) in try Sndfile.probe(path: path) })
        }
        guard StreamProbe.canMeasure(file), file.sampleRate == parameters.sampleRate else {
            // The file already open gives the features; the probe reads it in its own format.
            let summary = Result { try run(stream, path: path, extractor: extractor, maxSegments: maxSegments, body) }
            return (summary, Result { () throws(AudioError) in try Sndfile.probe(path: path) })
        }
        let meter = StreamProbe(file)
        stream.int16Tap = { meter.add($0) }
        let summary = Result { try run(stream, path: path, extractor: extractor, maxSegments: maxSegments, body) }
        // The probe measures every sample: read what the segments did not need.
        while let block = try? stream.next(), !block.isEmpty {}
        return (summary, .success(meter.probe()))
    }

    func run(
        _ stream: MonoStream, path: String, extractor: MFCCExtractor, maxSegments: Int?,
        _ body: (Int, [Float]) throws -> Void
    ) throws -> Summary {
        // Samples not yet in a segment: blocks are appended, used segments dropped from the front.
        // (Dropping them only every few segments, to move less, measured slower: the buffer grew
        // to 1.8 MB a worker.)
        var pending: [Float] = []
        pending.reserveCapacity(segmentLength + MonoStream.blockFrames * 2)
        var count = 0
        reading: while maxSegments.map({ count < $0 }) ?? true {
            let read = try stream.next(appendingTo: &pending)
            if stream.nonFiniteSamples > 0 {
                throw AudioError.unusable(
                    path: path,
                    message:
                        "holds samples that are NaN, infinite or absurdly large (over 60 dB above full scale): damaged audio"
                )
            }
            if read == 0 { break }
            var start = 0
            while pending.count - start >= segmentLength {
                let features = pending.withUnsafeBufferPointer {
                    extractor.features(kind, samples: UnsafeBufferPointer(rebasing: $0[start..<start + segmentLength]))
                }
                try body(count, features)
                count += 1
                start += segmentLength
                if let maxSegments, count >= maxSegments { break reading }
            }
            pending.removeFirst(start)
        }
        return Summary(
            sampleRate: stream.file.sampleRate, channels: stream.file.channels, seconds: stream.seconds,
            conversions: stream.conversions, segments: count, software: stream.file.software)
    }
}
