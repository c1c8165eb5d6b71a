internal import CZlib

/// Thin Swift access to DEFLATE: one-shot compression with zlib (this file, the only one that
/// imports `CZlib`), checksums and whole-buffer inflating with libdeflate (`Deflate.swift`).
public enum Zlib {
    /// The zlib version string the program is linked against, e.g. `1.2.13`.
    public static var version: String { String(cString: zlibVersion()) }

    /// The framing of a deflate stream.
    public enum Wrapper: Sendable {
        /// RFC 1950 zlib stream (PNG `IDAT`).
        case zlib
        /// Raw RFC 1951 deflate (zip entries).
        case raw
        /// RFC 1952 gzip.
        case gzip

        var windowBits: Int32 {
            switch self {
            case .zlib: 15
            case .raw: -15
            case .gzip: 31
            }
        }
    }

    /// Compresses `input` in one call.
    /// - Parameters:
    ///   - input: the bytes to compress.
    ///   - level: 0 (store) to 9 (smallest); 6 is zlib's default.
    ///   - wrapper: the framing to write.
    /// - Returns: the compressed bytes.
    /// - Throws: `ZlibError` if zlib reports a failure (only on memory exhaustion in practice).
    public static func deflate(_ input: [UInt8], level: Int32 = 6, wrapper: Wrapper = .zlib) throws(ZlibError)
        -> [UInt8]
    {
        var stream = z_stream()
        var status = genrekit_deflateInit2(&stream, level, Z_DEFLATED, wrapper.windowBits, 8, Z_DEFAULT_STRATEGY)
        guard status == Z_OK else { throw ZlibError(operation: "deflateInit2", status: status) }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        var produced = 0
        status = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let s = CZlib.deflate(&stream, Z_FINISH)
                produced = outBuf.count - Int(stream.avail_out)
                return s
            }
        }
        guard status == Z_STREAM_END else { throw ZlibError(operation: "deflate", status: status) }
        output.removeSubrange(produced...)
        return output
    }
}

/// A zlib call failed.
public struct ZlibError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let status: Int32
    public var description: String { "zlib \(operation) failed with status \(status)" }
}
