/// Eight lanes at a time for the per-channel loops (batch normalization, pooling): a lane does
/// what the scalar loop does to its element, in the same order, so results are the same bits.
enum Lanes {
    static let width = 8

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Adds `v` to the eight doubles at `p + i`.
    @inline(__always) static func add(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
        let raw = UnsafeMutableRawPointer(p + i)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Double>.self) + v, as: SIMD8<Double>.self)
    }

    @inline(__always) static func double(_ v: SIMD8<Float>) -> SIMD8<Double> {
        SIMD8<Double>(
            Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]), Double(v[4]), Double(v[5]), Double(v[6]),
            Double(v[7]))
    }

    /// The end of the whole groups of eight in `0..<count`.
    @inline(__always) static func whole(_ count: Int) -> Int { count - count % width }
}
