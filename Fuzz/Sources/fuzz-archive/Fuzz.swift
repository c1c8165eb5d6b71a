import FuzzEntries

/// libFuzzer's entry point: one input through `FuzzEntry.archive`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzEntry.archive.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
