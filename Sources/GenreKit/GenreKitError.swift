/// Why GenreKit could not do what was asked: one line that names the file or the parameter and
/// what is wrong (a bundle that fails verification, audio that cannot be decoded or holds no
/// full segment, a parameter out of bounds).
public struct GenreKitError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public var description: String { message }

    init(_ error: any Error) { message = "\(error)" }
    init(message: String) { self.message = message }
}

/// Runs `body`, turning any error of GenreKit's internal modules into a `GenreKitError`.
func wrapped<T>(_ body: () throws -> T) throws(GenreKitError) -> T {
    do { return try body() } catch let error as GenreKitError { throw error } catch { throw GenreKitError(error) }
}
