/// What a figure is written as.
public enum ImageFormat: String, CaseIterable, Sendable {
    case svg, png
}

/// A figure of a fixed size and the drawing that fills it; rendered to SVG or PNG by cairo. The
/// same figure gives the same bytes (cairo's process-wide SVG ids are renumbered).
public struct Figure {
    /// Pixels per point in a PNG, as long as neither side passes `maxPNGPixels`.
    public static let defaultPNGScale = 2.0
    /// A PNG's longest side at most: memory for the image stays under 64 MB.
    public static let maxPNGPixels = 4096.0

    /// Pixels per point in this figure's PNG.
    public var pngScale: Double { min(Self.defaultPNGScale, Self.maxPNGPixels / max(width, height, 1)) }
    public let width: Double
    public let height: Double
    let draw: (Canvas) -> Void

    /// A figure of at least `width` x `height` points, rounded up to whole points so that a PNG's
    /// last row and column are painted too.
    public init(width: Double, height: Double, draw: @escaping (Canvas) -> Void) {
        (self.width, self.height, self.draw) = (width.rounded(.up), height.rounded(.up), draw)
    }

    /// The figure as an SVG document or a PNG image, on a white background.
    public func render(_ format: ImageFormat) throws(PlotError) -> [UInt8] {
        try Canvas.render(width: width, height: height, format: format, scale: pngScale) { canvas in
            canvas.fill(Rect(x: 0, y: 0, width: width, height: height), .white)
            draw(canvas)
        }
    }

    /// Text widths for laying a figure out before drawing it.
    public static func measure<T>(_ body: (Canvas) -> T) -> T { Canvas.measuring(body) }
}
