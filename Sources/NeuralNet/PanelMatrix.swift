/// A weight matrix packed for many products with few rows: the per-step recurrent products of
/// `BLASLSTM` (`[10, 128] x [128, 512]` at lstm-seed's batch of 10 a replica). OpenBLAS packs its
/// operand on every call, which at ten rows costs more than the multiplication (33 GFLOP/s on
/// one Zen core against 58 to 77 for `accumulate`); this matrix is packed once a batch and read
/// 130 times.
///
/// Layout: panels of 16 columns, each `[rows, 16]` row-major, the last zero-padded. Element
/// `(r, c)` is at `((c / 16) * rows + r) * 16 + c % 16`. The storage is 64-byte aligned, so
/// no 8-lane load straddles two cache lines (an array's elements are only 16-byte aligned).
final class PanelMatrix {
    typealias V = SIMD8<Float>
    static let width = 16
    private(set) var rows = 0
    private(set) var columns = 0
    private var panels = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)

    deinit { panels.deallocate() }

    /// Packs `b` (`[rows, columns]`, row-major with leading dimension `ldb`), or with
    /// `transposed` the transpose of `b` (`[columns, rows]`, leading dimension `ldb`).
    func pack(_ b: UnsafePointer<Float>, rows: Int, columns: Int, ldb: Int, transposed: Bool = false) {
        allocate(rows: rows, columns: columns)
        place(b, rows: rows, ldb: ldb, transposed: transposed, atRow: 0)
    }

    /// Packs `top` (`[topRows, columns]`) stacked over `bottom` (`[bottomRows, columns]`), both
    /// row-major with leading dimension `ldb`: one matrix for products with `[x | h]` rows.
    func pack(
        stacking top: UnsafePointer<Float>, rows topRows: Int, over bottom: UnsafePointer<Float>, rows bottomRows: Int,
        columns: Int, ldb: Int
    ) {
        allocate(rows: topRows + bottomRows, columns: columns)
        place(top, rows: topRows, ldb: ldb, transposed: false, atRow: 0)
        place(bottom, rows: bottomRows, ldb: ldb, transposed: false, atRow: topRows)
    }

    private func allocate(rows: Int, columns: Int) {
        let w = Self.width
        let count = (columns + w - 1) / w * rows * w
        if panels.count != count {
            panels.deallocate()
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: count * 4, alignment: 64)
            panels = raw.bindMemory(to: Float.self)
        }
        panels.update(repeating: 0)
        self.rows = rows
        self.columns = columns
    }

    private func place(_ b: UnsafePointer<Float>, rows count: Int, ldb: Int, transposed: Bool, atRow first: Int) {
        let w = Self.width
        for c in 0..<columns {
            let panel = panels.baseAddress! + ((c / w) * rows + first) * w + c % w
            if transposed {
                for r in 0..<count { panel[r * w] = b[c * ldb + r] }
            } else {
                for r in 0..<count { panel[r * w] = b[r * ldb + c] }
            }
        }
    }

    /// `c[m, columns] += a[m, rows] * self`. Each element's products are summed over `rows` in
    /// order from zero, with a separate multiply and add (never fused, so every CPU gives the
    /// same bits), then added to `c`; a row's result does not depend on `m` or its neighbours.
    /// (`c` is read last so that its cache misses overlap the sums: when `c` held the rows of
    /// an input projection made for all steps beforehand, as the GRU's still does, they were
    /// out of cache, and reading them first halved the speed.)
    func accumulate(_ a: UnsafePointer<Float>, rows m: Int, lda: Int, into c: UnsafeMutablePointer<Float>, ldc: Int) {
        let w = Self.width
        let packed = UnsafePointer(panels.baseAddress!)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 5 * w) { tile in
            for p in 0..<((columns + w - 1) / w) {
                let panel = packed + p * rows * w
                let first = p * w
                let valid = min(w, columns - first)
                var r = 0
                while r < m {
                    let block = m - r >= 5 ? 5 : 1
                    let aRows = a + r * lda
                    if valid == w {
                        Self.product(block, aRows, lda: lda, panel, rows: rows, c + r * ldc + first, ldc: ldc)
                    } else {
                        // The last, partial panel: through a full-width tile.
                        let t = tile.baseAddress!
                        for i in 0..<block {
                            for j in 0..<w { t[i * w + j] = j < valid ? c[(r + i) * ldc + first + j] : 0 }
                        }
                        Self.product(block, aRows, lda: lda, panel, rows: rows, t, ldc: w)
                        for i in 0..<block { for j in 0..<valid { c[(r + i) * ldc + first + j] = t[i * w + j] } }
                    }
                    r += block
                }
            }
        }
    }

    @inline(__always)
    private static func product(
        _ block: Int, _ a: UnsafePointer<Float>, lda: Int, _ panel: UnsafePointer<Float>, rows k: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if block == 5 {
            fiveRows(a, lda: lda, panel, rows: k, c, ldc: ldc)
        } else {
            oneRow(a, panel, rows: k, c)
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Five rows by one panel: ten 8-lane sums in registers, two panel loads and five
    /// broadcasts per step of the inner dimension.
    private static func fiveRows(
        _ a: UnsafePointer<Float>, lda: Int, _ panel: UnsafePointer<Float>, rows k: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let (c0, c1, c2, c3, c4) = (c, c + ldc, c + 2 * ldc, c + 3 * ldc, c + 4 * ldc)
        let (a0, a1, a2, a3, a4) = (a, a + lda, a + 2 * lda, a + 3 * lda, a + 4 * lda)
        var (s00, s01, s10, s11, s20) = (V.zero, V.zero, V.zero, V.zero, V.zero)
        var (s21, s30, s31, s40, s41) = (V.zero, V.zero, V.zero, V.zero, V.zero)
        for i in 0..<k {
            let b0 = load(panel + i * 16)
            let b1 = load(panel + i * 16 + 8)
            var x = SIMD8(repeating: a0[i])
            s00 += x * b0
            s01 += x * b1
            x = SIMD8(repeating: a1[i])
            s10 += x * b0
            s11 += x * b1
            x = SIMD8(repeating: a2[i])
            s20 += x * b0
            s21 += x * b1
            x = SIMD8(repeating: a3[i])
            s30 += x * b0
            s31 += x * b1
            x = SIMD8(repeating: a4[i])
            s40 += x * b0
            s41 += x * b1
        }
        store(load(c0) + s00, c0)
        store(load(c0 + 8) + s01, c0 + 8)
        store(load(c1) + s10, c1)
        store(load(c1 + 8) + s11, c1 + 8)
        store(load(c2) + s20, c2)
        store(load(c2 + 8) + s21, c2 + 8)
        store(load(c3) + s30, c3)
        store(load(c3 + 8) + s31, c3 + 8)
        store(load(c4) + s40, c4)
        store(load(c4 + 8) + s41, c4 + 8)
    }

    private static func oneRow(
        _ a: UnsafePointer<Float>, _ panel: UnsafePointer<Float>, rows k: Int, _ c: UnsafeMutablePointer<Float>
    ) {
        var (s0, s1) = (V.zero, V.zero)
        for i in 0..<k {
            let x = SIMD8(repeating: a[i])
            s0 += x * load(panel + i * 16)
            s1 += x * load(panel + i * 16 + 8)
        }
        store(load(c) + s0, c)
        store(load(c + 8) + s1, c + 8)
    }
}
