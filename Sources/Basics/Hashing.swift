internal import Crypto
import Foundation

/// SHA-256 as lower-case hex: how files are fingerprinted in dataset.json, manifests and the zoo.
public func sha256Hex(_ bytes: some DataProtocol) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
