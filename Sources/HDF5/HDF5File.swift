internal import CHDF5
import Synchronization

/// A failed HDF5 call: the file and what was being done.
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// The one lock around the HDF5 library: Debian's build is not thread-safe, and tests (and
/// any program) may write two files at once.
private let library = Mutex<Void>(())

/// HDF5's own error printing, off: failures become `HDF5Error`s.
private let quiet: Void = { H5Eset_auto2(genrekit_h5e_default(), nil, nil) }()

/// Writes an HDF5 file of groups and float32 datasets, as the Keras weights file needs. No
/// object records a modification time, so the same calls give the same bytes.
public final class HDF5Writer {
    public let path: String
    private var file: hid_t
    private let groupProperties: hid_t
    private let datasetProperties: hid_t

    /// Creates `path`, replacing any file there.
    public init(path: String) throws(HDF5Error) {
        self.path = path
        _ = quiet
        (file, groupProperties, datasetProperties) = library.withLock { _ in
            let g = H5Pcreate(genrekit_h5p_group_create())
            let d = H5Pcreate(genrekit_h5p_dataset_create())
            H5Pset_obj_track_times(g, false)
            H5Pset_obj_track_times(d, false)
            let f = H5Fcreate(path, genrekit_h5f_acc_trunc(), genrekit_h5_default(), genrekit_h5_default())
            return (f, g, d)
        }
        guard file >= 0 else { throw HDF5Error(path: path, message: "cannot create the HDF5 file") }
    }

    deinit { try? close() }

    /// Creates the group at `path` (its parents must exist), with string attributes.
    public func createGroup(_ group: String, attributes: [String: String] = [:]) throws(HDF5Error) {
        let ok = library.withLock { _ -> Bool in
            let id = H5Gcreate2(file, group, genrekit_h5_default(), groupProperties, genrekit_h5_default())
            guard id >= 0 else { return false }
            defer { H5Gclose(id) }
            return attributes.keys.sorted().allSatisfy { Self.writeAttribute(id, $0, attributes[$0]!) }
        }
        guard ok else { throw HDF5Error(path: path, message: "cannot create group \(group)") }
    }

    /// Writes a float32 (little-endian) dataset of `shape` at `dataset`.
    public func writeFloats(_ dataset: String, shape: [Int], _ values: [Float]) throws(HDF5Error) {
        guard shape.reduce(1, *) == values.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw HDF5Error(path: path, message: "\(dataset): \(values.count) values for shape \(shape)")
        }
        let ok = library.withLock { _ -> Bool in
            var dims = shape.map { hsize_t($0) }
            let space = H5Screate_simple(Int32(dims.count), &dims, nil)
            guard space >= 0 else { return false }
            defer { H5Sclose(space) }
            let id = H5Dcreate2(
                file, dataset, genrekit_h5t_ieee_f32le(), space, genrekit_h5_default(), datasetProperties,
                genrekit_h5_default())
            guard id >= 0 else { return false }
            defer { H5Dclose(id) }
            return values.withUnsafeBufferPointer {
                H5Dwrite(
                    id, genrekit_h5t_native_float(), genrekit_h5s_all(), genrekit_h5s_all(), genrekit_h5_default(),
                    $0.baseAddress) >= 0
            }
        }
        guard ok else { throw HDF5Error(path: path, message: "cannot write dataset \(dataset)") }
    }

    /// Flushes and closes the file; later calls do nothing.
    public func close() throws(HDF5Error) {
        guard file >= 0 else { return }
        let status = library.withLock { _ in
            H5Pclose(groupProperties)
            H5Pclose(datasetProperties)
            return H5Fclose(file)
        }
        file = -1
        guard status >= 0 else { throw HDF5Error(path: path, message: "cannot finish the HDF5 file") }
    }

    private static func writeAttribute(_ object: hid_t, _ name: String, _ value: String) -> Bool {
        let type = H5Tcopy(genrekit_h5t_c_s1())
        defer { H5Tclose(type) }
        let bytes = Array(value.utf8)
        H5Tset_size(type, max(bytes.count, 1))
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, type, space, genrekit_h5_default(), genrekit_h5_default())
        guard attribute >= 0 else { return false }
        defer { H5Aclose(attribute) }
        let padded = bytes.isEmpty ? [UInt8(0)] : bytes
        return padded.withUnsafeBufferPointer { H5Awrite(attribute, type, $0.baseAddress) >= 0 }
    }
}

