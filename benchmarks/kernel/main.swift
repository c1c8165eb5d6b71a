// The recurrent step product alone: `c[10, 512] += a[10, 128] * U[128, 512]` (lstm-seed's
// per-replica step), on GenreKit's `PanelMatrix` and on OpenBLAS's sgemm, first on one thread,
// then on both cores at once (as training runs its two replicas). Built and run by
// benchmarks/kernel.sh; prints GFLOP/s per thread.
import CBLASBench
import Foundation

let (m, k, n) = (10, 128, 512)
let repeats = 40_000

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// One thread's operands, its own as a replica's are.
final class Operands: @unchecked Sendable {
    var a: [Float] = (0..<(10 * 128)).map { (i: Int) -> Float in Float(i * 7919 % 201) / 100 - 1 }
    var u: [Float] = (0..<(128 * 512)).map { (i: Int) -> Float in Float(i * 104_729 % 199) / 1000 - 0.1 }
    var c = [Float](repeating: 0, count: 10 * 512)
    let panels = PanelMatrix()
    init() { u.withUnsafeBufferPointer { panels.pack($0.baseAddress!, rows: k, columns: n, ldb: n) } }

    /// Seconds for `repeats` products.
    func run(_ engine: String) -> Double {
        let start = now()
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                for _ in 0..<repeats {
                    if engine == "panel" {
                        panels.accumulate(a.baseAddress!, rows: m, lda: k, into: c.baseAddress!, ldc: n)
                    } else {
                        u.withUnsafeBufferPointer { u in
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                a.baseAddress!, Int32(k), u.baseAddress!, Int32(n), 1, c.baseAddress!, Int32(n))
                        }
                    }
                }
            }
        }
        return now() - start
    }
}

openblas_set_num_threads(1)
let gflop = 2.0 * Double(m * k * n * repeats) / 1e9
for engine in ["panel", "openblas"] {
    for threads in [1, 2] {
        let operands = (0..<threads).map { _ in Operands() }
        for o in operands { _ = o.run(engine) }  // warm caches and clocks
        var seconds = [Double](repeating: 0, count: threads)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            let s = operands[i].run(engine)
            lock.lock()
            seconds[i] = s
            lock.unlock()
        }
        let rates = seconds.map { String(format: "%.1f", gflop / $0) }.joined(separator: ", ")
        print("\(engine) \(threads) thread(s): \(rates) GFLOP/s per thread")
    }
}
