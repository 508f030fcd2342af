import Foundation

/// A bounded cache from byte strings to values, for the per-row lookups of raw text (enum
/// spellings, certificate paths). `Dictionary` would hash every key with SipHash and, for
/// `String` keys, normalize it first; this table uses `ByteHash` and compares keys with
/// `memcmp`.
///
/// Only a cache: an entry whose probe sequence runs long is simply not stored (and a lookup
/// gives up at the same length), so crafted colliding keys cost a bounded number of
/// comparisons and never more than a cache miss.
///
/// A class: a lookup reads the table in place, where a struct kept in a class would be
/// copied (its three arrays retained and released) for every lookup.
final class ByteTable<Value> {
    private struct Entry {
        var start: Int
        var count: Int
        var hash: UInt64
        var value: Value
    }

    let limit: Int
    // No access to these ever overlaps another (no method calls out while holding one), so
    // the per-access exclusivity bookkeeping of class properties is left out: it cost more
    // than a lookup in a small table.
    @exclusivity(unchecked) private var keyBytes: [UInt8] = []
    @exclusivity(unchecked) private var entries: [Entry] = []
    /// Indexes into `entries`; -1 is empty. A power of two, at most half full.
    @exclusivity(unchecked) private var slots: [Int32] = Array(repeating: -1, count: 16)
    private static var maxProbes: Int { 32 }

    init(limit: Int) { self.limit = limit }

    var count: Int { entries.count }

    @inline(__always)
    func value(for text: String) -> Value? {
        text.withBytes { value(for: $0) }
    }

    func insert(_ value: Value, for text: String) {
        text.withBytes { insert(value, for: $0) }
    }

    func value(for key: UnsafeBufferPointer<UInt8>) -> Value? {
        guard case .entry(let index) = probe(key, ByteHash.hash(key)) else { return nil }
        return entries[index].value
    }

    /// Stores `value` unless the table is full, the key is present or its probe runs long.
    func insert(_ value: Value, for key: UnsafeBufferPointer<UInt8>) {
        guard entries.count < limit else { return }
        if (entries.count + 1) * 2 > slots.count { grow() }
        let hash = ByteHash.hash(key)
        guard case .empty(let slot) = probe(key, hash) else { return }
        slots[slot] = Int32(entries.count)
        entries.append(Entry(start: keyBytes.count, count: key.count, hash: hash, value: value))
        keyBytes.append(contentsOf: key)
    }

    private enum Probe {
        case entry(Int)
        /// The empty slot where the key would go.
        case empty(Int)
        /// Not found within `maxProbes` slots.
        case exhausted
    }

    private func probe(_ key: UnsafeBufferPointer<UInt8>, _ hash: UInt64) -> Probe {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        // Entries are read in place: copying one would retain its value.
        return entries.withUnsafeBufferPointer { entries in
            keyBytes.withUnsafeBufferPointer { stored in
                for _ in 0..<Self.maxProbes {
                    let index = Int(slots[slot])
                    if index < 0 { return .empty(slot) }
                    if entries[index].hash == hash, entries[index].count == key.count,
                       key.isEmpty || memcmp(stored.baseAddress! + entries[index].start, key.baseAddress!, key.count) == 0 {
                        return .entry(index)
                    }
                    slot = (slot + 1) & mask
                }
                return .exhausted
            }
        }
    }

    private func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
