import Foundation
import ONNXProto

/// A small ONNX evaluator for the tests, written from the operator specifications
/// (onnx.ai/onnx/operators) and not from GenreKit's layers: it runs an exported model on the
/// CPU in plain loops, so an export whose gate order, layout or padding is wrong gives other
/// numbers than GenreKit's own forward pass. It knows only the operators the export writes,
/// and only the attribute values it writes (anything else fails the test).
struct ONNXInterpreter {
    struct Value {
        var shape: [Int]
        var data: [Float]
    }
    enum Problem: Error, CustomStringConvertible {
        case unsupported(String)
        var description: String { if case .unsupported(let s) = self { s } else { "" } }
    }

    let model: Onnx_ModelProto

    func run(_ input: Value) throws -> Value {
        let graph = model.graph
        var values: [String: Value] = [:]
        var integers: [String: [Int]] = [:]
        for t in graph.initializer {
            switch t.dataType {
            case Int32(Onnx_TensorProto.DataType.float.rawValue):
                let floats = t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                values[t.name] = Value(shape: t.dims.map(Int.init), data: floats)
            case Int32(Onnx_TensorProto.DataType.int64.rawValue):
                integers[t.name] = t.int64Data.map(Int.init)
            default: throw Problem.unsupported("initializer \(t.name) of data type \(t.dataType)")
            }
        }
        values[graph.input[0].name] = input
        for node in graph.node {
            func x(_ i: Int) throws -> Value {
                guard let v = values[node.input[i]] else {
                    throw Problem.unsupported("\(node.name): no value \(node.input[i])")
                }
                return v
            }
            func ints(_ name: String) -> [Int]? {
                node.attribute.first { $0.name == name }.map { $0.ints.map(Int.init) }
            }
            func int(_ name: String) -> Int? { node.attribute.first { $0.name == name }.map { Int($0.i) } }
            let out: [Value]
            switch node.opType {
            case "Identity": out = [try x(0)]
            case "Sub": out = [try broadcastLast(x(0), x(1), -)]
            case "Div": out = [try broadcastLast(x(0), x(1), /)]
            case "Add": out = [try broadcastLast(x(0), x(1), +)]
            case "Relu": out = [try x(0)].map { Value(shape: $0.shape, data: $0.data.map { max($0, 0) }) }
            case "Softmax":
                guard int("axis") == -1 else { throw Problem.unsupported("Softmax axis") }
                out = [softmax(try x(0))]
            case "MatMul": out = [try matMul(x(0), x(1))]
            case "Transpose": out = [transpose(try x(0), ints("perm")!)]
            case "Unsqueeze", "Squeeze", "Reshape", "Flatten":
                let v = try x(0)
                var shape: [Int]
                switch node.opType {
                case "Unsqueeze":
                    shape = v.shape
                    for a in integers[node.input[1]]! { shape.insert(1, at: a) }
                case "Squeeze":
                    shape = v.shape
                    for a in integers[node.input[1]]!.sorted(by: >) { shape.remove(at: a) }
                case "Flatten":
                    let axis = int("axis")!
                    shape = [v.shape[..<axis].reduce(1, *), v.shape[axis...].reduce(1, *)]
                default:
                    let target = integers[node.input[1]]!
                    shape = target.enumerated().map { $1 == 0 ? v.shape[$0] : $1 }
                }
                guard shape.reduce(1, *) == v.data.count else {
                    throw Problem.unsupported("\(node.name): shape \(shape)")
                }
                out = [Value(shape: shape, data: v.data)]
            case "LSTM":
                guard int("hidden_size") != nil, int("layout") ?? 0 == 0 else { throw Problem.unsupported("LSTM") }
                out = [try lstm(x(0), w: x(1), r: x(2), b: x(3))]
            case "GRU":
                guard int("linear_before_reset") == 1 else {
                    throw Problem.unsupported("GRU without linear_before_reset")
                }
                out = [try gru(x(0), w: x(1), r: x(2), b: x(3))]
            case "Conv":
                guard ints("strides") == [1, 1] else { throw Problem.unsupported("Conv strides") }
                out = [try conv(x(0), w: x(1), bias: node.input.count > 2 ? x(2) : nil, pads: ints("pads")!)]
            case "BatchNormalization":
                let epsilon = node.attribute.first { $0.name == "epsilon" }?.f ?? 1e-5
                out = [try batchNorm(x(0), x(1), x(2), x(3), x(4), epsilon: epsilon)]
            case "MaxPool":
                guard ints("kernel_shape") == [2, 2], ints("strides") == [2, 2] else {
                    throw Problem.unsupported("MaxPool")
                }
                out = [maxPool(try x(0))]
            case "GlobalAveragePool": out = [globalAverage(try x(0))]
            default: throw Problem.unsupported("operator \(node.opType)")
            }
            for (name, v) in zip(node.output, out) where !name.isEmpty { values[name] = v }
            if node.opType == "LSTM" || node.opType == "GRU" {
                // The only output the export reads is Y_h (index 1); `out` holds it.
                values[node.output[1]] = out[0]
            }
        }
        guard let result = values[graph.output[0].name] else { throw Problem.unsupported("no graph output") }
        return result
    }

