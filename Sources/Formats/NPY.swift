import Archive
import Basics
import Foundation

/// A NumPy array as stored in a `.npy` file (format 1.0 to 3.0, little-endian, C order).
public struct NPYArray: Sendable, Equatable {
    /// NumPy dtype strings GenreKit reads and writes.
    public enum DType: String, Sendable {
        case float32 = "<f4"
        case float64 = "<f8"
        case int64 = "<i8"
        case int32 = "<i4"
        case int16 = "<i2"
        case uint8 = "|u1"

        public var size: Int {
            switch self {
            case .float32, .int32: 4
            case .float64, .int64: 8
            case .int16: 2
            case .uint8: 1
            }
        }
    }

    public var dtype: DType
    public var shape: [Int]
    /// The raw little-endian element bytes.
    public var data: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    public init(dtype: DType, shape: [Int], data: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    public init(_ values: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, data: Self.bytes(of: values))
    }
    public init(_ values: [Int64], shape: [Int]) {
        self.init(dtype: .int64, shape: shape, data: Self.bytes(of: values))
    }
    public init(_ values: [Int32], shape: [Int]) {
        self.init(dtype: .int32, shape: shape, data: Self.bytes(of: values))
    }

    /// The elements as Float (float32 as is, float64 and integers converted).
    public func floats() -> [Float] {
        switch dtype {
        case .float32: elements(Float.self)
        case .float64: elements(Double.self).map { Float($0) }
        case .int64: elements(Int64.self).map { Float($0) }
        case .int32: elements(Int32.self).map { Float($0) }
        case .int16: elements(Int16.self).map { Float($0) }
        case .uint8: data.map { Float($0) }
        }
    }

    /// The elements as Int64 (integer dtypes only; nil for floating point).
    public func integers() -> [Int64]? {
        switch dtype {
        case .int64: elements(Int64.self)
        case .int32: elements(Int32.self).map { Int64($0) }
        case .int16: elements(Int16.self).map { Int64($0) }
        case .uint8: data.map { Int64($0) }
        case .float32, .float64: nil
        }
    }

    private func elements<T>(_: T.Type) -> [T] {
        data.withUnsafeBytes { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
        }
    }

    private static func bytes<T>(of values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }
}

/// Reads and writes `.npy` files and `.npz` archives as NumPy does (`numpy.save`,
/// `numpy.savez_compressed`, `numpy.load`).
public enum NPY {
    /// The bytes of a `.npy` file, format 1.0: magic, header length, a Python dict literal
    /// padded with spaces to a multiple of 64 bytes, then the data.
    public static func encode(_ array: NPYArray) -> [UInt8] {
        header(dtype: array.dtype, shape: array.shape) + array.data
    }

    /// The bytes before the data of a `.npy` file of this dtype and shape; append the
    /// little-endian C-order elements to make the file.
    public static func header(dtype: NPYArray.DType, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    }

