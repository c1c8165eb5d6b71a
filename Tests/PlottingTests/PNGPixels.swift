import CCairo
import Foundation

/// A PNG read back by cairo (libpng), as a person's image viewer would.
struct PNGPixels {
    let width: Int
    let height: Int
    private let rows: [[UInt32]]

    init?(_ bytes: [UInt8]) {
        final class Source {
            var bytes: [UInt8]
            var offset = 0
            init(_ bytes: [UInt8]) { self.bytes = bytes }
        }
        let source = Source(bytes)
        let read: cairo_read_func_t = { closure, data, length in
            let source = Unmanaged<Source>.fromOpaque(closure!).takeUnretainedValue()
            guard let data, source.offset + Int(length) <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            for i in 0..<Int(length) { data[i] = source.bytes[source.offset + i] }
            source.offset += Int(length)
            return CAIRO_STATUS_SUCCESS
        }
        let surface = withExtendedLifetime(source) {
            cairo_image_surface_create_from_png_stream(read, Unmanaged.passUnretained(source).toOpaque())!
        }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { return nil }
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        (self.width, self.height) = (width, height)
        rows = (0..<height).map { y in
            data.advanced(by: y * stride).withMemoryRebound(to: UInt32.self, capacity: width) { row in
                (0..<width).map { row[$0] & 0xff_ffff }
            }
        }
    }

    /// `0xRRGGBB` at pixel (x, y).
    func rgb(_ x: Int, _ y: Int) -> UInt32 { rows[y][x] }

    /// How many pixels in the rectangle are not white.
    func inked(x: Range<Int>, y: Range<Int>) -> Int {
        y.reduce(0) { n, row in n + x.filter { rows[row][$0] != 0xff_ffff }.count }
    }
}
