internal import CDNNL
import Foundation
import Synchronization

/// oneDNN's threads, lent to GenreKit's own loops between its primitives.
///
/// libdnnl runs its primitives on an OpenMP team (libgomp). When a primitive ends, the team's
/// other threads spin for a while before they sleep; on Intel CPUs, whose `pause` takes about
/// 140 cycles, that is milliseconds. A loop spread over threads of its own (Dispatch) in that
/// time shares the cores with the spinning threads: a cnn-mel epoch spent a third of its
/// samples in libgomp's spin loop. Run on the team itself, the same loop finds its threads awake.
/// libgomp's functions are looked up in the runtime libdnnl loaded, not linked: where oneDNN is
/// built on another runtime they are missing and `run` says so.
enum OneDNNTeam {
    /// `omp_set_num_threads` (the calling thread's team size for later parallel regions).
    static func setThreadsForCallingThread(_ count: Int) {
        runtime?.setNumThreads(Int32(count))
    }

    /// `body(i)` for every `i` in `0..<count`, spread over the calling thread's team (each thread
    /// takes the next index left); returns when all are done. False, having run
    /// nothing, when there is no OpenMP runtime.
    static func run(count: Int, _ body: (Int) -> Void) -> Bool {
        guard let runtime else { return false }
        withoutActuallyEscaping(body) { body in
            let work = Work(count: count, body: body)
            withExtendedLifetime(work) {
                runtime.parallel(
                    { Unmanaged<Work>.fromOpaque($0!).takeUnretainedValue().runShare() },
                    Unmanaged.passUnretained(work).toOpaque(), 0, 0)
            }
        }
        return true
    }

    private final class Work {
        let count: Int
        let body: (Int) -> Void
        /// The next index not yet taken.
        let next = Atomic<Int>(0)

        init(count: Int, body: @escaping (Int) -> Void) { (self.count, self.body) = (count, body) }

        /// Takes indices until none is left: a thread the shared machine holds back takes fewer,
        /// so the others wait less for it at the end (what each index computes is unchanged).
        func runShare() {
            while case let i = next.wrappingAdd(1, ordering: .relaxed).oldValue, i < count { body(i) }
        }
    }

    /// The libgomp entry points GenreKit calls.
    struct Runtime: @unchecked Sendable {
        typealias Region = @convention(c) (UnsafeMutableRawPointer?) -> Void
        /// `GOMP_parallel(fn, data, num_threads, flags)`: what `#pragma omp parallel` compiles to;
        /// 0 threads is the team size oneDNN uses (`omp_get_max_threads`).
        let parallel: @convention(c) (Region, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
        let setNumThreads: @convention(c) (Int32) -> Void
    }

    static let runtime: Runtime? = {
        _ = dnnl_version()  // make sure libdnnl, and with it its OpenMP runtime, is loaded
        // nil: RTLD_DEFAULT, the libraries the process has loaded.
        guard let parallel = dlsym(nil, "GOMP_parallel"), let setNumThreads = dlsym(nil, "omp_set_num_threads") else {
            return nil
        }
        return Runtime(
            parallel: unsafeBitCast(
                parallel, to: (@convention(c) (Runtime.Region, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void).self),
            setNumThreads: unsafeBitCast(setNumThreads, to: (@convention(c) (Int32) -> Void).self))
    }()
}
