internal import CDNNL

// Thin owners of oneDNN handles, shared by the primitives GenreKit runs (`OneDNNRecurrent`,
// `OneDNNConvolution`). Only the OneDNN*.swift files import `CDNNL`.

/// A failed oneDNN call on fixed, valid shapes is a programming error (or memory exhaustion).
func checkDNNL(_ status: dnnl_status_t, _ what: String) {
    precondition(status == dnnl_success, "oneDNN: \(what) failed with status \(status.rawValue)")
}

struct MemoryDesc {
    var desc = dnnl_memory_desc_t()
    init(_ dims: [Int], _ tag: dnnl_format_tag_t) {
        let d = dims.map(Int64.init)
        checkDNNL(dnnl_memory_desc_init_by_tag(&desc, Int32(d.count), d, dnnl_f32, tag), "memory descriptor \(dims)")
    }
    init(_ desc: dnnl_memory_desc_t) { self.desc = desc }

    /// Whether both describe the same layout.
    func sameLayout(as other: MemoryDesc) -> Bool {
        withPointers(self, other) { dnnl_memory_desc_equal($0, $1) } != 0
    }

    /// Whether the two put every element at the same place, though described differently: a
    /// channel-blocked layout (`nChw16c`) whose one block holds every channel is channels-last
    /// (`nhwc`). A reorder between them copies the data to where it already is (for the first
    /// convolution's 16 channels, 34 MB a batch, twice a step).
    func samePlaces(as other: MemoryDesc) -> Bool {
        if sameLayout(as: other) { return true }
        guard let mine = blocking, let theirs = other.blocking, desc.ndims == other.desc.ndims,
            desc.offset0 == 0, other.desc.offset0 == 0, dims == other.dims, padded == dims, other.padded == dims
        else { return false }
        // One of the two plain, the other with a single block over every channel (dimension 1).
        func wholeChannelBlock(_ b: Blocking) -> Bool {
            b.innerBlocks.count == 1 && b.innerBlocks[0].dim == 1 && b.innerBlocks[0].size == dims[1]
        }
        func plainChannelsLast(_ b: Blocking) -> Bool { b.innerBlocks.isEmpty && b.strides[1] == 1 }
        guard
            (wholeChannelBlock(mine) && plainChannelsLast(theirs))
                || (wholeChannelBlock(theirs) && plainChannelsLast(mine))
        else { return false }
        // The channel dimension's outer stride does not matter: its outer extent is 1.
        return (0..<dims.count).allSatisfy { $0 == 1 || mine.strides[$0] == theirs.strides[$0] }
    }

    private struct Blocking {
        var strides: [Int64]
        var innerBlocks: [(dim: Int, size: Int64)]
    }

    private var dims: [Int64] { Self.array(desc.dims, count: Int(desc.ndims)) }
    private var padded: [Int64] { Self.array(desc.padded_dims, count: Int(desc.ndims)) }

    private var blocking: Blocking? {
        guard desc.format_kind == dnnl_blocked else { return nil }
        let b = desc.format_desc.blocking
        let n = Int(b.inner_nblks)
        let sizes = Self.array(b.inner_blks, count: n)
        let indices = Self.array(b.inner_idxs, count: n)
        return Blocking(
            strides: Self.array(b.strides, count: Int(desc.ndims)),
            innerBlocks: (0..<n).map { (Int(indices[$0]), sizes[$0]) })
    }

    /// The first `count` of a C array of dimensions (`dnnl_dims_t`, imported as a tuple).
    private static func array(_ tuple: dnnl_dims_t, count: Int) -> [Int64] {
        withUnsafeBytes(of: tuple) { Array($0.bindMemory(to: Int64.self).prefix(count)) }
    }
}

func withPointers<R>(
    _ a: MemoryDesc, _ b: MemoryDesc,
    _ body: (UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>) -> R
) -> R {
    withUnsafePointer(to: a.desc) { pa in withUnsafePointer(to: b.desc) { pb in body(pa, pb) } }
}

func withPointers<R>(
    _ a: MemoryDesc, _ b: MemoryDesc, _ c: MemoryDesc,
    _ body: (UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>)
        -> R
) -> R {
    withPointers(a, b) { pa, pb in withUnsafePointer(to: c.desc) { pc in body(pa, pb, pc) } }
}

