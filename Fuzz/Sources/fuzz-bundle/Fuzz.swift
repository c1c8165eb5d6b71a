import FuzzEntries

/// libFuzzer's entry point: one input through `FuzzEntry.bundle`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzEntry.bundle.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
