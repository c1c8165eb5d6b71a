import Basics

/// What `BLASLSTM` and `BLASGRU` share around their time loops: time-major copies, bias rows,
/// column sums, and eight-lane loads and stores that take a partial last group (hidden sizes
/// need not be multiples of eight).
enum RecurrentRows {
    typealias V = SIMD8<Float>

    /// The first `n` (at most 8) floats at `p`, zeros after.
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ n: Int) -> V {
        if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { t in
            t.initialize(repeating: 0)
            copy(p, n, to: t.baseAddress!)
            return UnsafeRawPointer(t.baseAddress!).loadUnaligned(as: V.self)
        }
    }

    /// The first `n` (at most 8) lanes of `v` to `p`.
    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n == 8 { return UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { t in
            UnsafeMutableRawPointer(t.baseAddress!).storeBytes(of: v, as: V.self)
            copy(t.baseAddress!, n, to: p)
        }
    }

    // The partial lanes go through memory and an out-of-line copy: a vector returned from or
    // passed to a call travels as two 4-lane halves, and with it in the loop, the whole gate
    // computation was compiled 4 lanes wide.
    @inline(never) private static func copy(_ p: UnsafePointer<Float>, _ n: Int, to out: UnsafeMutablePointer<Float>) {
        out.update(from: p, count: n)
    }

    /// `input` (`[batch, steps, features]`) into `x` (`[steps * batch, rowLength]`, the features
    /// first in each row; the rest of a row is left as it is).
    static func copyTimeMajor(
        _ input: UnsafePointer<Float>, batch b: Int, steps t: Int, features d: Int, into x: UnsafeMutablePointer<Float>,
        rowLength: Int? = nil
    ) {
        let n = rowLength ?? d
        for s in 0..<t {
            for r in 0..<b {
                (x + (s * b + r) * n).update(from: input + (r * t + s) * d, count: d)
            }
        }
    }

    /// `sums[j] += m[from + j]` for `j` in `0..<count`.
    static func add(_ m: UnsafePointer<Float>, from: Int, count: Int, to sums: inout [Float]) {
        sums.withUnsafeMutableBufferPointer { sums in
            for j in 0..<count { sums[j] += m[from + j] }
        }
    }

    /// Each of the first `rows` rows of `m` (rows of `count`) set to `values[from..<(from + count)]`.
    static func fill(_ m: UnsafeMutablePointer<Float>, rows: Int, with values: [Float], from: Int, count: Int) {
        values.withUnsafeBufferPointer { v in
            for row in 0..<rows { (m + row * count).update(from: v.baseAddress! + from, count: count) }
        }
    }

    /// `sums[at + j] += m[row, j]` over the rows in order.
    static func addColumnSums(
        _ m: UnsafePointer<Float>, rows: Int, columns: Int, to sums: inout [Float], at offset: Int = 0
    ) {
        sums.withUnsafeMutableBufferPointer { sums in
            let out = sums.baseAddress! + offset
            for j in stride(from: 0, to: columns, by: 8) {
                let n = min(8, columns - j)
                var sum = load(out + j, n)
                for row in 0..<rows { sum += load(m + row * columns + j, n) }
                store(sum, out + j, n)
            }
        }
    }

    /// The input's gradient `[batch, steps, features]` from the input-side pre-activation
    /// gradients `dz` (`[steps * batch, gates]`): `dz kernel^T`, back to batch-major.
    static func inputGradient(
        _ dz: UnsafePointer<Float>, kernel: [Float], batch b: Int, steps t: Int, features d: Int, gates: Int
    ) -> Tensor {
        var dxTime = [Float](repeating: 0, count: t * b * d)
        BLAS.gemm(transB: true, m: t * b, n: d, k: gates, dz, lda: gates, kernel, ldb: gates, &dxTime, ldc: d)
        var dx = [Float](repeating: 0, count: b * t * d)
        dxTime.withUnsafeBufferPointer { time in
            dx.withUnsafeMutableBufferPointer { dx in
                for s in 0..<t {
                    for r in 0..<b {
                        (dx.baseAddress! + (r * t + s) * d).update(from: time.baseAddress! + (s * b + r) * d, count: d)
                    }
                }
            }
        }
        return Tensor(shape: [b, t, d], values: dx)
    }
}
