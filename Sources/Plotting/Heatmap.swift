/// A labelled matrix of coloured cells with a text in each (a confusion matrix): row labels on
/// the left, column labels below (rotated), both axes named, a title above.
public struct Heatmap {
    public var title: String
    public var rowAxis: String
    public var columnAxis: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// What each cell's colour shows, 0...1 (`map`).
    public var values: [[Double]]
    public var texts: [[String]]
    public var map: ColourMap

    public init(
        title: String, rowAxis: String, columnAxis: String, rowLabels: [String], columnLabels: [String],
        values: [[Double]], texts: [[String]], map: ColourMap = .blues
    ) {
        (self.title, self.rowAxis, self.columnAxis) = (title, rowAxis, columnAxis)
        (self.rowLabels, self.columnLabels, self.values, self.texts, self.map) = (
            rowLabels, columnLabels, values, texts, map
        )
    }

    static let cell = 30.0
    static let labelSize = 10.0
    public static let (titleHeight, axisLabelWidth, gap) = (26.0, 20.0, 6.0)

    /// The room the labels need, measured: the widest row label, and the deepest rotated column label.
    func labelRoom(on c: Canvas) -> (left: Double, below: Double) {
        let rows = rowLabels.map { c.textWidth($0, size: Self.labelSize) }.max() ?? 0
        let columns = columnLabels.map { c.textWidth($0, size: Self.labelSize) }.max() ?? 0
        return (rows + Self.gap, columns * 0.7071 + Self.labelSize + Self.gap)
    }

    /// The panel's size.
    public func size(on c: Canvas) -> (width: Double, height: Double) {
        let room = labelRoom(on: c)
        return (
            Self.axisLabelWidth + room.left + Double(columnLabels.count) * Self.cell + 10,
            Self.titleHeight + Double(rowLabels.count) * Self.cell + room.below + 22
        )
    }

    /// Draws the panel with its top-left corner at `origin`.
    public func draw(on c: Canvas, at origin: Point) {
        let room = labelRoom(on: c)
        let grid = Rect(
            x: origin.x + Self.axisLabelWidth + room.left, y: origin.y + Self.titleHeight,
            width: Double(columnLabels.count) * Self.cell, height: Double(rowLabels.count) * Self.cell)
        c.text(title, at: Point(grid.midX, origin.y + 15), size: 11.5, anchor: .middle, bold: true)
        for (r, label) in rowLabels.enumerated() {
            let y = grid.y + Double(r) * Self.cell
            c.text(label, at: Point(grid.x - Self.gap, y + Self.cell / 2 + 3.5), size: Self.labelSize, anchor: .end)
            for (col, value) in values[r].enumerated() {
                let box = Rect(x: grid.x + Double(col) * Self.cell, y: y, width: Self.cell, height: Self.cell)
                c.fill(box, map.colour(value))
                c.text(
                    texts[r][col], at: Point(box.midX, box.midY + 3.2), size: 9, anchor: .middle,
                    colour: map.textColour(value))
            }
        }
        c.stroke(grid, .axis, width: 0.8)
        for (col, label) in columnLabels.enumerated() {
            let x = grid.x + (Double(col) + 0.5) * Self.cell + 3
            c.text(label, at: Point(x, grid.bottom + Self.gap + 2), size: Self.labelSize, anchor: .end, degrees: 45)
        }
        c.text(columnAxis, at: Point(grid.midX, grid.bottom + room.below + 12), size: 10.5, anchor: .middle)
        c.text(rowAxis, at: Point(origin.x + 12, grid.midY), size: 10.5, anchor: .middle, degrees: 90)
    }
}

/// The scale of a colour map: a vertical bar from 0 (bottom) to 1 (top), ticks, and a label.
public struct ColourBar {
    public var label: String
    public var map: ColourMap
    public init(label: String, map: ColourMap = .blues) { (self.label, self.map) = (label, map) }

    public static let width = 62.0

    /// Draws the bar down the height of `frame`.
    public func draw(on c: Canvas, in frame: Rect) {
        let bar = Rect(x: frame.x, y: frame.y, width: 14, height: frame.height)
        let steps = 100
        for i in 0..<steps {
            let h = bar.height / Double(steps)
            c.fill(
                Rect(x: bar.x, y: bar.bottom - Double(i + 1) * h, width: bar.width, height: h + 0.3),
                map.colour((Double(i) + 0.5) / Double(steps)))
        }
        c.stroke(bar, .axis, width: 0.8)
        let ticks = Ticks.covering(0, 1, count: 5)
        for (v, text) in zip(ticks.values, ticks.labels) {
            let y = bar.bottom - bar.height * v
            c.line([Point(bar.right, y), Point(bar.right + 4, y)], .axis, width: 0.8)
            c.text(text, at: Point(bar.right + 6, y + 3.5), size: 9.5)
        }
        c.text(label, at: Point(bar.right + 44, bar.midY), size: 10.5, anchor: .middle, degrees: 90)
    }
}
