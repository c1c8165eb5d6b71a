/// Names that come from files (archive entries, folders people download) shown safely: a
/// newline or an ANSI escape printed raw could forge a line of a report or of an error, and
/// bytes that are not UTF-8 would otherwise vanish. Control characters (C0, DEL, C1), the
/// bidirectional overrides and backslash are escaped; invalid UTF-8 bytes appear as `\xNN`.
public enum EntryName {
    /// The name's bytes as one safe line of text.
    public static func display(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return display(text) }
        var out = ""
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            if i + length <= bytes.count, let scalar = String(validating: bytes[i..<i + length], as: UTF8.self) {
                out += display(scalar)
                i += length
            } else {
                out += hex(b)
                i += 1
            }
        }
        return out
    }

    /// A string shown safely (its control characters escaped).
    public static func display(_ name: String) -> String {
        name.unicodeScalars.contains(where: needsEscape) ? name.unicodeScalars.map(escape).joined() : name
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || s == "\\" || (0x202A...0x202E).contains(v)
            || (0x2066...0x2069).contains(v)
    }

    static func escape(_ s: Unicode.Scalar) -> String {
        guard needsEscape(s) else { return String(s) }
        switch s {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\\": return "\\\\"
        default: return s.value < 0x100 ? hex(UInt8(s.value)) : "\\u{\(String(s.value, radix: 16))}"
        }
    }

    static func hex(_ b: UInt8) -> String {
        "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
    }
}
