/// A feature parameter outside what GenreKit computes.
public struct FeatureParameterError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The parameter, by its librosa name in camelCase (`nFFT`, `hopLength`).
    public let parameter: String
    public let message: String
    public var description: String { "\(parameter) \(message)" }
    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }
}

extension MFCCParameters {
    /// The values GenreKit accepts: wide enough for any honest use, narrow enough that no value
    /// from a file (a bundle's manifest, a dataset.json) can ask for a huge allocation or divide
    /// by zero. `manifests/schemas/bundle-manifest-1.schema.json` states the same bounds.
    public enum Bounds {
        public static let sampleRate = 4000...192_000
        public static let nFFT = 16...16384
        public static let hopLength = 1...16384
        public static let nMels = 1...512
        public static let nMFCC = 1...512
        public static let topDB = 0.0...1000.0
        public static let amin = 1e-30...1.0
    }

    /// Refuses parameters outside `Bounds` or inconsistent with each other.
    /// - Throws: `FeatureParameterError` naming the parameter.
    public func check() throws(FeatureParameterError) {
        func refuse(_ name: String, _ message: String) -> FeatureParameterError {
            FeatureParameterError(parameter: name, message: message)
        }
        func within<T: Comparable>(_ name: String, _ value: T, _ range: ClosedRange<T>) throws(FeatureParameterError) {
            guard range.contains(value) else {
                throw refuse(name, "must be \(range.lowerBound) to \(range.upperBound), not \(value)")
            }
        }
        try within("sampleRate", sampleRate, Bounds.sampleRate)
        try within("nFFT", nFFT, Bounds.nFFT)
        guard nFFT % 2 == 0 else { throw refuse("nFFT", "must be even, not \(nFFT)") }
        try within("hopLength", hopLength, Bounds.hopLength)
        try within("nMels", nMels, Bounds.nMels)
        try within("nMFCC", nMFCC, 1...nMels)
        let nyquist = Double(sampleRate) / 2
        guard fMin.isFinite, fMin >= 0, fMin < (fMax ?? nyquist) else {
            throw refuse("fMin", "must be at least 0 and below fMax, not \(fMin)")
        }
        if let fMax {
            guard fMax.isFinite, fMax <= nyquist else {
                throw refuse("fMax", "must be at most \(nyquist), not \(fMax)")
            }
        }
        try within("topDB", topDB, Bounds.topDB)
        try within("amin", amin, Bounds.amin)
    }
}