/// Reads float32 datasets of an HDF5 file back, checked: every shape is read before any data,
/// and a dataset larger than the caller allows is refused before memory is taken for it.
public final class HDF5Reader {
    public let path: String
    private var file: hid_t

    public init(path: String) throws(HDF5Error) {
        self.path = path
        _ = quiet
        file = library.withLock { _ in H5Fopen(path, genrekit_h5f_acc_rdonly(), genrekit_h5_default()) }
        guard file >= 0 else { throw HDF5Error(path: path, message: "not a readable HDF5 file") }
    }

    deinit { _ = library.withLock { _ in H5Fclose(file) } }

    /// Whether `object` (a group or dataset path) exists, each of its parents too.
    public func exists(_ object: String) -> Bool {
        library.withLock { _ in
            var prefix = ""
            for part in object.split(separator: "/") {
                prefix += "/" + part
                guard H5Lexists(file, prefix, genrekit_h5_default()) > 0 else { return false }
            }
            return true
        }
    }

    /// The members of a group, in name order.
    public func members(_ group: String) throws(HDF5Error) -> [String] {
        let names = library.withLock { _ -> [String]? in
            let id = H5Gopen2(file, group, genrekit_h5_default())
            guard id >= 0 else { return nil }
            defer { H5Gclose(id) }
            var info = H5G_info_t()
            guard H5Gget_info(id, &info) >= 0, info.nlinks < 100_000 else { return nil }
            return (0..<info.nlinks).compactMap { i -> String? in
                let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, genrekit_h5_default())
                guard length >= 0, length < 4096 else { return nil }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, genrekit_h5_default())
                return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        guard let names else { throw HDF5Error(path: path, message: "cannot list group \(group)") }
        return names
    }

    /// A float32 dataset's shape and values; refused when it holds more than `maxValues`.
    public func readFloats(_ dataset: String, maxValues: Int) throws(HDF5Error) -> (shape: [Int], values: [Float]) {
        let result = library.withLock { _ -> Result<([Int], [Float]), HDF5Error> in
            let id = H5Dopen2(file, dataset, genrekit_h5_default())
            guard id >= 0 else { return .failure(HDF5Error(path: path, message: "no dataset \(dataset)")) }
            defer { H5Dclose(id) }
            let space = H5Dget_space(id)
            defer { H5Sclose(space) }
            let rank = H5Sget_simple_extent_ndims(space)
            guard (0...8).contains(rank) else {
                return .failure(HDF5Error(path: path, message: "\(dataset): rank \(rank)"))
            }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            H5Sget_simple_extent_dims(space, &dims, nil)
            var count = 1
            for d in dims {
                let (n, overflow) = count.multipliedReportingOverflow(by: Int(clamping: d))
                guard !overflow, n <= maxValues else {
                    return .failure(HDF5Error(path: path, message: "\(dataset): more than \(maxValues) values"))
                }
                count = n
            }
            var values = [Float](repeating: 0, count: count)
            let status = values.withUnsafeMutableBufferPointer {
                H5Dread(
                    id, genrekit_h5t_native_float(), genrekit_h5s_all(), genrekit_h5s_all(), genrekit_h5_default(),
                    $0.baseAddress)
            }
            guard status >= 0 else {
                return .failure(HDF5Error(path: path, message: "cannot read \(dataset) as float32"))
            }
            return .success((dims.map { Int($0) }, values))
        }
        return try result.get()
    }
}