func withPointers<R>(
    _ a: MemoryDesc, _ b: MemoryDesc, _ c: MemoryDesc, _ d: MemoryDesc,
    _ body: (
        UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>,
        UnsafePointer<dnnl_memory_desc_t>
    ) -> R
) -> R {
    withPointers(a, b) { pa, pb in withPointers(c, d) { pc, pd in body(pa, pb, pc, pd) } }
}

func withPointers<R>(
    _ a: MemoryDesc, _ b: MemoryDesc, _ c: MemoryDesc, _ d: MemoryDesc, _ e: MemoryDesc, _ f: MemoryDesc,
    _ body: (
        UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>,
        UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>, UnsafePointer<dnnl_memory_desc_t>
    ) -> R
) -> R {
    withPointers(a, b) { pa, pb in
        withPointers(c, d) { pc, pd in withPointers(e, f) { pe, pf in body(pa, pb, pc, pd, pe, pf) } }
    }
}

/// The CPU engine, made once and shared (engines are thread-safe).
final class Engine: @unchecked Sendable {
    static let cpu = Engine()
    let handle: dnnl_engine_t
    private init() {
        var e: dnnl_engine_t?
        checkDNNL(dnnl_engine_create(&e, dnnl_cpu, 0), "CPU engine")
        handle = e!
    }
}

final class Stream {
    let handle: dnnl_stream_t
    init(_ engine: Engine) {
        var s: dnnl_stream_t?
        checkDNNL(dnnl_stream_create(&s, engine.handle, dnnl_stream_default_flags.rawValue), "stream")
        handle = s!
    }
    deinit { dnnl_stream_destroy(handle) }
}

/// Primitive attributes asking for a scratchpad the caller provides.
final class UserScratchpad: @unchecked Sendable {
    static let attributes = UserScratchpad()
    let handle: dnnl_primitive_attr_t
    private init() {
        var a: dnnl_primitive_attr_t?
        checkDNNL(dnnl_primitive_attr_create(&a), "attributes")
        checkDNNL(dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user), "scratchpad mode")
        handle = a!
    }
}

final class PrimitiveDesc {
    let handle: dnnl_primitive_desc_t
    /// - Parameter desc: an operation descriptor (`dnnl_rnn_desc_t`, `dnnl_convolution_desc_t`...).
    init(_ desc: UnsafeRawPointer, engine: Engine, hint: PrimitiveDesc?, what: String) {
        var pd: dnnl_primitive_desc_t?
        checkDNNL(
            dnnl_primitive_desc_create(&pd, desc, UserScratchpad.attributes.handle, engine.handle, hint?.handle),
            "\(what) primitive descriptor")
        handle = pd!
    }
    func query(_ what: dnnl_query_t, _ index: Int32 = 0) -> MemoryDesc {
        MemoryDesc(dnnl_primitive_desc_query_md(handle, what, index)!.pointee)
    }
    deinit { dnnl_primitive_desc_destroy(handle) }
}

final class Primitive {
    let handle: dnnl_primitive_t
    /// This primitive's own scratchpad, if it needs one.
    let scratchpad: Memory?

    convenience init(_ pd: PrimitiveDesc) {
        self.init(pd.handle, engine: Engine.cpu)
    }

    convenience init(reorderFrom source: Memory, to destination: Memory, engine: Engine) {
        self.init(reorderFrom: source.md, to: destination.md, engine: engine)
    }

    convenience init(reorderFrom source: MemoryDesc, to destination: MemoryDesc, engine: Engine) {
        var pd: dnnl_primitive_desc_t?
        checkDNNL(
            withPointers(source, destination) { s, d in
                dnnl_reorder_primitive_desc_create(
                    &pd, s, engine.handle, d, engine.handle, UserScratchpad.attributes.handle)
            }, "reorder descriptor")
        self.init(pd!, engine: engine)
        dnnl_primitive_desc_destroy(pd)
    }

    private init(_ pd: dnnl_primitive_desc_t, engine: Engine) {
        var p: dnnl_primitive_t?
        checkDNNL(dnnl_primitive_create(&p, pd), "primitive")
        handle = p!
        let md = MemoryDesc(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)!.pointee)
        scratchpad = withUnsafePointer(to: md.desc) { dnnl_memory_desc_get_size($0) } > 0 ? Memory(md, engine) : nil
    }

    func execute(_ args: [(Int32, Memory)], on stream: Stream) {
        execute(handles: args.map { ($0.0, $0.1.handle) }, on: stream)
    }

    /// `execute` with oneDNN's handles: `Memory` and `LentMemory` arguments together.
    func execute(handles args: [(Int32, dnnl_memory_t)], on stream: Stream) {
        var args = args
        if let scratchpad { args.append((GK_ARG_SCRATCHPAD, scratchpad.handle)) }
        let list = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        checkDNNL(dnnl_primitive_execute(handle, stream.handle, Int32(list.count), list), "execute")
        checkDNNL(dnnl_stream_wait(stream.handle), "stream wait")
    }
    deinit { dnnl_primitive_destroy(handle) }
}

