import Audio
import Dispatch
import Foundation

/// Runs probes on a few background threads while the caller keeps reading the archive, keeping
/// at most `capacity` probes (and their track bytes) in flight so memory stays flat.
final class ProbePool: @unchecked Sendable {
    private let queue = DispatchQueue(label: "genrekit.probe", attributes: .concurrent)
    private let group = DispatchGroup()
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var results: [Int: Result<AudioProbe, AudioError>] = [:]
    private var firstError: (any Error)?

    init(capacity: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        slots = DispatchSemaphore(value: capacity)
    }

    /// Queues `work` as probe number `index`; blocks while the pool is full.
    func submit(_ index: Int, _ work: @escaping @Sendable () -> Result<AudioProbe, AudioError>) {
        slots.wait()
        queue.async(group: group) {
            let result = work()
            self.lock.lock()
            self.results[index] = result
            self.lock.unlock()
            self.slots.signal()
        }
    }

    /// Runs `work` (on a probe thread, beside its probe) and keeps the first error any of them
    /// throws, for the submitting thread to rethrow.
    func recordingError(_ work: () throws -> Void) {
        do { try work() } catch {
            lock.lock()
            if firstError == nil { firstError = error }
            lock.unlock()
        }
    }

    /// Throws the first error `recordingError` kept, if any.
    func rethrowFirstError() throws {
        lock.lock()
        let error = firstError
        lock.unlock()
        if let error { throw error }
    }

    /// Waits for every probe and returns the results by index.
    func finish() -> [Int: Result<AudioProbe, AudioError>] {
        group.wait()
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}

extension Result where Failure == AudioError, Success == AudioProbe {
    static func probing(bytes: [UInt8], name: String) -> Self {
        Result { () throws(AudioError) in try Sndfile.probe(bytes: bytes, name: name) }
    }
    static func probing(path: String) -> Self {
        Result { () throws(AudioError) in try Sndfile.probe(path: path) }
    }
}
