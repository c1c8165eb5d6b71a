import Basics

/// Keras's `MaxPooling2D(2)`: the largest of each 2 x 2 window, stride 2, "valid" (an odd last
/// row or column is dropped). Input `[batch, height, width, channels]`, output
/// `[batch, height / 2, width / 2, channels]`. The gradient goes to the first largest value of
/// each window (row-major), as TensorFlow's does.
public final class MaxPooling2D: Layer {
    public let name: String
    /// Where each output's value came from, as an index into the input.
    private(set) var argmax: [Int32] = []
    private var inputShape: [Int] = []
    /// Set by a `Sequential` when the `BatchNormalization` before it (through a `ReLU`) pools
    /// as it normalises (`pool(_:shape:)`): values and gradients then pass through unchanged.
    var isApplied = false

    public init(name: String) { self.name = name }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard !isApplied else { return x }
        return x.values.withUnsafeBufferPointer { xb in
            pool(PlainValues(x: xb.baseAddress!), shape: x.shape)
        }
    }

    /// The pooled values of an input of `shape` read through `source` (which may compute them:
    /// a batch normalization's output is never stored); keeps where each came from.
    func pool<Source: PooledValues>(_ source: Source, shape: [Int]) -> Tensor {
        let (b, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = (h / 2, w / 2)
        var from = [Int32](repeating: 0, count: b * oh * ow * c)
        let y = from.withUnsafeMutableBufferPointer { fb in
            nonisolated(unsafe) let from = fb.baseAddress!
            // Output row (n, i) of `ow * c` values comes from input rows 2i and 2i + 1 of example n.
            return RowChunks.array(rows: b * oh, width: ow * c) { range, y in
                for row in range {
                    let (n, i) = (row / oh, row % oh)
                    for j in 0..<ow {
                        let out = (row &* ow &+ j) &* c
                        let topLeft = ((n &* h &+ 2 &* i) &* w &+ 2 &* j) &* c
                        // Row-major order in the window; a later value wins only when larger.
                        let window = (topLeft, topLeft &+ c, topLeft &+ w &* c, topLeft &+ w &* c &+ c)
                        var k = 0
                        // Eight channels at a time, compared and chosen as the scalar loop does.
                        while k &+ 8 <= c {
                            let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &+ Int32(truncatingIfNeeded: k)
                            var value = source.lanes(window.0 &+ k, channel: k)
                            var index = lanes &+ Int32(truncatingIfNeeded: window.0)
                            func consider(_ at: Int) {
                                let next = source.lanes(at &+ k, channel: k)
                                let larger = next .> value
                                value.replace(with: next, where: larger)
                                index.replace(with: lanes &+ Int32(truncatingIfNeeded: at), where: larger)
                            }
                            consider(window.1)
                            consider(window.2)
                            consider(window.3)
                            Lanes.store(value, y, out &+ k)
                            UnsafeMutableRawPointer(from + (out &+ k)).storeBytes(of: index, as: SIMD8<Int32>.self)
                            k &+= 8
                        }
                        for k in k..<c {
                            var (best, value) = (window.0 &+ k, source.scalar(window.0 &+ k, channel: k))
                            func consider(_ at: Int) {
                                let next = source.scalar(at &+ k, channel: k)
                                if next > value { (best, value) = (at &+ k, next) }
                            }
                            consider(window.1)
                            consider(window.2)
                            consider(window.3)
                            y[out &+ k] = value
                            from[out &+ k] = Int32(best)
                        }
                    }
                }
            }
        }
        argmax = from
        inputShape = shape
        return Tensor(shape: [b, oh, ow, c], values: y)
    }

    /// Each input row written once, in order: a window's gradient where its value came from,
    /// zero at the other three places and in a dropped odd last row or column (no zero-filled
    /// array scattered into).
    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard !isApplied else { return gradient }
        let (b, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (oh, ow) = (h / 2, w / 2)
        let dx = gradient.values.withUnsafeBufferPointer { gb in
            argmax.withUnsafeBufferPointer { ab in
                nonisolated(unsafe) let (g, from) = (gb.baseAddress!, ab.baseAddress!)
                return RowChunks.array(rows: b * h, width: w * c) { range, dx in
                    for row in range {
                        let (n, i) = (row / h, row % h)
                        let out = dx + row &* w &* c
                        guard i < 2 &* oh else {
                            out.update(repeating: 0, count: w &* c)
                            continue
                        }
                        for j in 0..<(2 &* ow) {
                            let source = ((n &* oh &+ i / 2) &* ow &+ j / 2) &* c
                            let place = row &* w &* c &+ j &* c
                            var k = 0
                            while k &+ Lanes.width <= c {
                                let here = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &+ Int32(truncatingIfNeeded: place &+ k)
                                let came = UnsafeRawPointer(from + (source &+ k)).loadUnaligned(as: SIMD8<Int32>.self)
                                let value = Lanes.load(g, source &+ k).replacing(with: 0, where: came .!= here)
                                Lanes.store(value, out, j &* c &+ k)
                                k &+= Lanes.width
                            }
                            for k in k..<c {
                                out[j &* c &+ k] = Int(from[source &+ k]) == place &+ k ? g[source &+ k] : 0
                            }
                        }
                        if w % 2 == 1 { (out + (w &- 1) &* c).update(repeating: 0, count: c) }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// The values `MaxPooling2D.pool` compares, at an element offset into its input and that
/// element's channel.
protocol PooledValues: Sendable {
    func lanes(_ at: Int, channel: Int) -> SIMD8<Float>
    func scalar(_ at: Int, channel: Int) -> Float
}

/// The input's own values.
private struct PlainValues: PooledValues, @unchecked Sendable {
    let x: UnsafePointer<Float>
    @inline(__always) func lanes(_ at: Int, channel: Int) -> SIMD8<Float> { Lanes.load(x, at) }
    @inline(__always) func scalar(_ at: Int, channel: Int) -> Float { x[at] }
}

/// Keras's `GlobalAveragePooling2D`: each channel's mean over height and width.
/// `[batch, height, width, channels]` to `[batch, channels]`.
public final class GlobalAveragePooling2D: Layer {
    public let name: String
    private var inputShape: [Int] = []

    public init(name: String) { self.name = name }

    public var parameters: [Parameter] { [] }

    /// Each example's channel sums are taken in float over the positions in order, eight
    /// channels at a time.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (b, c) = (x.shape[0], x.shape[3])
        let area = x.shape[1] * x.shape[2]
        let y = x.values.withUnsafeBufferPointer { xb in
            nonisolated(unsafe) let v = xb.baseAddress!
            return RowChunks.array(rows: b, width: c, work: x.values.count) { range, y in
                for n in range {
                    let sums = y + n &* c
                    sums.update(repeating: 0, count: c)
                    for p in 0..<area {
                        let at = (n &* area &+ p) &* c
                        for k in stride(from: 0, to: Lanes.whole(c), by: Lanes.width) {
                            Lanes.store(Lanes.load(sums, k) + Lanes.load(v, at &+ k), sums, k)
                        }
                        for k in Lanes.whole(c)..<c { sums[k] += v[at &+ k] }
                    }
                    for k in 0..<c { sums[k] /= Float(area) }
                }
            }
        }
        inputShape = x.shape
        return Tensor(shape: [b, c], values: y)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        let (b, c) = (inputShape[0], inputShape[3])
        let area = inputShape[1] * inputShape[2]
        let share = gradient.values.map { $0 / Float(area) }
        let dx = share.withUnsafeBufferPointer { sb in
            nonisolated(unsafe) let share = sb.baseAddress!
            // Row (n, p): example n's shares of its channels' gradients.
            return RowChunks.array(rows: b * area, width: c) { range, dx in
                for row in range { (dx + row &* c).update(from: share + (row / area) &* c, count: c) }
            }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// Keras's `Reshape(shape)`: the same values, row-major, in another shape per example (a CRNN's
/// `[batch, frames, bands, channels]` read as `[batch, frames, bands * channels]`).
public final class Reshape: Layer {
    public let name: String
    public let shape: [Int]
    private var inputShape: [Int] = []

    public init(_ shape: [Int], name: String) {
        self.name = name
        self.shape = shape
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.values.count == x.shape[0] * shape.reduce(1, *), "\(name): \(x.shape) is not [batch] + \(shape)")
        inputShape = x.shape
        return Tensor(shape: [x.shape[0]] + shape, values: x.values)
    }

    public func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        needsInputGradient ? Tensor(shape: inputShape, values: gradient.values) : nil
    }
}
