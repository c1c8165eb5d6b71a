import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT and SIGTERM into a flag that long jobs check between steps, so they stop
/// cleanly and remove what they staged (a folder deleted from a signal handler while the job
/// is still writing into it would not stay deleted). A second signal exits at once.
public final class Interruption: @unchecked Sendable {
    public static let shared = Interruption()
    private let lock = NSLock()
    private var signalled: Int32 = 0
    private var sources: [DispatchSourceSignal] = []

    private init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [unowned self] in
                lock.lock()
                let first = signalled == 0
                signalled = sig
                lock.unlock()
                if !first { exit(128 + sig) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Starts listening (idempotent); call before the work that should stop cleanly.
    public func install() {}

    /// The signal received, if any.
    public var receivedSignal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return signalled == 0 ? nil : signalled
    }

    /// Throws `FileError.interrupted` once a signal has arrived.
    public func check() throws(FileError) {
        if let receivedSignal { throw .interrupted(signal: receivedSignal) }
    }
}
