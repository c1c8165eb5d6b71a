import Foundation

/// A small JSON Schema (2020-12) checker for the keywords the bundle schema uses: type, const,
/// enum, required, properties, additionalProperties, items, $ref, minItems/maxItems, pattern.
/// Enough to catch a manifest and its schema drifting apart.
struct SchemaCheck {
    let root: [String: Any]

    func check(_ value: Any, against schema: [String: Any], at path: String) -> [String] {
        if let ref = schema["$ref"] as? String {
            let name = String(ref.dropFirst("#/$defs/".count))
            return check(value, against: (root["$defs"] as! [String: Any])[name] as! [String: Any], at: path)
        }
        if let oneOf = schema["oneOf"] as? [[String: Any]] {
            let matches = oneOf.filter { check(value, against: $0, at: path).isEmpty }.count
            return matches == 1 ? [] : ["\(path): matches \(matches) of oneOf"]
        }
        var problems: [String] = []
        if let constant = schema["const"] {
            if "\(constant)" != "\(value)" { problems.append("\(path): \(value) is not \(constant)") }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { "\($0)" == "\(value)" }) {
            problems.append("\(path): \(value) not in \(options)")
        }
        if let type = schema["type"] as? String {
            let ok: Bool =
                switch type {
                case "object": value is [String: Any]
                case "array": value is [Any]
                case "string": value is String
                case "boolean": isBool(value)
                case "integer":
                    !isBool(value) && ((value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false)
                case "number": !isBool(value) && value is NSNumber
                default: false
                }
            if !ok { problems.append("\(path): not \(type)") }
        }
        if let pattern = schema["pattern"] as? String, let s = value as? String,
            s.range(of: pattern, options: .regularExpression) == nil
        {
            problems.append("\(path): '\(s)' does not match \(pattern)")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): missing \(key)")
            }
            for (key, v) in object {
                if let p = properties[key] as? [String: Any] {
                    problems += check(v, against: p, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += check(v, against: extra, at: "\(path).\(key)")
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): unexpected \(key)")
                }
            }
        }
        if let array = value as? [Any] {
            if let n = schema["minItems"] as? Int, array.count < n { problems.append("\(path): fewer than \(n) items") }
            if let n = schema["maxItems"] as? Int, array.count > n { problems.append("\(path): more than \(n) items") }
            if let items = schema["items"] as? [String: Any] {
                for (i, v) in array.enumerated() { problems += check(v, against: items, at: "\(path)[\(i)]") }
            }
        }
        return problems
    }

    func isBool(_ value: Any) -> Bool {
        (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
    }
}
