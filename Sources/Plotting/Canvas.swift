internal import CCairo
import Foundation

/// A point in a figure's units (points, 1/72 inch; a PNG is drawn at `Figure.defaultPNGScale` pixels per
/// point).
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { (self.x, self.y) = (x, y) }
}

/// A rectangle from its top-left corner.
public struct Rect: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }
    public var right: Double { x + width }
    public var bottom: Double { y + height }
    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }
}

/// Where a text's anchor point sits along its baseline.
public enum TextAnchor: Sendable { case start, middle, end }

/// The few drawing operations figures need, on one cairo context. Text is DejaVu Sans (the font
/// `make deps` installs) without hinting, so an SVG and a PNG of one figure lay out alike.
public final class Canvas {
    static let fontFamily = "DejaVu Sans"
    let cr: OpaquePointer

    init(_ cr: OpaquePointer) {
        self.cr = cr
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
    }

    func source(_ c: Colour) { cairo_set_source_rgb(cr, c.red, c.green, c.blue) }

    public func fill(_ r: Rect, _ colour: Colour) {
        source(colour)
        cairo_rectangle(cr, r.x, r.y, r.width, r.height)
        cairo_fill(cr)
    }

    public func stroke(_ r: Rect, _ colour: Colour, width: Double = 1) {
        source(colour)
        cairo_set_line_width(cr, width)
        cairo_rectangle(cr, r.x, r.y, r.width, r.height)
        cairo_stroke(cr)
    }

    /// A line through `points`; `dash` gives on and off lengths (empty: solid).
    public func line(_ points: [Point], _ colour: Colour, width: Double = 1, dash: [Double] = []) {
        guard let first = points.first else { return }
        source(colour)
        cairo_set_line_width(cr, width)
        cairo_set_dash(cr, dash, Int32(dash.count), 0)
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    public func dot(_ p: Point, radius: Double, _ colour: Colour) {
        source(colour)
        cairo_new_sub_path(cr)
        cairo_arc(cr, p.x, p.y, radius, 0, 2 * Double.pi)
        cairo_fill(cr)
    }

    /// Text with its baseline through `at` (rotated about it by `degrees`, counter-clockwise).
    public func text(
        _ s: String, at p: Point, size: Double, anchor: TextAnchor = .start, colour: Colour = .black,
        bold: Bool = false, degrees: Double = 0
    ) {
        font(size: size, bold: bold)
        let width = advance(s)
        cairo_save(cr)
        cairo_translate(cr, p.x, p.y)
        cairo_rotate(cr, -degrees * Double.pi / 180)
        let dx = anchor == .start ? 0 : anchor == .middle ? -width / 2 : -width
        cairo_move_to(cr, dx, 0)
        source(colour)
        cairo_show_text(cr, s)
        cairo_new_path(cr)
        cairo_restore(cr)
    }

    /// How far `s` advances at `size`.
    public func textWidth(_ s: String, size: Double, bold: Bool = false) -> Double {
        font(size: size, bold: bold)
        return advance(s)
    }

    func font(size: Double, bold: Bool) {
        cairo_select_font_face(
            cr, Self.fontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    func advance(_ s: String) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, s, &extents)
        return extents.x_advance
    }
}

/// Why a figure could not be drawn (cairo's own words).
public struct PlotError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "cannot draw the figure (\(message))" }
}

extension Canvas {
    /// Collects what a cairo surface writes.
    final class Sink {
        var bytes: [UInt8] = []
    }

    /// Draws `body` on a `width` x `height` surface and returns the file's bytes: an SVG 1.1
    /// document, or a PNG at `scale` pixels per point.
    static func render(
        width: Double, height: Double, format: ImageFormat, scale: Double, body: (Canvas) -> Void
    ) throws(PlotError) -> [UInt8] {
        let sink = Sink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }
        let surface: OpaquePointer
        switch format {
        case .svg:
            surface = cairo_svg_surface_create_for_stream(write, context, width, height)
            cairo_svg_surface_restrict_to_version(surface, CAIRO_SVG_VERSION_1_1)
        case .png:
            surface = cairo_image_surface_create(
                CAIRO_FORMAT_RGB24, Int32((width * scale).rounded(.up)), Int32((height * scale).rounded(.up)))
        }
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface))
        let cr = cairo_create(surface)!
        if format == .png { cairo_scale(cr, scale, scale) }
        body(Canvas(cr))
        let drawn = cairo_status(cr)
        cairo_destroy(cr)
        try check(drawn)
        switch format {
        case .svg: cairo_surface_finish(surface)
        case .png: try check(cairo_surface_write_to_png_stream(surface, write, context))
        }
        try check(cairo_surface_status(surface))
        return withExtendedLifetime(sink) { format == .svg ? SVGIdentifiers.renumber(sink.bytes) : sink.bytes }
    }

    /// A canvas on a tiny surface, for measuring text before a figure's size is known.
    static func measuring<T>(_ body: (Canvas) -> T) -> T {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)!
        let cr = cairo_create(surface)!
        defer {
            cairo_destroy(cr)
            cairo_surface_destroy(surface)
        }
        return body(Canvas(cr))
    }

    static func check(_ status: cairo_status_t) throws(PlotError) {
        guard status != CAIRO_STATUS_SUCCESS else { return }
        throw PlotError(message: String(cString: cairo_status_to_string(status)))
    }
}
