/// A row's bytes while a format builds it, cell by cell. Appending to an `Array` checks its
/// uniqueness and capacity and calls a generic copy for every cell; here room for a whole
/// cell is made once and the cell is written through a pointer. The row then goes to the
/// chunk's buffer in one copy.
///
/// A class (it owns its memory); a format that is copied shares it, which is harmless since a
/// row is built from start to finish before another is begun.
final class RowBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always)
    func removeAll() { count = 0 }

    /// Room for `extra` more bytes; the pointer to write them at. Advance with `wrote`.
    @inline(__always)
    func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count + extra > capacity { grow(to: count + extra) }
        return base + count
    }

    @inline(__always)
    func wrote(_ written: Int) { count += written }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        count += 1
    }

    private func grow(to needed: Int) {
        var bigger = capacity * 2
        while bigger < needed { bigger *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = bigger
    }
}
