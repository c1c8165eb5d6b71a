import Basics

/// `max(x, 0)`, elementwise: Keras's `relu` activation as a layer of its own.
public final class ReLU: Layer {
    public let name: String
    private var output = Tensor(zeros: [0])

    /// Set by a `Sequential` when the `BatchNormalization` before it applies it: values and
    /// gradients then pass through unchanged.
    var isApplied = false

    public init(name: String = "relu") { self.name = name }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard !isApplied else { return x }
        let y = x.values.withUnsafeBufferPointer { xb in
            guard let base = xb.baseAddress else { return [Float]() }
            nonisolated(unsafe) let x = base
            return RowChunks.array(rows: xb.count, width: 1) { range, y in
                let whole = range.lowerBound + (range.count / 8) * 8
                for i in stride(from: range.lowerBound, to: whole, by: 8) {
                    let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(y + i).storeBytes(
                        of: v.replacing(with: 0, where: v .< 0), as: SIMD8<Float>.self)
                }
                for i in whole..<range.upperBound { y[i] = x[i] < 0 ? 0 : x[i] }
            }
        }
        output = Tensor(shape: x.shape, values: y)
        return output
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard !isApplied else { return gradient }
        let dx = gradient.values.withUnsafeBufferPointer { gb in
            output.values.withUnsafeBufferPointer { ob in
                guard let gBase = gb.baseAddress, let oBase = ob.baseAddress else { return [Float]() }
                nonisolated(unsafe) let (g, out) = (gBase, oBase)
                return RowChunks.array(rows: gb.count, width: 1) { range, dx in
                    let whole = range.lowerBound + (range.count / 8) * 8
                    for i in stride(from: range.lowerBound, to: whole, by: 8) {
                        let v = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                        let o = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(dx + i).storeBytes(
                            of: v.replacing(with: 0, where: o .<= 0), as: SIMD8<Float>.self)
                    }
                    for i in whole..<range.upperBound { dx[i] = out[i] <= 0 ? 0 : g[i] }
                }
            }
        }
        return Tensor(shape: gradient.shape, values: dx)
    }
}
