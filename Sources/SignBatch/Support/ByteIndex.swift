import Foundation

/// Numbers distinct byte strings 0, 1, 2, … in the order they are added, for keys whose
/// `ByteHash` the caller may already have. An exact map, unless made with `maxProbes`: then a
/// key whose probe sequence would run longer is neither found nor added (see `ByteTable`).
///
/// Each key is one record (its hash, number, length and bytes) in one buffer, found through
/// a table of record offsets: a lookup reads a slot and a record, and both can be prefetched.
final class ByteIndex {
    private static let headerSize = 16

    // No access to these overlaps another (no method calls out while holding one).
    private let records = RecordBuffer()
    /// Record offset + 1, 0 when empty. A power of two, at most half full.
    @exclusivity(unchecked) private var slots = [UInt32](repeating: 0, count: 16)

    private(set) var count = 0
    private let maxProbes: Int

    init(maxProbes: Int = .max) { self.maxProbes = maxProbes }

    /// The number of `key`, whose hash is `hash`.
    func index(of key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        guard let record = find(key, hash).record else { return nil }
        return Int(records.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: record + 8, as: UInt32.self) })
    }

    /// The number of the key in `hash`'s first slot when that key has this hash (probably the
    /// key itself): for prefetching what a caller keeps per number. Compares no key bytes.
    @inline(__always)
    func likelyIndex(hash: UInt64) -> Int? {
        let number = Int(slots[Int(truncatingIfNeeded: hash) & (slots.count - 1)])
        guard number != 0 else { return nil }
        return records.withUnsafeBytes { stored in
            stored.loadUnaligned(fromByteOffset: number - 1, as: UInt64.self) == hash
                ? Int(stored.loadUnaligned(fromByteOffset: number - 1 + 8, as: UInt32.self)) : nil
        }
    }

    /// Adds `key` (not yet present, see `index(of:hash:)`) and returns its number; `nil` when
    /// its probe sequence runs past `maxProbes`.
    @discardableResult
    func add(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        precondition(records.count + Self.headerSize + key.count < Int(UInt32.max), "keys exceed 4 GiB")
        if (count + 1) * 2 > slots.count { grow() }
        guard let slot = find(key, hash).slot else { return nil }
        let record = records.count
        withUnsafeBytes(of: hash) { records.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(count)) { records.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(key.count)) { records.append(contentsOf: $0) }
        records.append(contentsOf: key)
        slots[slot] = UInt32(record + 1)
        count += 1
        return count - 1
    }

    /// Starts reading the slot of each hash, then the record each of those slots points to.
    func prefetch(_ hashes: UnsafeBufferPointer<UInt64>) {
        RecordSlots.prefetch(hashes, slots: slots, records: records)
    }

    /// The key's slot and record, or the empty slot where it would go; neither when the probe
    /// runs past `maxProbes`.
    private func find(_ key: UnsafeBufferPointer<UInt8>, _ hash: UInt64) -> (slot: Int?, record: Int?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            records.withUnsafeBytes { stored in
                for _ in 0..<maxProbes {
                    let number = Int(slots[slot])
                    if number == 0 { return (slot, nil) }
                    let record = number - 1
                    if stored.loadUnaligned(fromByteOffset: record, as: UInt64.self) == hash,
                       stored.loadUnaligned(fromByteOffset: record + 12, as: UInt32.self) == UInt32(key.count),
                       key.isEmpty || memcmp(stored.baseAddress! + record + Self.headerSize, key.baseAddress!, key.count) == 0 {
                        return (slot, record)
                    }
                    slot = (slot + 1) & mask
                }
                return (nil, nil)
            }
        }
    }

    /// `body` with every key, by number; the buffers are valid only inside it.
    func withKeys<R>(_ body: ([UnsafeBufferPointer<UInt8>]) -> R) -> R {
        records.withUnsafeBytes { stored in
            var keys: [UnsafeBufferPointer<UInt8>] = []
            keys.reserveCapacity(count)
            var record = 0
            // Records lie in number order: each key is added once, at the end.
            while record < stored.count {
                let length = Int(stored.loadUnaligned(fromByteOffset: record + 12, as: UInt32.self))
                keys.append(UnsafeBufferPointer(start: (stored.baseAddress! + record + Self.headerSize)
                    .assumingMemoryBound(to: UInt8.self), count: length))
                record += Self.headerSize + length
            }
            return body(keys)
        }
    }

    private func grow() {
        var grown = [UInt32](repeating: 0, count: slots.count * 2)
        records.withUnsafeBytes { stored in
            var record = 0
            while record < stored.count {
                let hash = stored.loadUnaligned(fromByteOffset: record, as: UInt64.self)
                RecordSlots.file(record, hash: hash, in: &grown)
                record += Self.headerSize + Int(stored.loadUnaligned(fromByteOffset: record + 12, as: UInt32.self))
            }
        }
        slots = grown
    }
}
