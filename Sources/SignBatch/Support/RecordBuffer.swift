#if canImport(Glibc)
import Glibc
#endif

/// The byte buffer that holds the records of the record tables (`BatchHoldings`,
/// `ByteIndex`): append-only, grown with `realloc`, with the few operations of `[UInt8]`
/// that the tables use.
///
/// An array grows by allocating twice its size and copying into it. At a million held
/// signatures that is a 16 MB copy into fresh pages, during which admission (one thread,
/// in input order) stalls and the evaluating thread soon runs out of room to work ahead;
/// and every generation's pages are touched, twice the final size in all. glibc's
/// `realloc` of a block that large moves its pages with `mremap` instead: nothing is
/// copied, and only the pages records are written to are ever touched.
final class RecordBuffer {
    private(set) var count = 0
    private var capacity = 0
    private var base: UnsafeMutableRawPointer?

    deinit { free(base) }

    @inline(__always)
    subscript(offset: Int) -> UInt8 {
        get {
            precondition(offset >= 0 && offset < count)
            return base!.load(fromByteOffset: offset, as: UInt8.self)
        }
        set {
            precondition(offset >= 0 && offset < count)
            base!.storeBytes(of: newValue, toByteOffset: offset, as: UInt8.self)
        }
    }

    /// `body` with the bytes written so far; appending inside it is an error.
    @inline(__always)
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Empties the buffer and gives its memory back.
    func removeAll() {
        free(base)
        base = nil
        count = 0
        capacity = 0
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1).storeBytes(of: byte, as: UInt8.self)
    }

    @inline(__always)
    func append(contentsOf bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count).copyMemory(from: source, byteCount: bytes.count)
    }

    @inline(__always)
    func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        append(contentsOf: UnsafeRawBufferPointer(bytes))
    }

    /// Counts `extra` more bytes as written; where they go.
    @inline(__always)
    private func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        if capacity - count < extra { grow(toHold: count + extra) }
        let start = base! + count
        count += extra
        return start
    }

    @inline(never)
    private func grow(toHold needed: Int) {
        var grown = Swift.max(capacity * 2, 4096)
        while grown < needed { grown *= 2 }
        guard let moved = realloc(base, grown) else {
            fatalError("out of memory: a record buffer of \(grown) bytes")
        }
        base = moved
        capacity = grown
    }
}
