internal import CBLAS

/// Single-precision BLAS (OpenBLAS). The only file that imports `CBLAS`.
enum BLAS {
    /// `C = alpha * op(A) * op(B) + beta * C`, row-major; op(A) is `[m, k]`, op(B) `[k, n]`.
    @inline(__always)
    static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n),
            Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// "OpenBLAS 0.3.21" (the first words of the library's configuration string).
    static var version: String {
        String(cString: openblas_get_config()).split(separator: " ").prefix(2).joined(separator: " ")
    }
}

/// OpenBLAS's own thread count. The trainer sets it to 1 when it runs batch parts on the cores
/// itself: OpenBLAS's threads only spin on the small per-step products of an LSTM.
public enum BLASThreads {
    public static var count: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
