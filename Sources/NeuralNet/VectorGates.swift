/// `exp`, `sigmoid` and `tanh` of eight floats at once, for the recurrent gates: libm's scalar
/// `expf` and `tanhf` were most of `BLASLSTM`'s time. Every constant is a vector literal: Swift's
/// vector-with-scalar operators compile to one lane at a time.
enum VectorGates {
    typealias V = SIMD8<Float>

    /// e^x within about 2 ulp. x = n ln 2 + r (ln 2 in two parts, so n ln 2 is exact), then
    /// e^r times 2^n built in the exponent bits. x is clamped to [-87.33, 88.02], where e^x is
    /// still a normal float: below, the result is the smallest normal rather than 0.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let low = V(repeating: -87.33), high = V(repeating: 88.02)
        var x = x.replacing(with: high, where: x .> high)
        x = x.replacing(with: low, where: .!(x .>= low))
        // Round to nearest through the float format: adding 1.5 * 2^23 leaves n in the low bits.
        let magic = V(repeating: 12_582_912)
        let shifted = x * V(repeating: 1.442_695_040_888_963_4) + magic
        let n = shifted - magic
        let r = x - n * V(repeating: 0.693_359_375) - n * V(repeating: -2.121_944_40e-4)
        // Cephes' `expf` polynomial for e^r, |r| <= ln 2 / 2.
        var p = V(repeating: 1.987_569_150_0e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        let y = p * r * r + r + V(repeating: 1)
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- SIMD8(repeating: 0x4B40_0000 - 127)
        return y * unsafeBitCast(exponent &<< SIMD8(repeating: 23), to: V.self)
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        let one = V(repeating: 1)
        return one / (one + exp(-x))
    }

    /// tanh(x) within 6 ulp (5 measured on [-20, 20]); exactly +-1 beyond +-9.
    @inline(__always)
    static func tanh(_ x: V) -> V {
        let limit = V(repeating: 9)
        var x = x.replacing(with: limit, where: x .> limit)
        x = x.replacing(with: -limit, where: x .< -limit)
        let x2 = x * x
        // Eigen's 13/6-degree rational interpolant on [-9, 9] (TensorFlow's CPU tanh): the odd
        // numerator's coefficients from x^13 down, then the even denominator's from x^6.
        var p = V(repeating: -2.760_768_477_423_55e-16)
        p = p * x2 + V(repeating: 2.000_187_904_824_77e-13)
        p = p * x2 + V(repeating: -8.604_671_522_137_35e-11)
        p = p * x2 + V(repeating: 5.122_297_090_371_14e-8)
        p = p * x2 + V(repeating: 1.485_722_357_179_79e-5)
        p = p * x2 + V(repeating: 6.372_619_288_754_36e-4)
        p = p * x2 + V(repeating: 4.893_524_558_917_86e-3)
        var q = V(repeating: 1.198_258_394_667_02e-6)
        q = q * x2 + V(repeating: 1.185_347_056_866_54e-4)
        q = q * x2 + V(repeating: 2.268_434_632_439_00e-3)
        q = q * x2 + V(repeating: 4.893_525_185_543_85e-3)
        return x * p / q
    }
}
