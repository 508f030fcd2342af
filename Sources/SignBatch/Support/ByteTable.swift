import Foundation

/// A bounded cache from byte strings to values, for the per-row lookups of raw text (enum
/// spellings, certificate paths). `Dictionary` would hash every key with SipHash and, for
/// `String` keys, normalize it first; this table mixes eight bytes at a time with a seed
/// drawn per process and compares keys with `memcmp`.
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
        guard case .entry(let index) = probe(key, Self.hash(key)) else { return nil }
        return entries[index].value
    }

    /// Stores `value` unless the table is full, the key is present or its probe runs long.
    func insert(_ value: Value, for key: UnsafeBufferPointer<UInt8>) {
        guard entries.count < limit else { return }
        if (entries.count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(key)
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

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = byteTableSeed ^ (UInt64(key.count) &* 0x9E37_79B9_7F4A_7C15)
        let count = key.count
        guard let base = key.baseAddress else { return mix(hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= count {
            hash = mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(base[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = mix(hash ^ tail)
        }
        return mix(hash)
    }

    /// SplitMix64's finalizer: every input bit affects every output bit.
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Drawn once per process, so colliding keys cannot be prepared in advance.
private let byteTableSeed = UInt64.random(in: .min ... .max)
