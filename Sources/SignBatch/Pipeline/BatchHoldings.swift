import CPrefetch
import Foundation

/// The signatures every account of one batch holds while the batch is admitted (SPEC §5),
/// in one table: each key's account, region and folded name, its status, and whether this
/// batch claimed it.
///
/// Admission looks a key up for almost every row, on the one thread that decides in input
/// order, and a large batch's keys do not fit in the CPU's caches. One table for all
/// accounts makes a lookup two memory reads (a slot, then its record), where a table per
/// account added the account's object and its arrays; and since a key's hash is computed
/// while the row is evaluated (`Application.holdingHash`), the reads for rows about to be
/// decided can be started early (`prefetch`).
final class BatchHoldings {
    typealias Holding = HeldKeys.Holding

    /// Where a key is, or where it would go.
    struct Position {
        fileprivate let slot: Int
        /// The record's offset in `records`, when the key is there.
        fileprivate let record: Int?
        fileprivate let hash: UInt64
    }

    // A record: the low half of its hash (enough to place it in any table of 32-bit
    // offsets, so growing hashes nothing), its account number and its name's length (UInt32
    // each, in native order: in memory only), a flags byte, the name's bytes.
    private static let headerSize = 13
    private static let international: UInt8 = 1
    private static let claimed: UInt8 = 2
    private static let statusShift: UInt8 = 2

    // No access to these overlaps another (no method calls out while holding one).
    private let records = RecordBuffer()
    /// Record offset + 1, 0 when empty. A power of two, at most half full.
    @exclusivity(unchecked) private var slots = [UInt32](repeating: 0, count: 1024)

    /// Keys held, per account number, and in all.
    @exclusivity(unchecked) private(set) var counts: [Int] = []
    @exclusivity(unchecked) private var totalCount = 0

    /// The hash a key is filed under: its account's `ByteHash`, its folded name's, and its
    /// region.
    @inline(__always)
    static func hash(account: UInt64, key: UInt64, international: Bool) -> UInt64 {
        ByteHash.combine(account, key) ^ (international ? 0xA5A5_A5A5_5A5A_5A5A : 0)
    }

    /// Numbers a new account, holding what `held` holds.
    func addAccount(hash accountHash: UInt64, holding held: HeldKeys) -> Int {
        let account = counts.count
        counts.append(0)
        held.forEach { key, international, holding in
            let hash = Self.hash(account: accountHash, key: ByteHash.hash(key), international: international)
            set(holding, at: position(of: key, account: account, international: international, hash: hash),
                key: key, account: account, international: international)
        }
        return account
    }

    /// Finds the key, first making room for one more key so that `set` at the position cannot
    /// need to grow the table.
    func position(of key: UnsafeBufferPointer<UInt8>, account: Int, international: Bool, hash: UInt64) -> Position {
        if (totalCount + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        let region = international ? Self.international : 0
        return slots.withUnsafeBufferPointer { slots in
            records.withUnsafeBytes { stored in
                while true {
                    let number = Int(slots[slot])
                    if number == 0 { return Position(slot: slot, record: nil, hash: hash) }
                    let record = number - 1
                    if stored.loadUnaligned(fromByteOffset: record, as: UInt32.self) == UInt32(truncatingIfNeeded: hash),
                       stored.loadUnaligned(fromByteOffset: record + 4, as: UInt32.self) == UInt32(account),
                       stored.loadUnaligned(fromByteOffset: record + 8, as: UInt32.self) == UInt32(key.count),
                       stored[record + 12] & Self.international == region,
                       key.isEmpty || memcmp(stored.baseAddress! + record + Self.headerSize, key.baseAddress!, key.count) == 0 {
                        return Position(slot: slot, record: record, hash: hash)
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    func holding(at position: Position) -> Holding? {
        guard let record = position.record else { return nil }
        let flags = records[record + 12]
        return Holding(status: HeldStatus(code: flags >> Self.statusShift), claimed: flags & Self.claimed != 0)
    }

    /// Sets the holding of the key found at `position` (by the latest `position(of:…)`),
    /// adding the key if it was not there.
    func set(_ holding: Holding, at position: Position, key: UnsafeBufferPointer<UInt8>, account: Int,
             international: Bool) {
        let flags = holding.status.code << Self.statusShift | (holding.claimed ? Self.claimed : 0)
            | (international ? Self.international : 0)
        if let record = position.record {
            records[record + 12] = flags
            return
        }
        // Offsets are 32-bit: a batch's held names past 4 GiB would need a ledger and a batch
        // far beyond any real one.
        precondition(records.count + Self.headerSize + key.count < Int(UInt32.max), "a batch's held names exceed 4 GiB")
        let record = records.count
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: position.hash)) { records.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(account)) { records.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(key.count)) { records.append(contentsOf: $0) }
        records.append(flags)
        records.append(contentsOf: key)
        slots[position.slot] = UInt32(record + 1)
        counts[account] += 1
        totalCount += 1
    }

    /// Starts the memory reads that looking these hashes up will make
    /// (`RecordSlots.prefetch`): for the rows about to be decided.
    func prefetch(_ hashes: UnsafeBufferPointer<UInt64>) {
        RecordSlots.prefetch(hashes, slots: slots, records: records)
    }

    /// Starts reading `counts[account]`.
    @inline(__always)
    func prefetchCount(of account: Int) {
        counts.withUnsafeBufferPointer { counts in
            if account < counts.count { cprefetch(counts.baseAddress! + account) }
        }
    }

    private func grow() {
        var grown = [UInt32](repeating: 0, count: slots.count * 2)
        records.withUnsafeBytes { stored in
            var record = 0
            while record < stored.count {
                let hash = UInt64(stored.loadUnaligned(fromByteOffset: record, as: UInt32.self))
                let length = Int(stored.loadUnaligned(fromByteOffset: record + 8, as: UInt32.self))
                RecordSlots.file(record, hash: hash, in: &grown)
                record += Self.headerSize + length
            }
        }
        slots = grown
    }
}
