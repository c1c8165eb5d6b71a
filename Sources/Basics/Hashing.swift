internal import Crypto
import Foundation

/// SHA-256 as lower-case hex: how files are fingerprinted in dataset.json, manifests and the zoo.
public func sha256Hex(_ bytes: some DataProtocol) -> String {
    hex(SHA256.hash(data: bytes))
}

/// SHA-256 of bytes that arrive in pieces (an archive as it is written), so the file need not be
/// read back to fingerprint it.
public struct StreamingSHA256 {
    private var hasher = SHA256()
    /// Bytes hashed so far.
    public private(set) var count = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        count += bytes.count
    }

    /// The digest as lower-case hex.
    public func hex() -> String { Basics.hex(hasher.finalize()) }
}

private func hex(_ digest: SHA256.Digest) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
}