    /// Parses a `.npy` file. Every number in the header is checked before use: the dtype, the
    /// order flag and each dimension are parsed strictly, and the shape's byte size (computed
    /// without overflow) must be exactly the data that follows.
    /// - Throws: `FormatError` naming `name` when the bytes are not a `.npy` GenreKit reads.
    public static func decode(_ bytes: consuming [UInt8], name: String = "array") throws(FormatError) -> NPYArray {
        func bad(_ why: String) -> FormatError { FormatError(.npy, path: name, why) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw bad("no NUMPY magic")
        }
        let major = bytes[6]
        let (headerStart, headerLength): (Int, Int)
        switch major {
        case 1: (headerStart, headerLength) = (10, Int(bytes[8]) | Int(bytes[9]) << 8)
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("short header") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default: throw bad("format version \(major)")
        }
        guard headerLength <= bytes.count - headerStart else { throw bad("short header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard let descr = field(header, "descr").map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }),
            let dtype = NPYArray.DType(rawValue: descr == "<u1" ? "|u1" : descr)
        else { throw bad("unsupported dtype in \(EntryName.display(header))") }
        let order = field(header, "fortran_order")
        guard order == "True" || order == "False" else { throw bad("fortran_order is neither True nor False") }
        guard let shapeText = field(header, "shape"), let shape = parseShape(shapeText) else {
            throw bad("the shape is not a tuple of sizes")
        }
        guard let size = byteSize(shape, dtype.size) else { throw bad("the shape \(shape) is too large") }
        let start = headerStart + headerLength
        guard bytes.count - start == size else {
            throw bad("holds \(bytes.count - start) data bytes, shape \(shape) needs \(size)")
        }
        bytes.removeSubrange(0..<start)
        let data = order == "True" ? cOrder(fromFortran: bytes, shape: shape, size: dtype.size) : bytes
        return NPYArray(dtype: dtype, shape: shape, data: data)
    }

    /// `(3, 130, 13)`, `(5,)` or `()`: every dimension a non-negative integer, at most 32 of them.
    static func parseShape(_ text: String) -> [Int]? {
        guard text.hasPrefix("("), text.hasSuffix(")") else { return nil }
        let parts = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let dims = parts.last == "" ? parts.dropLast() : parts[...]
        guard dims.count <= 32 else { return nil }
        var shape: [Int] = []
        for d in dims {
            guard let n = Int(d), n >= 0, d.allSatisfy(\.isNumber) else { return nil }
            shape.append(n)
        }
        return shape
    }

    /// The bytes a shape of elements of `size` bytes takes, or nil if that overflows.
    static func byteSize(_ shape: [Int], _ size: Int) -> Int? {
        var total = size
        for d in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Reads a `.npy` file.
    public static func read(path: String) throws -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError.io(path: path, message: "cannot read the file")
        }
        return try decode(Array(data), name: path)
    }

    /// Writes a `.npz` as `numpy.savez_compressed` does: a zip of `<name>.npy` entries, deflated,
    /// in the order given. Atomic (temporary name, then rename); fixed entry times, so the same
    /// arrays give the same bytes.
    public static func writeArchive(_ arrays: [(String, NPYArray)], to path: String) throws {
        try writeArchive(encoded: arrays.map { ($0.0, encode($0.1)) }, to: path)
    }

    /// Writes a `.npz` of arrays already encoded as `.npy` bytes (see `header(dtype:shape:)`).
    /// - Returns: the file's SHA-256 and size, as written.
    @discardableResult
    public static func writeArchive(encoded arrays: [(String, [UInt8])], to path: String) throws
        -> (sha256: String, bytes: Int)
    {
        try writeArchive(arrays.map { Member.encoded($0.0, $0.1) }, to: path)
    }

    /// One array of a `.npz` being written: its `.npy` bytes at once, or its header and then its
    /// data handed over in pieces (an array too large to hold twice).
    public struct Member: Sendable {
        let name: String
        let size: Int
        let fill: @Sendable (_ write: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws -> Void

        public static func encoded(_ name: String, _ bytes: [UInt8]) -> Member {
            Member(name: name, size: bytes.count) { write in try bytes.withUnsafeBytes { try write($0) } }
        }

        /// An array of `dtype` and `shape` whose C-order data `fill` gives in pieces, exactly
        /// `shape`'s byte size in all.
        public static func streamed(
            _ name: String, dtype: NPYArray.DType, shape: [Int],
            fill: @escaping @Sendable (_ write: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws -> Void
        ) -> Member {
            let header = header(dtype: dtype, shape: shape)
            return Member(name: name, size: header.count + shape.reduce(dtype.size, *)) { write in
                try header.withUnsafeBytes { try write($0) }
                try fill(write)
            }
        }
    }

    /// Writes a `.npz` as `numpy.savez_compressed` (deflate) or `numpy.savez` (store) does,
    /// member by member in the order given.
    /// - Returns: the file's SHA-256 and size, as written.
    @discardableResult
    public static func writeArchive(_ members: [Member], to path: String, compression: NPZCompression = .deflate)
        throws -> (sha256: String, bytes: Int)
    {
        let writer = try ArchiveWriter(path: path, format: .zip(level: compression.level))
        for member in members { try writer.addFile(member.name + ".npy", size: member.size, fill: member.fill) }
        return try writer.finish()
    }

    /// Limits for reading `.npz` files: integer arrays (labels) deflate far past 100:1, so the
    /// ratio is deflate's own maximum (about 1032:1) and memory is bounded by the sizes instead.
    public static let archiveLimits = ArchiveLimits(
        maxTotalBytes: 64 << 30, maxEntryBytes: 32 << 30, maxCompressionRatio: 1100, maxEntries: 64)

    /// Reads every array of a `.npz`, by name without `.npy`.
    /// - Parameter limits: what the archive may inflate to (`archiveLimits` by default).
    public static func readArchive(path: String, limits: ArchiveLimits = archiveLimits) throws -> [String: NPYArray] {
        try readArchive(source: .file(path), limits: limits)
    }

    /// Reads every array of a `.npz` held in a file or in memory.
    public static func readArchive(source: ArchiveSource, limits: ArchiveLimits = archiveLimits) throws
        -> [String: NPYArray]
    {
        let path = source.name
        let reader = try SafeArchiveReader(source: source, limits: limits)
        var arrays: [String: NPYArray] = [:]
        while let entry = try reader.next() {
            guard entry.kind == .file, entry.path.hasSuffix(".npy") else { continue }
            arrays[String(entry.path.dropLast(4))] = try decode(try reader.readAll(), name: "\(path):\(entry.path)")
        }
        return arrays
    }

    /// Reorders column-major (Fortran) element bytes into row-major (C) order.
    static func cOrder(fromFortran data: [UInt8], shape: [Int], size: Int) -> [UInt8] {
        guard shape.count > 1, !data.isEmpty else { return data }
        var fortranStrides = [Int](repeating: 1, count: shape.count)
        for d in 1..<shape.count { fortranStrides[d] = fortranStrides[d - 1] * shape[d - 1] }
        var out = [UInt8](repeating: 0, count: data.count)
        var index = [Int](repeating: 0, count: shape.count)
        let count = shape.reduce(1, *)
        for c in 0..<count {
            let f = zip(index, fortranStrides).reduce(0) { $0 + $1.0 * $1.1 }
            for b in 0..<size { out[c * size + b] = data[f * size + b] }
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// The text of `'key': value` in a header dict (value up to the next top-level comma).
    static func field(_ header: String, _ key: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var value = ""
        for c in header[keyRange.upperBound...] {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if (c == "," && depth == 0) || c == "}" { break }
            value.append(c)
        }
        return value.trimmingCharacters(in: .whitespaces)
    }
}

/// How a `.npz` holds its arrays. `numpy.load` reads both.
public enum NPZCompression: String, ClosedChoice {
    /// As `numpy.savez`: float32 features hardly compress (about 8 % for MFCCs), and deflating
    /// them was a fifth of `prepare`'s time.
    case store
    /// As `numpy.savez_compressed` (deflate, level 6).
    case deflate

    public static let noun = "compression"

    var level: Int { self == .store ? 0 : 6 }
}
