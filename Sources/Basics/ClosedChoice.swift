/// A closed set of names a recipe or manifest picks from, decoded with a sentence that lists
/// the choices ("optimizer sgd is not supported (supported: adam)") instead of a bare
/// decoding error. The raw values are the JSON spellings.
public protocol ClosedChoice: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {
    /// What the choice is, for messages: "optimizer", "layer type".
    static var noun: String { get }
}

extension ClosedChoice {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "\(Self.noun) \(raw) is not supported (supported: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