    // MARK: elementwise and shapes

    /// `a op b` with `b` broadcast over `a`'s last axis (or equal shapes).
    func broadcastLast(_ a: Value, _ b: Value, _ op: (Float, Float) -> Float) -> Value {
        let n = b.data.count
        return Value(shape: a.shape, data: a.data.indices.map { op(a.data[$0], b.data[$0 % n]) })
    }

    func softmax(_ v: Value) -> Value {
        let n = v.shape.last!
        var out = v.data
        for row in stride(from: 0, to: out.count, by: n) {
            let m = out[row..<row + n].max()!
            var sum: Float = 0
            for i in row..<row + n {
                out[i] = exp(out[i] - m)
                sum += out[i]
            }
            for i in row..<row + n { out[i] /= sum }
        }
        return Value(shape: v.shape, data: out)
    }

    func matMul(_ a: Value, _ b: Value) -> Value {
        let (k, n) = (b.shape[0], b.shape[1])
        let rows = a.data.count / k
        var out = [Float](repeating: 0, count: rows * n)
        for r in 0..<rows {
            for j in 0..<n {
                var s: Float = 0; for i in 0..<k { s += a.data[r * k + i] * b.data[i * n + j] }; out[r * n + j] = s
            }
        }
        return Value(shape: Array(a.shape.dropLast()) + [n], data: out)
    }

