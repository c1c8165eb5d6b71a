import Foundation
import Testing

@testable import Features

struct VectorLogTests {
    /// Against log10 in double over every binade power_to_db meets (amin = 1e-10 up to 1e12),
    /// 64 mantissas in each: within 2 float ulps of the exact value, or 1e-7 near log10 = 0.
    @Test func log10IsWithinTwoUlps() {
        var worst = 0.0
        var x = 1e-10
        while x < 1e12 {
            for start in stride(from: 0, to: 64, by: 8) {
                let values = SIMD8<Float>((0..<8).map { Float(x * (1 + Double(start + $0) / 64)) })
                let result = VectorLog.log10(values)
                for lane in 0..<8 {
                    let exact = Foundation.log10(Double(values[lane]))
                    let ulp = Double(Float(exact).ulp)
                    let error = abs(Double(result[lane]) - exact) / max(ulp, 1e-7 / 2)
                    worst = max(worst, error)
                }
            }
            x *= 2
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }
}
