import Basics
import Foundation

/// `RUN/timing.json`: the wall-clock seconds of every epoch the run trained, in order. The one
/// file of a run that differs between identical runs (nothing deterministic is derived from it);
/// `package` reports its median as the bundle's seconds per epoch.
public struct RunTiming: Codable, Sendable, Equatable {
    public var formatVersion = 1
    /// Seconds of epoch 1, 2, ...: training, validation and the checkpoint.
    public var epochSeconds: [Double] = []

    public init(epochSeconds: [Double] = []) { self.epochSeconds = epochSeconds }

    /// The median epoch's seconds, or nil when no epoch was timed.
    public var secondsPerEpoch: Double? {
        guard !epochSeconds.isEmpty else { return nil }
        let sorted = epochSeconds.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    static func path(_ run: String) -> String { run + "/timing.json" }

    /// The run's timing, cut to its first `epochs` epochs (a resumed run redoes the rest); an
    /// empty record when the file is missing or unreadable (timing is informative only).
    public static func read(_ run: String, epochs: Int = .max) -> RunTiming {
        guard let data = FileManager.default.contents(atPath: path(run)),
            var timing = try? JSONDecoder().decode(RunTiming.self, from: data),
            timing.epochSeconds.allSatisfy({ $0.isFinite && $0 >= 0 })
        else { return RunTiming() }
        timing.epochSeconds = Array(timing.epochSeconds.prefix(max(0, epochs)))
        return timing
    }

    func write(_ run: String) throws {
        try AtomicFile.write(try JSONEncoder.sorted.encodeLine(self), to: Self.path(run))
    }
}
