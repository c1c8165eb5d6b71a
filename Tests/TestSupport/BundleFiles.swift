import Archive
import Basics
import Foundation

/// Bundles taken apart and put back together, for tampered and re-signed copies: anyone can
/// edit a manifest and update its checksums, so the tests do too.
public enum BundleFiles {
    /// The members of a bundle, in order.
    public static func members(of bundle: String) throws -> [(String, [UInt8])] {
        let reader = try SafeArchiveReader(path: bundle)
        var all: [(String, [UInt8])] = []
        while let entry = try reader.next() { all.append((entry.path, try reader.readAll())) }
        return all
    }

    public static func write(_ members: [(String, [UInt8])], to path: String) throws {
        let writer = try ArchiveWriter(path: path, format: .tarGzip)
        for (name, bytes) in members { try writer.addFile(name, bytes: bytes) }
        try writer.finish()
    }

    /// A copy of `bundle` at `path` with its manifest edited by `edit` (a JSON object) and any
    /// member replaced by `replace`, every changed member's SHA-256 and size written into the
    /// manifest: a re-signed bundle.
    public static func resign(
        _ bundle: String, to path: String, replace: [String: [UInt8]] = [:],
        edit: (inout [String: Any]) -> Void = { _ in }
    ) throws {
        var parts = try members(of: bundle)
        for (i, (name, _)) in parts.enumerated() { if let bytes = replace[name] { parts[i].1 = bytes } }
        let index = parts.firstIndex { $0.0 == "manifest.json" }!
        var manifest = try JSONSerialization.jsonObject(with: Data(parts[index].1)) as! [String: Any]
        edit(&manifest)
        manifest["files"] = parts.filter { $0.0 != "manifest.json" }.map { name, bytes in
            ["path": name, "sha256": sha256Hex(bytes), "bytes": bytes.count] as [String: Any]
        }
        parts[index].1 = Array(try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
        try write(parts, to: path)
    }
}
