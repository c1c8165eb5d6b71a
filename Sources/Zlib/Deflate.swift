internal import CDeflate

/// libdeflate's checksums and whole-buffer inflate: several times faster than zlib's checksums
/// and a quarter faster at inflating (1.14 against zlib 1.2.13, measured on WAV audio), for the
/// jobs that have a whole entry in memory. This is the only file that imports `CDeflate`.
extension Zlib {
    /// CRC-32 (the zip/PNG polynomial) of `bytes`, continuing from `crc`.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return libdeflate_crc32(crc, base, bytes.count)
    }

    /// CRC-32 of a byte array.
    public static func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0, continuing: crc) }
    }

    /// Adler-32 of `bytes`, continuing from `adler` (1 starts a new checksum).
    public static func adler32(_ bytes: UnsafeRawBufferPointer, continuing adler: UInt32 = 1) -> UInt32 {
        guard let base = bytes.baseAddress else { return adler }
        return libdeflate_adler32(adler, base, bytes.count)
    }
}

/// Inflates raw DEFLATE streams (zip entries) whose inflated size is known, into a buffer of
/// exactly that size: libdeflate never writes past the buffer, so a stream that would inflate
/// to more is refused, not followed. One instance per thread.
public final class RawInflater {
    private let decompressor: OpaquePointer

    public init() {
        // Allocation fails only when memory is exhausted.
        decompressor = libdeflate_alloc_decompressor()!
    }

    deinit { libdeflate_free_decompressor(decompressor) }

    /// Inflates `input` into `output`.
    /// - Returns: true when `input` holds exactly one complete stream, every byte of it used, that
    ///   inflates to exactly `output.count` bytes; false for anything else (damaged, shorter,
    ///   longer, or followed by other bytes).
    public func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        var used = 0
        var produced = 0
        // libdeflate reads no byte outside `input` and writes none outside `output`, empty ones
        // included; it still wants addresses.
        var none: UInt8 = 0
        return withUnsafeMutablePointer(to: &none) { spare in
            let status = libdeflate_deflate_decompress_ex(
                decompressor, input.baseAddress ?? UnsafeRawPointer(spare), input.count,
                output.baseAddress ?? UnsafeMutableRawPointer(spare), output.count, &used, &produced)
            return status == LIBDEFLATE_SUCCESS && used == input.count && produced == output.count
        }
    }
}
