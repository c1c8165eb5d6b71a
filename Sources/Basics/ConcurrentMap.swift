import Dispatch
import Foundation

/// Work spread over threads, results in index order whatever the threads' timing: the one
/// place that owns the result buffer (allocated, filled from many threads, emptied, freed).
public enum ConcurrentMap {
    /// `body(&state, i)` for every `i` in `0..<count` on up to `threads` threads. Each thread
    /// makes its own `state` once with `setUp(thread)` (an extractor, a model replica), then
    /// takes the next index until none is left or `stop()` says so, calling `finished(n)`
    /// after each (n counts the indices done so far). With one thread it all runs on the
    /// calling thread.
    /// - Returns: each index's result, `nil` where `stop()` ended the work before it.
    public static func results<State, T, Failure: Error>(
        count: Int, threads: Int, setUp: @Sendable (Int) -> State, stop: @Sendable () -> Bool = { false },
        finished: @Sendable (Int) -> Void = { _ in }, _ body: @Sendable (inout State, Int) throws(Failure) -> T
    ) -> [Result<T, Failure>?] {
        let buffer = UnsafeMutableBufferPointer<Result<T, Failure>?>.allocate(capacity: count)
        buffer.initialize(repeating: nil)
        defer {
            _ = buffer.deinitialize()
            buffer.deallocate()
        }
        nonisolated(unsafe) let slots = buffer
        let counter = Counter()
        @Sendable func work(_ thread: Int) {
            var state = setUp(thread)
            while !stop(), let i = counter.take(below: count) {
                slots[i] = Result { () throws(Failure) -> T in try body(&state, i) }
                finished(counter.finish())
            }
        }
        let threads = max(1, min(threads, count))
        if threads == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads) { work($0) } }
        return Array(buffer)
    }

    /// `results` when every index is wanted (no `stop`).
    /// - Throws: the first error by index.
    public static func map<State, T, Failure: Error>(
        count: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount, setUp: @Sendable (Int) -> State,
        _ body: @Sendable (inout State, Int) throws(Failure) -> T
    ) throws(Failure) -> [T] {
        var values: [T] = []
        values.reserveCapacity(count)
        for result in results(count: count, threads: threads, setUp: setUp, body) { values.append(try result!.get()) }
        return values
    }

    /// `transform(i)` for every `i` in `0..<count` on all cores, in index order.
    /// - Throws: the first error by index.
    public static func map<T, Failure: Error>(
        count: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        _ transform: @Sendable (Int) throws(Failure) -> T
    ) throws(Failure) -> [T] {
        try map(count: count, threads: threads, setUp: { _ in () }) { (_, i) throws(Failure) -> T in try transform(i) }
    }

    /// The indices taken and finished, shared by the threads.
    final class Counter: @unchecked Sendable {
        private var taken = 0
        private var finished = 0
        private let lock = NSLock()

        func take(below limit: Int) -> Int? {
            lock.withLock {
                guard taken < limit else { return nil }
                defer { taken += 1 }
                return taken
            }
        }

        func finish() -> Int {
            lock.withLock {
                finished += 1
                return finished
            }
        }
    }
}
