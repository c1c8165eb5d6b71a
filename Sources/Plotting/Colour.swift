/// An sRGB colour, components 0...1.
public struct Colour: Sendable, Equatable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) { (self.red, self.green, self.blue) = (red, green, blue) }

    /// From `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(
            red: Double((hex >> 16) & 0xff) / 255, green: Double((hex >> 8) & 0xff) / 255,
            blue: Double(hex & 0xff) / 255)
    }

    public static let black = Colour(hex: 0x000000)
    public static let white = Colour(hex: 0xffffff)
    public static let axis = Colour(hex: 0x333333)
    public static let grid = Colour(hex: 0xdddddd)
    /// matplotlib's first two cycle colours, and its grey for markers.
    public static let blue = Colour(hex: 0x1f77b4)
    public static let orange = Colour(hex: 0xff7f0e)
    public static let grey = Colour(hex: 0x7f7f7f)

    /// A point between `a` (t = 0) and `b` (t = 1).
    static func mix(_ a: Colour, _ b: Colour, _ t: Double) -> Colour {
        Colour(
            red: a.red + (b.red - a.red) * t, green: a.green + (b.green - a.green) * t,
            blue: a.blue + (b.blue - a.blue) * t)
    }
}

/// A sequential colour map for values in 0...1.
public enum ColourMap: Sendable {
    /// matplotlib's `Blues` (ColorBrewer), white to dark blue, through five of its stops.
    case blues

    static let bluesStops: [Colour] = [0xf7fbff, 0xc6dbef, 0x6baed6, 0x2171b5, 0x08306b].map(Colour.init(hex:))

    public func colour(_ value: Double) -> Colour {
        let stops = Self.bluesStops
        let t = min(max(value.isFinite ? value : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(t), stops.count - 2)
        return Colour.mix(stops[i], stops[i + 1], t - Double(i))
    }

    /// Black or white, whichever reads on `colour(value)`.
    public func textColour(_ value: Double) -> Colour { value > 0.5 ? .white : .black }
}
