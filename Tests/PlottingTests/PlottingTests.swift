import Foundation
import Plotting
import Testing

struct TicksTests {
    @Test func roundStepsCoverTheRange() {
        let loss = Ticks.covering(0, 2.37)
        #expect(loss.values == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(loss.labels == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"])
        #expect(Ticks.covering(0, 1).labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(Ticks.covering(0, 0.07).labels == ["0.00", "0.02", "0.04", "0.06", "0.08"])
        #expect(Ticks.covering(0, 11).values == [0, 2.5, 5, 7.5, 10, 12.5])
        #expect(Ticks.covering(0, 11).labels.first == "0.0")
        #expect(Ticks.covering(3, 3).values == [3, 3.2, 3.4, 3.6, 3.8, 4], "an empty range still gets an axis")
    }

    @Test func epochTicksStartAtOneAndCountInRoundSteps() {
        #expect(Ticks.counting(to: 60).values == [1, 10, 20, 30, 40, 50, 60])
        #expect(Ticks.counting(to: 12).values == [1, 2, 4, 6, 8, 10, 12])
        #expect(Ticks.counting(to: 3).values == [1, 2, 3])
        #expect(Ticks.counting(to: 100).labels == ["1", "20", "40", "60", "80", "100"])
    }
}

struct FigureTests {
    /// Two identity rows: cell (0, 0) is the darkest blue, cell (0, 1) the lightest.
    static func heatmap() -> Figure {
        let map = Heatmap(
            title: "test segments (n = 4): counts", rowAxis: "true genre", columnAxis: "predicted genre",
            rowLabels: ["blues", "classical"], columnLabels: ["blues", "classical"], values: [[1, 0], [0, 1]],
            texts: [["2", "0"], ["0", "2"]])
        let size = Figure.measure { map.size(on: $0) }
        return Figure(width: size.width + ColourBar.width, height: size.height) { c in
            map.draw(on: c, at: Point(0, 0))
            ColourBar(label: "share").draw(
                on: c, in: Rect(x: size.width, y: Heatmap.titleHeight, width: ColourBar.width, height: 60))
        }
    }

    @Test func theSameFigureGivesTheSameBytes() throws {
        let first = try Self.heatmap().render(.svg)
        _ = try Figure(width: 10, height: 10) { $0.fill(Rect(x: 0, y: 0, width: 5, height: 5), .blue) }.render(.svg)
        #expect(try Self.heatmap().render(.svg) == first, "cairo's process-wide surface numbers are renumbered")
        #expect(try Self.heatmap().render(.png) == (try Self.heatmap().render(.png)))
        let svg = String(decoding: first, as: UTF8.self)
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("id=\"surface1\"") && !svg.contains("id=\"surface2\""))
        #expect(svg.contains("<symbol overflow=\"visible\" id=\"glyph"), "text is drawn as glyph outlines")
    }

    @Test func pngShowsTheCellsInTheMapsColours() throws {
        let figure = Self.heatmap()
        let png = try #require(PNGPixels(try figure.render(.png)))
        let scale = figure.pngScale
        #expect(scale == Figure.defaultPNGScale, "a small figure is not scaled down")
        #expect(png.width == Int((figure.width * scale).rounded(.up)))
        #expect(png.height == Int((figure.height * scale).rounded(.up)))
        // The grid's top-left corner: measured as the heat map lays itself out.
        let left = Figure.measure { c in
            Heatmap.axisLabelWidth + c.textWidth("classical", size: 10) + Heatmap.gap
        }
        func pixel(row: Int, column: Int, dx: Double = 4, dy: Double = 4) -> UInt32 {
            png.rgb(
                Int((left + Double(column) * 30 + dx) * scale),
                Int((Heatmap.titleHeight + Double(row) * 30 + dy) * scale))
        }
        #expect(pixel(row: 0, column: 0) == 0x08306b, "share 1: the darkest blue of Blues")
        #expect(pixel(row: 0, column: 1) == 0xf7fbff, "share 0: the lightest")
        #expect(pixel(row: 1, column: 1) == 0x08306b)
        let labels = png.inked(x: Int(20 * scale)..<Int((left - 2) * scale), y: 0..<png.height)
        #expect(labels > 200, "the row labels are drawn (a font was found): \(labels) inked pixels")
    }
}
