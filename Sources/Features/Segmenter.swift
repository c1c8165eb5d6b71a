/// The reference pipeline's segmentation: a track of `seconds` is cut into `count` segments of
/// `floor(sampleRate * seconds / count)` samples; segment d is samples
/// `[d * length, (d + 1) * length)`. A segment the track is too short to fill is dropped; audio
/// past `seconds` is ignored.
public struct Segmenter: Sendable, Equatable {
    public var sampleRate: Int
    public var seconds: Int
    public var count: Int

    /// Most segments taken from one track (with 3 s segments, 8 h 20 min).
    public static let maxCount = 10_000

    public init(sampleRate: Int = 22050, seconds: Int = 30, count: Int = 10) {
        self.sampleRate = sampleRate
        self.seconds = seconds
        self.count = count
    }

    /// Samples per segment: 66150 for GTZAN.
    public var length: Int { sampleRate * seconds / count }

    /// The segments a track of `samples` samples fills, by index.
    public func segments(samples: Int) -> [Range<Int>] {
        (0..<count).compactMap { d in
            let range = d * length..<(d + 1) * length
            return range.upperBound <= samples ? range : nil
        }
    }
}
