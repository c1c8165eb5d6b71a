import Basics
import Foundation
import Plotting

/// The figures of a run, drawn with cairo and written as SVG and PNG: `curves` (accuracy and
/// loss per epoch) and `confusion` (the test confusion matrices of segments and tracks).
public enum RunPlots {
    /// The files one figure becomes: `NAME.svg` and `NAME.png`.
    public static func fileNames(_ name: String) -> [String] { ImageFormat.allCases.map { "\(name).\($0.rawValue)" } }

    /// Every plot file a finished run holds.
    public static let runFiles = fileNames("curves") + fileNames("confusion")

    /// Training and validation accuracy (left) and loss (right) per epoch, with a dashed line at
    /// `bestEpoch` (the epoch whose weights were kept; 0: none) and the legend to the right.
    public static func curves(_ history: [EpochRecord], bestEpoch: Int, title: String) -> Figure {
        let epochs = Ticks.counting(to: max(history.last?.epoch ?? 1, 2))
        let losses = history.flatMap { [$0.loss, $0.valLoss] }.filter(\.isFinite)
        let lossTicks = Ticks.covering(0, max(losses.max() ?? 1, 1e-3))
        func series(_ key: KeyPath<EpochRecord, Double>) -> [Point] {
            history.map { Point(Double($0.epoch), $0[keyPath: key]) }
        }
        let markers = bestEpoch > 0 ? [LineChart.Marker(x: Double(bestEpoch), colour: .grey)] : []
        let accuracy = LineChart(
            title: "accuracy", xLabel: "epoch", yLabel: "accuracy (segments)", xTicks: epochs,
            yTicks: Ticks.covering(0, 1),
            series: [
                .init(colour: .blue, points: series(\.accuracy)), .init(colour: .orange, points: series(\.valAccuracy)),
            ],
            markers: markers)
        var loss = accuracy
        loss.title = "loss"
        loss.yLabel = "cross-entropy loss (segments)"
        loss.yTicks = lossTicks
        loss.series = [.init(colour: .blue, points: series(\.loss)), .init(colour: .orange, points: series(\.valLoss))]
        var entries = [Legend.Entry("train", .blue), Legend.Entry("validation", .orange)]
        if bestEpoch > 0 { entries.append(Legend.Entry("epoch \(bestEpoch): weights kept", .grey, .dashed)) }
        let legend = Legend(entries)
        let legendWidth = Figure.measure { legend.width(on: $0) }
        let (panelWidth, panelHeight, top) = (380.0, 290.0, 34.0)
        return Figure(width: 2 * panelWidth + legendWidth + 30, height: top + panelHeight + 6) { c in
            c.text(
                "\(title): accuracy and loss per epoch, on segments", at: Point(panelWidth, 20), size: 13,
                anchor: .middle, bold: true)
            accuracy.draw(on: c, in: Rect(x: 0, y: top, width: panelWidth, height: panelHeight))
            loss.draw(on: c, in: Rect(x: panelWidth, y: top, width: panelWidth, height: panelHeight))
            legend.draw(on: c, at: Point(2 * panelWidth + 14, top + LineChart.marginTop))
        }
    }

    /// The confusion matrices of one split: counts (top) and each true genre's row as shares
    /// (bottom), of segments (left) and, when known, tracks (right). Every cell is shaded by its
    /// share of the row, on the colour bar's scale.
    public static func confusion(segments: [[Int]], tracks: [[Int]]?, genres: [String], split: String, title: String)
        -> Figure
    {
        func square(_ m: [[Int]]) -> Bool { m.count == genres.count && m.allSatisfy { $0.count == genres.count } }
        guard genres.count <= maxGenresDrawn, square(segments) else {
            let why =
                genres.count > maxGenresDrawn
                ? "\(genres.count) genres: too many cells to read; evaluation.json holds the matrices"
                : "the confusion matrix is not \(genres.count) x \(genres.count), one row and column per genre"
            return note(title: title, why)
        }
        let kinds = [("segments", segments)] + (tracks.flatMap { square($0) ? [("tracks", $0)] : nil } ?? [])
        var rows: [[Heatmap]] = [[], []]
        for (unit, matrix) in kinds {
            let shares = matrix.map { row in
                let total = row.reduce(0, +)
                return row.map { total > 0 ? Double($0) / Double(total) : 0 }
            }
            let n = matrix.joined().reduce(0, +)
            func map(title: String, texts: [[String]]) -> Heatmap {
                Heatmap(
                    title: title, rowAxis: "true genre", columnAxis: "predicted genre", rowLabels: genres,
                    columnLabels: genres, values: shares, texts: texts)
            }
            rows[0].append(map(title: "\(split) \(unit) (n = \(n)): counts", texts: matrix.map { $0.map(String.init) }))
            rows[1].append(
                map(title: "\(split) \(unit): share of each true genre", texts: shares.map { $0.map(shareText) }))
        }
        let size = Figure.measure { rows[0][0].size(on: $0) }
        let top = 34.0
        let width = Double(kinds.count) * size.width + ColourBar.width + 16
        return Figure(width: width, height: top + 2 * size.height) { c in
            c.text(title, at: Point(Double(kinds.count) * size.width / 2, 20), size: 13, anchor: .middle, bold: true)
            for (r, row) in rows.enumerated() {
                for (col, map) in row.enumerated() {
                    map.draw(on: c, at: Point(Double(col) * size.width, top + Double(r) * size.height))
                }
            }
            ColourBar(label: "share of the true genre's \(kinds.count == 1 ? "segments" : "segments or tracks")").draw(
                on: c,
                in: Rect(
                    x: Double(kinds.count) * size.width + 4, y: top + Heatmap.titleHeight, width: ColourBar.width,
                    height: 2 * size.height - Heatmap.titleHeight - 60))
        }
    }

    /// Matrices larger than this are not drawn: their cells could not be read, and the figure's
    /// size (and memory) would grow with the square of the genre count.
    public static let maxGenresDrawn = 60

    /// A figure that says, under its title, why there is nothing to draw.
    static func note(title: String, _ text: String) -> Figure {
        let width = Figure.measure { c in max(c.textWidth(title, size: 13, bold: true), c.textWidth(text, size: 11)) }
        return Figure(width: width + 40, height: 70) { c in
            c.text(title, at: Point(20, 26), size: 13, bold: true)
            c.text(text, at: Point(20, 52), size: 11)
        }
    }

    /// A share as a cell shows it: `0`, `1`, or two decimals.
    static func shareText(_ share: Double) -> String {
        share == 0 ? "0" : share == 1 ? "1" : String(format: "%.2f", share)
    }

    /// Writes `figure` as `folder/NAME.svg` and `folder/NAME.png`, each replaced whole.
    public static func write(_ figure: Figure, name: String, in folder: String) throws {
        for (file, bytes) in try files(figure, name: name).sorted(by: { $0.key < $1.key }) {
            try AtomicFile.write(Data(bytes), to: folder + "/" + file)
        }
    }

    /// Both files of `figure`, by name.
    public static func files(_ figure: Figure, name: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for format in ImageFormat.allCases { files["\(name).\(format.rawValue)"] = try figure.render(format) }
        return files
    }
}
