import Foundation

/// RFC 4180 CSV, a record at a time: fields separated by commas, records by CRLF or LF, fields
/// in double quotes may hold commas, line breaks and doubled quotes. Reads the file in blocks, so
/// memory holds one record (at most `maxRecordBytes`), however large the file.
public final class CSVReader {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, message: String)
        case malformed(path: String, record: Int, message: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let message): "\(path): \(message)"
            case .malformed(let path, let record, let message): "\(path): record \(record): \(message)"
            }
        }
    }

    /// Longest record read (FMA's tracks.csv: about 20 KB at most).
    public static let maxRecordBytes = 1 << 20
    /// Most fields in a record.
    public static let maxFields = 4096

    private let path: String
    private let handle: FileHandle?
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    /// Records read so far (1 for the first).
    public private(set) var record = 0

    public init(path: String) throws(Problem) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, message: "cannot open it")
        }
        self.path = path
        self.handle = handle
    }

    /// A table already in memory; messages name `name`.
    public init(bytes: [UInt8], name: String) {
        path = name
        handle = nil
        buffer = bytes
        finished = true
    }

    deinit { try? handle?.close() }

    /// The next record's fields, or nil at the end of the file.
    /// - Throws: `Problem.malformed` for a record past the limits, an unclosed quote, text after
    ///   a closing quote, or bytes that are not UTF-8.
    public func next() throws(Problem) -> [String]? {
        guard try fill() else { return nil }
        record += 1
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var afterQuote = false
        var bytes = 0
        func bad(_ message: String) -> Problem { .malformed(path: path, record: record, message: message) }
        func finishField() throws(Problem) {
            guard let text = String(validating: field, as: UTF8.self) else { throw bad("not UTF-8 text") }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            afterQuote = false
            guard fields.count <= Self.maxFields else { throw bad("more than \(Self.maxFields) fields") }
        }
        while true {
            guard try fill() else {
                if quoted { throw bad("a quoted field is not closed") }
                try finishField()
                return fields
            }
            let byte = buffer[position]
            position += 1
            bytes += 1
            guard bytes <= Self.maxRecordBytes else { throw bad("longer than \(Self.maxRecordBytes) bytes") }
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if try fill(), buffer[position] == UInt8(ascii: "\"") {
                        position += 1
                        field.append(byte)
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","): try finishField()
            case UInt8(ascii: "\n"):
                try finishField()
                return fields
            case UInt8(ascii: "\r"): continue
            case UInt8(ascii: "\"") where field.isEmpty && !afterQuote: quoted = true
            default:
                if afterQuote { throw bad("text after a closing quote") }
                field.append(byte)
            }
        }
    }

    /// Makes sure a byte is available at `position`; false at the end of the file.
    private func fill() throws(Problem) -> Bool {
        if position < buffer.count { return true }
        guard !finished, let handle else { return false }
        let chunk: Data?
        do { chunk = try handle.read(upToCount: 1 << 20) } catch {
            throw .unreadable(path: path, message: error.localizedDescription)
        }
        guard let chunk, !chunk.isEmpty else {
            finished = true
            return false
        }
        buffer = [UInt8](chunk)
        position = 0
        return true
    }
}
