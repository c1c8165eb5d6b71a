/// `log10` of eight floats at once, for `power_to_db`: libm's scalar `log10f` was a tenth of
/// `prepare`'s time. Cephes' `logf` (the mantissa in [sqrt(1/2), sqrt(2)) and a degree-9
/// polynomial, good to about 2 ulp), then a scale to base 10. Every constant is a vector:
/// Swift's vector-with-scalar operators compile to one lane at a time.
enum VectorLog {
    typealias V = SIMD8<Float>
    static let polynomial: [V] = [
        7.037_683_629_2e-2, -1.151_461_031_0e-1, 1.167_699_874_0e-1, -1.242_014_084_6e-1, 1.424_932_278_7e-1,
        -1.666_805_766_5e-1, 2.000_071_476_5e-1, -2.499_999_399_3e-1, 3.333_333_117_4e-1,
    ].map { V(repeating: $0) }

    /// For positive, finite, normal `x` (callers clamp to `amin` first).
    @inline(__always)
    static func log10(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        var exponent = V((bits &>> 23) & SIMD8(repeating: 0xff) &- SIMD8(repeating: 126))
        // The mantissa as a float in [0.5, 1).
        var m = unsafeBitCast(
            (bits & SIMD8(repeating: -0x7f80_0001)) | SIMD8(repeating: 0x3f00_0000), to: V.self)
        let one = V(repeating: 1)
        let small = m .< V(repeating: 0.707_106_781_186_547_524)
        exponent = exponent.replacing(with: exponent - one, where: small)
        m = m.replacing(with: m + m, where: small) - one
        let z = m * m
        let c = polynomial
        var p = c[0]
        p = p * m + c[1]
        p = p * m + c[2]
        p = p * m + c[3]
        p = p * m + c[4]
        p = p * m + c[5]
        p = p * m + c[6]
        p = p * m + c[7]
        p = p * m + c[8]
        var y = p * m * z
        y += exponent * V(repeating: -2.121_944_40e-4)
        y -= V(repeating: 0.5) * z
        let ln = m + y + exponent * V(repeating: 0.693_359_375)
        return ln * V(repeating: 0.434_294_481_903_251_83)
    }
}
