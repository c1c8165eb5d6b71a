import Archive
import Basics
import Foundation

/// Renders a `ValidationReport` as JSON (stable key order) or as a short table for people.
public enum ReportFormatter {
    /// Pretty-printed JSON with sorted keys and a final newline: the same report gives the same bytes.
    public static func json(_ report: ValidationReport) throws -> String {
        String(decoding: try JSONEncoder.sorted.encodeLine(report), as: UTF8.self)
    }

    /// One row per problem of every track that is not `ok`, then the missing ids as ranges, the
    /// skipped files by reason, and a summary.
    public static func text(_ report: ValidationReport) -> String {
        let s = report.summary
        var lines: [String] = []
        lines.append(
            "\(report.source) (\(report.sourceKind)): \(s.tracks) tracks: \(s.ok) ok, \(s.warning) warning, \(s.corrupt) corrupt"
        )
        var rows: [[String]] = []
        for track in report.tracks where track.status != .ok {
            for (i, problem) in track.problems.enumerated() {
                // Ids come from file names: shown escaped, so none can forge a line.
                rows.append([
                    i == 0 ? track.status.rawValue : "", i == 0 ? EntryName.display(track.id) : "",
                    problem.code.rawValue,
                    EntryName.display(problem.message),
                ])
            }
        }
        if !rows.isEmpty {
            lines.append("")
            lines.append(TextTable.render([["status", "track", "problem", "detail"]] + rows))
        }
        if !report.missing.isEmpty {
            lines.append("")
            lines.append(
                "missing (\(report.missing.count) of the \(report.dataset) ids): \(EntryName.display(ranges(report.missing, limit: 12)))"
            )
        }
        if !report.skipped.isEmpty {
            var byReason: [String: Int] = [:]
            for file in report.skipped { byReason[file.reason, default: 0] += 1 }
            let parts = byReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            lines.append("")
            lines.append("skipped (\(report.skipped.count) files): \(EntryName.display(parts.joined(separator: "; ")))")
        }
        lines.append("")
        let usable = s.ok + s.warning
        lines.append(
            report.isUsable
                ? "usable: \(usable) tracks\(s.corrupt > 0 ? " (prepare skips the \(s.corrupt) corrupt)" : "")"
                : "not usable: no track can be decoded")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `blues.00010-00099, jazz.00003` from a sorted id list.
    /// - Parameter limit: most ranges written; the rest are counted (the JSON report lists every id).
    public static func ranges(_ ids: [String], limit: Int = .max) -> String {
        let parts = rangeParts(ids)
        guard parts.count > limit else { return parts.joined(separator: ", ") }
        return parts.prefix(limit).joined(separator: ", ")
            + ", ... (\(parts.count - limit) more ranges; validate --json lists every id)"
    }

    static func rangeParts(_ ids: [String]) -> [String] {
        var parts: [String] = []
        var i = 0
        while i < ids.count {
            guard let (prefix, start) = split(ids[i]) else {
                parts.append(ids[i])
                i += 1
                continue
            }
            var end = start
            var j = i + 1
            while j < ids.count, let (p, n) = split(ids[j]), p == prefix, n == end + 1 {
                end = n
                j += 1
            }
            let last = ids[j - 1]
            parts.append(end == start ? ids[i] : "\(ids[i])-\(last.suffix(last.count - prefix.count - 1))")
            i = j
        }
        return parts
    }

    private static func split(_ id: String) -> (String, Int)? {
        guard let dot = id.lastIndex(of: "."), let n = Int(id[id.index(after: dot)...]) else { return nil }
        return (String(id[..<dot]), n)
    }
}
