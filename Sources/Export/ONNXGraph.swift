import Foundation
import ONNXProto

/// Builds one ONNX graph node by node: initialisers from GenreKit's float32 tensors, nodes with
/// their attributes, and names that do not collide.
struct ONNXGraph {
    private(set) var graph = Onnx_GraphProto()
    private var used = Set<String>()

    init(name: String) { graph.name = name }

    /// `base`, or `base_2`, `base_3`, ... when taken.
    mutating func uniqueName(_ base: String) -> String {
        var name = base
        var n = 1
        while used.contains(name) {
            n += 1
            name = "\(base)_\(n)"
        }
        used.insert(name)
        return name
    }

    /// A float32 initialiser; `values` are row-major for `shape`.
    mutating func constant(_ name: String, shape: [Int], _ values: [Float]) -> String {
        precondition(shape.reduce(1, *) == values.count, "\(name): \(values.count) values for shape \(shape)")
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(name)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian, as ONNX stores raw data
        graph.initializer.append(tensor)
        return tensor.name
    }

    /// An int64 initialiser (shapes and axes).
    mutating func int64Constant(_ name: String, _ values: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(name)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.dims = [Int64(values.count)]
        tensor.int64Data = values.map(Int64.init)
        graph.initializer.append(tensor)
        return tensor.name
    }

    /// Appends a node and returns the name of its first output (`outputs` more are named from it;
    /// an empty name leaves that optional output out).
    @discardableResult
    mutating func node(
        _ op: String, _ inputs: [String], name: String, attributes: [Onnx_AttributeProto] = [], outputs: Int = 1,
        skipOutputs: Set<Int> = []
    ) -> [String] {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = uniqueName(name)
        node.input = inputs
        node.output = (0..<outputs).map { skipOutputs.contains($0) ? "" : uniqueName("\(node.name)_out\($0)") }
        node.attribute = attributes
        graph.node.append(node)
        return node.output
    }

    /// A float32 tensor of `dims` (a string is a symbolic dimension such as "batch").
    static func valueInfo(_ name: String, dims: [ONNXDimension]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case .fixed(let n): dim.dimValue = Int64(n)
            case .symbol(let s): dim.dimParam = s
            }
            return dim
        }
        info.type.tensorType = tensor
        return info
    }

    mutating func addInput(_ info: Onnx_ValueInfoProto) {
        used.insert(info.name)
        graph.input.append(info)
    }

    mutating func addOutput(_ info: Onnx_ValueInfoProto) { graph.output.append(info) }
}

enum ONNXDimension: Equatable {
    case fixed(Int)
    case symbol(String)
}

/// Node attributes by type.
enum Attribute {
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }
}
