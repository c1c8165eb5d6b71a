import Foundation
import Training

/// The bundle's two plots as plain SVG (no fonts or scripts beyond a generic sans-serif), written
/// with fixed number formatting so the same inputs give the same bytes.
public enum Plots {
    static let train = "#1f77b4"
    static let validation = "#ff7f0e"

    /// Training and validation accuracy (left) and loss (right) per epoch.
    public static func curves(_ history: [EpochRecord], title: String) -> String {
        let (panelWidth, panelHeight) = (420.0, 300.0)
        var svg = header(width: 2 * panelWidth + 40, height: panelHeight + 70)
        svg += text(x: panelWidth + 20, y: 22, title, anchor: "middle", size: 15, bold: true)
        let maxLoss = max(history.flatMap { [$0.loss, $0.valLoss] }.filter(\.isFinite).max() ?? 1, 1e-9)
        svg += panel(
            x: 20, y: 40, width: panelWidth, height: panelHeight, title: "accuracy", history: history,
            yMax: 1, train: \.accuracy, val: \.valAccuracy)
        svg += panel(
            x: panelWidth + 40, y: 40, width: panelWidth, height: panelHeight, title: "loss", history: history,
            yMax: niceCeiling(maxLoss), train: \.loss, val: \.valLoss)
        return svg + "</svg>\n"
    }

    private static func panel(
        x: Double, y: Double, width: Double, height: Double, title: String, history: [EpochRecord], yMax: Double,
        train: KeyPath<EpochRecord, Double>, val: KeyPath<EpochRecord, Double>
    ) -> String {
        let (left, right, top, bottom) = (x + 50, x + width - 20, y + 20, y + height - 35)
        let epochs = max(history.last?.epoch ?? 1, 1)
        func px(_ epoch: Int) -> Double {
            epochs == 1 ? (left + right) / 2 : left + (right - left) * Double(epoch - 1) / Double(epochs - 1)
        }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * min(max(v / yMax, 0), 1) }
        var s = text(x: (left + right) / 2, y: y + 10, title, anchor: "middle", size: 13, bold: true)
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" "
        s += "fill=\"none\" stroke=\"#333\"/>\n"
        for i in 0...5 {
            let v = yMax * Double(i) / 5
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(v)))\" x2=\"\(f(right))\" y2=\"\(f(py(v)))\" stroke=\"#ddd\"/>\n"
            s += text(
                x: left - 5, y: py(v) + 4, String(format: yMax <= 1 ? "%.1f" : "%.2f", v), anchor: "end", size: 11)
        }
        let step = max(1, Int((Double(epochs) / 6).rounded(.up)))
        for e in stride(from: 1, through: epochs, by: step) {
            s += text(x: px(e), y: bottom + 15, String(e), anchor: "middle", size: 11)
        }
        s += text(x: (left + right) / 2, y: bottom + 30, "epoch", anchor: "middle", size: 11)
        for (key, colour, label) in [(train, Plots.train, "train"), (val, Plots.validation, "validation")] {
            let points = history.map { "\(f(px($0.epoch))),\(f(py($0[keyPath: key])))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            if history.count == 1, let only = history.first {
                s +=
                    "<circle cx=\"\(f(px(only.epoch)))\" cy=\"\(f(py(only[keyPath: key])))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
            let ly = top + (label == "train" ? 14 : 30)
            s += "<line x1=\"\(f(right - 95))\" y1=\"\(f(ly - 4))\" x2=\"\(f(right - 75))\" y2=\"\(f(ly - 4))\" "
            s += "stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            s += text(x: right - 70, y: ly, label, anchor: "start", size: 11)
        }
        return s
    }

    /// The confusion matrix (rows: true genre, columns: predicted) as a heat map shaded by the
    /// share of each row, with the counts written in.
    public static func confusion(_ matrix: [[Int]], genres: [String], title: String) -> String {
        let cell = 40.0
        let labelWidth = 90.0
        let n = Double(genres.count)
        let (left, top) = (labelWidth + 30, 110.0)
        var svg = header(width: left + n * cell + 20, height: top + n * cell + 40)
        svg += text(x: (left + n * cell / 2), y: 22, title, anchor: "middle", size: 15, bold: true)
        svg += text(x: left + n * cell / 2, y: 42, "predicted genre", anchor: "middle", size: 12)
        svg += text(
            x: 14, y: top + n * cell / 2, "true genre", anchor: "middle", size: 12,
            transform: "rotate(-90 14 \(f(top + n * cell / 2)))")
        for (c, genre) in genres.enumerated() {
            let cx = left + (Double(c) + 0.5) * cell
            svg += text(
                x: cx, y: top - 6, genre, anchor: "start", size: 11, transform: "rotate(-60 \(f(cx)) \(f(top - 6)))")
        }
        for (r, row) in matrix.enumerated() {
            let total = max(row.reduce(0, +), 1)
            let y = top + Double(r) * cell
            svg += text(x: left - 6, y: y + cell / 2 + 4, genres[r], anchor: "end", size: 11)
            for (c, count) in row.enumerated() {
                let share = Double(count) / Double(total)
                let x = left + Double(c) * cell
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" "
                svg += "fill=\"\(shade(share))\" stroke=\"#fff\"><title>\(escape(genres[r])) as "
                svg += "\(escape(genres[c])): \(count)</title></rect>\n"
                svg += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"middle\" "
                svg += "font-size=\"11\" fill=\"\(share > 0.5 ? "#fff" : "#000")\">\(count)</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// White to dark blue.
    static func shade(_ share: Double) -> String {
        let (r, g, b) = (255 - 247 * share, 255 - 174 * share, 255 - 99 * share)
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    static func niceCeiling(_ v: Double) -> Double {
        let magnitude = pow(10, floor(log10(v)))
        for m in [1.0, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] where m * magnitude >= v { return m * magnitude }
        return 10 * magnitude
    }

    private static func header(width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
    }

    private static func text(
        x: Double, y: Double, _ content: String, anchor: String, size: Int, bold: Bool = false,
        transform: String? = nil
    ) -> String {
        var s = "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\""
        if bold { s += " font-weight=\"bold\"" }
        if let transform { s += " transform=\"\(transform)\"" }
        return s + ">\(escape(content))</text>\n"
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