    func transpose(_ v: Value, _ perm: [Int]) -> Value {
        let shape = perm.map { v.shape[$0] }
        let strides = v.shape.indices.map { v.shape[($0 + 1)...].reduce(1, *) }
        var out = [Float](repeating: 0, count: v.data.count)
        var index = [Int](repeating: 0, count: shape.count)
        for o in out.indices {
            var source = 0
            for d in shape.indices { source += index[d] * strides[perm[d]] }
            out[o] = v.data[source]
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return Value(shape: shape, data: out)
    }

    // MARK: recurrent (ONNX's equations; X [steps, batch, in]; returns Y_h [1, batch, H])

    func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// Row `g * H + j` of W (or R) times `v` (length `width`), plus nothing else.
    func gate(_ m: Value, _ row: Int, _ v: ArraySlice<Float>) -> Float {
        let width = m.shape[2]
        var s: Float = 0
        for (i, x) in v.enumerated() { s += m.data[row * width + i] * x }
        return s
    }

    func lstm(_ x: Value, w: Value, r: Value, b: Value) -> Value {
        let (steps, batch, input) = (x.shape[0], x.shape[1], x.shape[2])
        let h = r.shape[2]
        var state = [Float](repeating: 0, count: batch * h)
        var cell = state
        for t in 0..<steps {
            var next = state
            for n in 0..<batch {
                let xt = x.data[((t * batch + n) * input)..<((t * batch + n + 1) * input)]
                let ht = state[(n * h)..<((n + 1) * h)]
                for j in 0..<h {
                    // Gates in ONNX's order i, o, f, c; B = [Wb (4H), Rb (4H)].
                    func pre(_ g: Int) -> Float {
                        gate(w, g * h + j, xt) + gate(r, g * h + j, ht) + b.data[g * h + j] + b.data[4 * h + g * h + j]
                    }
                    let (i, o, f, c) = (sigmoid(pre(0)), sigmoid(pre(1)), sigmoid(pre(2)), tanh(pre(3)))
                    cell[n * h + j] = f * cell[n * h + j] + i * c
                    next[n * h + j] = o * tanh(cell[n * h + j])
                }
            }
            state = next
        }
        return Value(shape: [1, batch, h], data: state)
    }

    func gru(_ x: Value, w: Value, r: Value, b: Value) -> Value {
        let (steps, batch, input) = (x.shape[0], x.shape[1], x.shape[2])
        let h = r.shape[2]
        var state = [Float](repeating: 0, count: batch * h)
        for t in 0..<steps {
            var next = state
            for n in 0..<batch {
                let xt = x.data[((t * batch + n) * input)..<((t * batch + n + 1) * input)]
                let ht = state[(n * h)..<((n + 1) * h)]
                for j in 0..<h {
                    // Gates z, r, h; B = [Wb (3H), Rb (3H)]; linear_before_reset = 1.
                    func wx(_ g: Int) -> Float { gate(w, g * h + j, xt) + b.data[g * h + j] }
                    func rh(_ g: Int) -> Float { gate(r, g * h + j, ht) + b.data[3 * h + g * h + j] }
                    let z = sigmoid(wx(0) + rh(0))
                    let reset = sigmoid(wx(1) + rh(1))
                    let candidate = tanh(wx(2) + reset * rh(2))
                    next[n * h + j] = (1 - z) * candidate + z * state[n * h + j]
                }
            }
            state = next
        }
        return Value(shape: [1, batch, h], data: state)
    }

    // MARK: images (NCHW)

    func conv(_ x: Value, w: Value, bias: Value?, pads: [Int]) -> Value {
        let (batch, cin, rows, cols) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, k) = (w.shape[0], w.shape[2])
        let (top, left) = (pads[0], pads[1])
        var out = [Float](repeating: 0, count: batch * cout * rows * cols)
        for n in 0..<batch {
            for o in 0..<cout {
                for y in 0..<rows {
                    for xx in 0..<cols {
                        var s = bias?.data[o] ?? 0
                        for i in 0..<cin {
                            for dy in 0..<k {
                                let sy = y + dy - top
                                guard sy >= 0, sy < rows else { continue }
                                for dx in 0..<k {
                                    let sx = xx + dx - left
                                    guard sx >= 0, sx < cols else { continue }
                                    s +=
                                        x.data[((n * cin + i) * rows + sy) * cols + sx]
                                        * w.data[((o * cin + i) * k + dy) * k + dx]
                                }
                            }
                        }
                        out[((n * cout + o) * rows + y) * cols + xx] = s
                    }
                }
            }
        }
        return Value(shape: [batch, cout, rows, cols], data: out)
    }

    func batchNorm(_ x: Value, _ scale: Value, _ bias: Value, _ mean: Value, _ variance: Value, epsilon: Float) -> Value
    {
        let channels = x.shape[1]
        let inner = x.shape[2...].reduce(1, *)
        var out = x.data
        for i in out.indices {
            let c = (i / inner) % channels
            out[i] =
                scale.data[c] * (x.data[i] - mean.data[c]) / (variance.data[c] + epsilon).squareRoot() + bias.data[c]
        }
        return Value(shape: x.shape, data: out)
    }

    func maxPool(_ x: Value) -> Value {
        let (batch, c, rows, cols) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (r2, c2) = (rows / 2, cols / 2)
        var out = [Float](repeating: 0, count: batch * c * r2 * c2)
        for p in 0..<(batch * c) {
            for y in 0..<r2 {
                for xx in 0..<c2 {
                    let at = { (dy: Int, dx: Int) in x.data[(p * rows + 2 * y + dy) * cols + 2 * xx + dx] }
                    out[(p * r2 + y) * c2 + xx] = max(max(at(0, 0), at(0, 1)), max(at(1, 0), at(1, 1)))
                }
            }
        }
        return Value(shape: [batch, c, r2, c2], data: out)
    }

    func globalAverage(_ x: Value) -> Value {
        let (batch, c) = (x.shape[0], x.shape[1])
        let inner = x.shape[2...].reduce(1, *)
        let out = (0..<(batch * c)).map { p in x.data[(p * inner)..<((p + 1) * inner)].reduce(0, +) / Float(inner) }
        return Value(shape: [batch, c, 1, 1], data: out)
    }
}
