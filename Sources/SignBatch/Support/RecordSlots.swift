import CPrefetch

/// The open-addressing slots of the tables that keep each key as a record in one byte buffer
/// (`ByteIndex`, `BatchHoldings`): a power of two of record offsets + 1, 0 when empty,
/// probed linearly from the key's hash.
enum RecordSlots {
    /// Files `record` in the first empty slot from `hash`'s (rebuilding a grown table).
    @inline(__always)
    static func file(_ record: Int, hash: UInt64, in slots: inout [UInt32]) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = UInt32(record + 1)
    }

    /// Starts reading the slot of each hash, then the record each of those slots points to.
    /// The second pass reads the slots, waiting for the first pass's prefetches; by then most
    /// have arrived, and they arrived together rather than one miss at a time.
    static func prefetch(_ hashes: UnsafeBufferPointer<UInt64>, slots: [UInt32], records: RecordBuffer) {
        let mask = slots.count - 1
        slots.withUnsafeBufferPointer { slots in
            for hash in hashes {
                cprefetch(slots.baseAddress! + (Int(truncatingIfNeeded: hash) & mask))
            }
            records.withUnsafeBytes { stored in
                guard let base = stored.baseAddress else { return }
                for hash in hashes {
                    let number = Int(slots[Int(truncatingIfNeeded: hash) & mask])
                    if number != 0 { cprefetch(base + number - 1) }
                }
            }
        }
    }
}
