import CPrefetch

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
/// copied (its arrays retained and released) for every lookup.
final class ByteTable<Value> {
    let limit: Int
    private let keys = ByteIndex(maxProbes: 32)
    // No access to it overlaps another (no method calls out while holding one), so the
    // per-access exclusivity bookkeeping of class properties is left out: it cost more than a
    // lookup in a small table.
    @exclusivity(unchecked) private var values: [Value] = []

    init(limit: Int) { self.limit = limit }

    var count: Int { keys.count }

    @inline(__always)
    func value(for text: String) -> Value? {
        text.withBytes { value(for: $0) }
    }

    func insert(_ value: Value, for text: String) {
        text.withBytes { insert(value, for: $0) }
    }

    func value(for key: UnsafeBufferPointer<UInt8>) -> Value? {
        value(for: key, hash: ByteHash.hash(key))
    }

    /// `value(for:)` of a key whose `ByteHash` is known.
    func value(for key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Value? {
        keys.index(of: key, hash: hash).map { values[$0] }
    }

    /// Stores `value` unless the table is full, the key is present or its probe runs long.
    func insert(_ value: Value, for key: UnsafeBufferPointer<UInt8>) {
        guard count < limit else { return }
        let hash = ByteHash.hash(key)
        guard keys.index(of: key, hash: hash) == nil, keys.add(key, hash: hash) != nil else { return }
        values.append(value)
    }

    /// Starts the memory reads that looking these hashes up will make: the keys' slots and
    /// records (`RecordSlots.prefetch`), then their values.
    func prefetch(_ hashes: UnsafeBufferPointer<UInt64>) {
        keys.prefetch(hashes)
        values.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress else { return }
            for hash in hashes {
                if let number = keys.likelyIndex(hash: hash) { cprefetch(base + number) }
            }
        }
    }
}
