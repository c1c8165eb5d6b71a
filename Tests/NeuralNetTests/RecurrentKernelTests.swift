import Foundation
import Testing

@testable import NeuralNet

/// The pieces of the `.blas` LSTM's time loop against plain loops and libm in double.
struct RecurrentKernelTests {
    /// Products summed in order from zero, then added to `c`, as `PanelMatrix` promises.
    static func plainProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, c: [Float]) -> [Float] {
        var c = c
        for r in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for i in 0..<k { sum += a[r * k + i] * b[i * n + j] }
                c[r * n + j] += sum
            }
        }
        return c
    }

    /// Shapes with full and partial panels, five-row blocks and single rows: the same bits as
    /// the plain loop, for the matrix packed as given and packed from its transpose.
    @Test(arguments: [(10, 128, 512), (7, 13, 21), (1, 5, 16), (6, 512, 128), (12, 3, 40)])
    func packedProductIsThePlainLoop(m: Int, k: Int, n: Int) {
        // Fixed values in [-1, 1] with many distinct mantissas, so a changed order of sums shows.
        func values(_ count: Int, _ salt: Int) -> [Float] {
            (0..<count).map { Float(($0 * 7919 + salt * 104_729) % 2001) / 1000 - 1 + Float($0 % 7) * 1e-4 }
        }
        let (a, b, c) = (values(m * k, 1), values(k * n, 2), values(m * n, 3))
        let expected = Self.plainProduct(a, b, m: m, k: k, n: n, c: c)
        var transposed = [Float](repeating: 0, count: k * n)
        for i in 0..<k { for j in 0..<n { transposed[j * k + i] = b[i * n + j] } }
        for packTransposed in [false, true] {
            let packed = PanelMatrix()
            if packTransposed {
                packed.pack(transposed, rows: k, columns: n, ldb: k, transposed: true)
            } else {
                packed.pack(b, rows: k, columns: n, ldb: n)
            }
            var result = c
            result.withUnsafeMutableBufferPointer {
                packed.accumulate(a, rows: m, lda: k, into: $0.baseAddress!, ldc: n)
            }
            #expect(result == expected, "\(m)x\(k)x\(n), transposed \(packTransposed)")
        }
    }

    /// Worst error in float ulps of `result` against `exact` over `inputs`, eight at a time.
    static func worstUlps(_ inputs: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>, _ exact: (Double) -> Double)
        -> Double
    {
        var worst = 0.0
        for start in stride(from: 0, to: inputs.count - 7, by: 8) {
            let values = SIMD8<Float>(inputs[start..<(start + 8)])
            let result = f(values)
            for lane in 0..<8 {
                let e = exact(Double(values[lane]))
                // Near zero, an ulp of the smallest normal would be too strict a unit.
                let ulp = max(Double(Float(e).ulp), Double(Float.leastNormalMagnitude))
                worst = max(worst, abs(Double(result[lane]) - e) / ulp)
            }
        }
        return worst
    }

    static let gateInputs: [Float] = stride(from: -20.0, to: 20.0, by: 1.0 / 256).map { Float($0) }

    @Test func expIsWithinTwoUlps() {
        let inputs = stride(from: -87.0, to: 88.0, by: 1.0 / 64).map { Float($0) }
        let worst = Self.worstUlps(inputs, VectorGates.exp, Foundation.exp)
        #expect(worst <= 2, "worst \(worst) ulp")
        // Beyond the clamp: a finite result, no infinity or zero.
        let outside = VectorGates.exp(SIMD8(-1000, -200, -88, 89, 100, 200, 1000, 0))
        for lane in 0..<8 { #expect(outside[lane].isFinite && outside[lane] > 0, "lane \(lane): \(outside[lane])") }
    }

    @Test func sigmoidIsWithinThreeUlps() {
        let worst = Self.worstUlps(Self.gateInputs, VectorGates.sigmoid) { 1 / (1 + Foundation.exp(-$0)) }
        #expect(worst <= 3, "worst \(worst) ulp")
        let saturated = VectorGates.sigmoid(SIMD8(-1000, -100, 100, 1000, 0, 0, 0, 0))
        #expect(saturated[0] >= 0 && saturated[0] < 1e-30 && saturated[2] == 1 && saturated[3] == 1)
    }

    @Test func tanhIsWithinSixUlps() {
        let worst = Self.worstUlps(Self.gateInputs, VectorGates.tanh, Foundation.tanh)
        #expect(worst <= 6, "worst \(worst) ulp")
        let tiny = VectorGates.tanh(SIMD8(1e-30, -1e-20, 1e-7, 0, -0.0, 1000, -1000, 9))
        #expect(abs(tiny[0] - 1e-30) <= 1e-36 && abs(tiny[2] - 1e-7) <= 1e-13 && tiny[3] == 0)
        #expect(tiny[5] == 1 && tiny[6] == -1)
    }
}
