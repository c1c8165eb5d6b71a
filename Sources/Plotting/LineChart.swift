/// One panel of lines over x: a frame, round ticks and grid lines, both axes labelled, a title,
/// and optional vertical markers. The legend is drawn outside the panel (`Legend`).
public struct LineChart {
    public struct Series {
        public var colour: Colour
        public var points: [Point]
        public init(colour: Colour, points: [Point]) { (self.colour, self.points) = (colour, points) }
    }
    /// A dashed vertical line across the panel at `x`.
    public struct Marker {
        public var x: Double
        public var colour: Colour
        public init(x: Double, colour: Colour) { (self.x, self.colour) = (x, colour) }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xTicks: Ticks
    public var yTicks: Ticks
    public var series: [Series]
    public var markers: [Marker]

    public init(
        title: String, xLabel: String, yLabel: String, xTicks: Ticks, yTicks: Ticks, series: [Series],
        markers: [Marker] = []
    ) {
        (self.title, self.xLabel, self.yLabel, self.xTicks, self.yTicks) = (title, xLabel, yLabel, xTicks, yTicks)
        (self.series, self.markers) = (series, markers)
    }

    /// Room around the plotting area: the title above; tick labels and axis labels left and below.
    public static let (marginTop, marginLeft, marginBottom, marginRight) = (28.0, 62.0, 44.0, 12.0)

    /// Draws the panel so that it fills `frame`.
    public func draw(on c: Canvas, in frame: Rect) {
        let plot = Rect(
            x: frame.x + Self.marginLeft, y: frame.y + Self.marginTop,
            width: frame.width - Self.marginLeft - Self.marginRight,
            height: frame.height - Self.marginTop - Self.marginBottom)
        let (x0, x1) = (xTicks.values.first ?? 0, xTicks.values.last ?? 1)
        let (y0, y1) = (yTicks.values.first ?? 0, yTicks.values.last ?? 1)
        // A margin inside the frame on the x axis, as matplotlib leaves: a line or marker at the
        // first or last x stays clear of the frame.
        let inset = plot.width * 0.03
        func px(_ x: Double) -> Double {
            plot.x + inset + (plot.width - 2 * inset) * (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5)
        }
        func py(_ y: Double) -> Double {
            plot.bottom - plot.height * min(max(y1 > y0 ? (y - y0) / (y1 - y0) : 0.5, 0), 1)
        }
        c.text(title, at: Point(plot.midX, frame.y + 16), size: 12, anchor: .middle, bold: true)
        for (v, label) in zip(yTicks.values, yTicks.labels) {
            c.line([Point(plot.x, py(v)), Point(plot.right, py(v))], .grid, width: 0.6)
            c.text(label, at: Point(plot.x - 5, py(v) + 3.5), size: 9.5, anchor: .end)
        }
        for (v, label) in zip(xTicks.values, xTicks.labels) {
            c.line([Point(px(v), plot.bottom), Point(px(v), plot.bottom + 4)], .axis, width: 0.8)
            c.text(label, at: Point(px(v), plot.bottom + 15), size: 9.5, anchor: .middle)
        }
        c.text(xLabel, at: Point(plot.midX, plot.bottom + 33), size: 10.5, anchor: .middle)
        c.text(yLabel, at: Point(frame.x + 14, plot.midY), size: 10.5, anchor: .middle, degrees: 90)
        for m in markers where m.x >= x0 && m.x <= x1 {
            c.line([Point(px(m.x), plot.y), Point(px(m.x), plot.bottom)], m.colour, width: 1.2, dash: [5, 3])
        }
        for s in series {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { Point(px($0.x), py($0.y)) }
            if points.count == 1 { c.dot(points[0], radius: 2.5, s.colour) }
            c.line(points, s.colour, width: 1.8)
        }
        c.stroke(plot, .axis, width: 0.8)
    }
}

/// A legend: a sample of each line's style and its label, one entry per row.
public struct Legend {
    public enum Style { case line, dashed }
    public struct Entry {
        public var label: String
        public var colour: Colour
        public var style: Style
        public init(_ label: String, _ colour: Colour, _ style: Style = .line) {
            (self.label, self.colour, self.style) = (label, colour, style)
        }
    }
    public var entries: [Entry]
    public init(_ entries: [Entry]) { self.entries = entries }

    static let rowHeight = 17.0
    static let sampleWidth = 24.0

    /// The width it needs (labels measured in its font).
    public func width(on c: Canvas) -> Double {
        Self.sampleWidth + 8 + (entries.map { c.textWidth($0.label, size: 10) }.max() ?? 0)
    }

    public var height: Double { Double(entries.count) * Self.rowHeight }

    /// Draws the legend with its top-left corner at `origin`.
    public func draw(on c: Canvas, at origin: Point) {
        for (i, e) in entries.enumerated() {
            let y = origin.y + Double(i) * Self.rowHeight + 8
            c.line(
                [Point(origin.x, y - 3.5), Point(origin.x + Self.sampleWidth, y - 3.5)], e.colour,
                width: e.style == .line ? 1.8 : 1.2, dash: e.style == .dashed ? [5, 3] : [])
            c.text(e.label, at: Point(origin.x + Self.sampleWidth + 8, y), size: 10)
        }
    }
}
