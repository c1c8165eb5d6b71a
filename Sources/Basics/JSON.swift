import Foundation

extension JSONEncoder {
    /// Pretty-printed, keys sorted, slashes unescaped: the same value gives the same bytes.
    public static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The value encoded, then a newline: how GenreKit's JSON files end.
    public func encodeLine<T: Encodable>(_ value: T) throws -> Data {
        try encode(value) + Data("\n".utf8)
    }
}

/// What was wrong with a JSON file, in one line a person can act on: the key path and the
/// problem, instead of a `DecodingError` dump.
public enum JSONProblem {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "'\(path(context.codingPath))' is not \(article(type))"
        case .valueNotFound(let type, let context):
            return "'\(path(context.codingPath))' is null, expected \(article(type))"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let at = context.codingPath.isEmpty ? "" : "'\(path(context.codingPath))': "
            return at + (underlying ?? context.debugDescription)
        @unknown default:
            return "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    static func article(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        default: "\(type)".hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
