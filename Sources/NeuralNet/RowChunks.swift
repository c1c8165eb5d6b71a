import Basics
import Foundation

/// A pass over many rows, cut into a fixed number of contiguous chunks that run on oneDNN's
/// threads (`OneDNNTeam`, as many as the calling thread's team) when the pass is large. The cut
/// depends on the row count alone, not on the cores or on whether it ran in parallel, so sums
/// taken per chunk and added in chunk order are the same numbers on any machine.
enum RowChunks {
    /// Chunks a pass is cut into (fewer when there are fewer rows).
    static let count = 8
    /// Values a pass touches before it is worth spreading over threads.
    static let parallelWork = 1 << 17

    /// The chunks of `rows`, in order.
    static func ranges(_ rows: Int) -> [Range<Int>] {
        let n = max(1, min(count, rows))
        return (0..<n).map { (rows * $0 / n)..<(rows * ($0 + 1) / n) }
    }

    /// `body` over each chunk of `rows`, on every core when `work` (values touched) is large;
    /// the results in chunk order.
    static func map<T>(rows: Int, work: Int, _ body: @Sendable (Range<Int>) -> T) -> [T] {
        let chunks = ranges(rows)
        guard work >= parallelWork else { return chunks.map(body) }
        // On oneDNN's threads, which the convolutions around these loops keep awake (OneDNNTeam).
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: chunks.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        guard OneDNNTeam.run(count: chunks.count, { slots[$0] = body(chunks[$0]) }) else {
            return ConcurrentMap.map(count: chunks.count, threads: ProcessInfo.processInfo.activeProcessorCount) {
                body(chunks[$0])
            }
        }
        return results.map { $0! }
    }

    /// `body` over each chunk of `rows`, for passes that only write.
    static func forEach(rows: Int, work: Int, _ body: @Sendable (Range<Int>) -> Void) {
        _ = map(rows: rows, work: work, body)
    }

    /// A new array of `count` values that `fill` writes, chunk by chunk over `count / width`
    /// rows of `width` (no zeroing first: every value is written); `work`, the values the pass
    /// touches, when it reads more than it writes.
    static func array(
        rows: Int, width: Int, work: Int? = nil, _ fill: @Sendable (Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) -> [Float] {
        guard rows * width > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: rows * width) { buffer, initialized in
            nonisolated(unsafe) let out = buffer.baseAddress!
            forEach(rows: rows, work: work ?? rows * width) { fill($0, out) }
            initialized = rows * width
        }
    }

    /// Per-column sums in double over chunks of `rows`: `add(chunk, sums)` adds the chunk's rows
    /// into `sums` (`columns` wide, zero at first); chunk sums are added in chunk order.
    static func columnSums(
        rows: Int, columns: Int, _ add: @Sendable (Range<Int>, UnsafeMutablePointer<Double>) -> Void
    ) -> [Double] {
        let partial = map(rows: rows, work: rows * columns) { range in
            var sums = [Double](repeating: 0, count: columns)
            sums.withUnsafeMutableBufferPointer { add(range, $0.baseAddress!) }
            return sums
        }
        var total = [Double](repeating: 0, count: columns)
        for sums in partial { for j in 0..<columns { total[j] += sums[j] } }
        return total
    }
}