/// A buffer oneDNN allocated, described by `md`.
final class Memory {
    let handle: dnnl_memory_t
    let md: MemoryDesc
    let data: UnsafeMutablePointer<Float>
    let count: Int

    init(_ md: MemoryDesc, _ engine: Engine) {
        self.md = md
        var m: dnnl_memory_t?
        checkDNNL(
            withUnsafePointer(to: md.desc) { dnnl_memory_create(&m, $0, engine.handle, gk_dnnl_allocate()) },
            "memory")
        handle = m!
        var p: UnsafeMutableRawPointer?
        checkDNNL(dnnl_memory_get_data_handle(handle, &p), "data handle")
        // (A scratchpad's size need not be a whole number of floats; it is never read as floats.)
        count = withUnsafePointer(to: md.desc) { dnnl_memory_desc_get_size($0) } / MemoryLayout<Float>.size
        data = p!.bindMemory(to: Float.self, capacity: count)
    }

    func write(_ values: [Float]) {
        precondition(values.count <= count, "\(values.count) values for a buffer of \(count)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }
    func read(count n: Int) -> [Float] { Array(UnsafeBufferPointer(start: data, count: n)) }
    func zero() { data.update(repeating: 0, count: count) }
    func add(into values: inout [Float]) {
        precondition(values.count == count)
        for i in 0..<count { values[i] += data[i] }
    }
    deinit { dnnl_memory_destroy(handle) }
}

/// A memory with no buffer of its own: the caller lends one for each execution, so a Swift
/// array is read or written where it is instead of copied in and out.
final class LentMemory {
    let handle: dnnl_memory_t

    init(_ md: MemoryDesc, _ engine: Engine) {
        var m: dnnl_memory_t?
        checkDNNL(withUnsafePointer(to: md.desc) { dnnl_memory_create(&m, $0, engine.handle, nil) }, "memory")
        handle = m!
    }

    /// Points the memory at `buffer` until the next `lend` (oneDNN writes into it only when it is
    /// an output of the execution).
    func lend(_ buffer: UnsafeRawPointer) {
        checkDNNL(dnnl_memory_set_data_handle(handle, UnsafeMutableRawPointer(mutating: buffer)), "data handle")
    }
    deinit { dnnl_memory_destroy(handle) }
}

/// A primitive's argument in the layout the primitive chose (`dnnl_format_tag_any`) for an
/// array the caller holds in its own layout: the array itself when the two agree, else a buffer
/// of the chosen layout with reorders in and out.
final class Staging {
    let user: LentMemory
    let buffer: Memory?
    private let into, outOf: Primitive?

    init(user: MemoryDesc, chosen: MemoryDesc, engine: Engine) {
        // Described as the primitive chose when the places agree, so it takes the array as is.
        let asIs = chosen.samePlaces(as: user)
        self.user = LentMemory(asIs ? chosen : user, engine)
        guard !asIs else {
            (buffer, into, outOf) = (nil, nil, nil)
            return
        }
        buffer = Memory(chosen, engine)
        into = Primitive(reorderFrom: user, to: chosen, engine: engine)
        outOf = Primitive(reorderFrom: chosen, to: user, engine: engine)
    }

    /// What the primitive is given.
    var handle: dnnl_memory_t { buffer?.handle ?? user.handle }

    /// An input: `values` in the chosen layout.
    func stage(_ values: UnsafeRawPointer, on stream: Stream) {
        user.lend(values)
        if let into, let buffer {
            into.execute(handles: [(GK_ARG_FROM, user.handle), (GK_ARG_TO, buffer.handle)], on: stream)
        }
    }

    /// An output: the primitive writes into `out`, or into the buffer until `unstage` copies it there.
    func receive(into out: UnsafeMutableRawPointer) { user.lend(out) }

    func unstage(on stream: Stream) {
        if let outOf, let buffer {
            outOf.execute(handles: [(GK_ARG_FROM, buffer.handle), (GK_ARG_TO, user.handle)], on: stream)
        }
    }
}
