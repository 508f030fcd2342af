import Foundation

/// The signatures one account holds while a batch is admitted (SPEC §5): each key's folded
/// name and region, its status, and whether this batch claimed it.
///
/// Admission looks a key up for almost every row, and a large batch's accounts hold
/// millions of keys between them. A `[SignatureKey: …]` dictionary kept each folded name
/// as a `String` (its own allocation once longer than 15 bytes: most Chinese names) and
/// hashed it with SipHash. Here each key is one record in a byte buffer (its length, its
/// flags, its name), found through an open-addressing table of record offsets: a lookup
/// reads a slot and a record, and a key costs about 30 bytes.
///
/// A real map, not a cache: every key inserted stays (unlike `ByteTable`). Nothing is ever
/// removed; a batch only adds keys or changes a key's holding.
public final class HeldKeys {
    public struct Holding: Equatable, Sendable {
        public var status: HeldStatus
        /// Admitted by the batch being decided.
        public var claimed: Bool

        public init(status: HeldStatus, claimed: Bool = false) {
            self.status = status
            self.claimed = claimed
        }
    }

    /// Where a key is, or where it would go.
    struct Position {
        fileprivate let slot: Int
        /// The record's offset in `records`, when the key is there.
        fileprivate let record: Int?
        fileprivate let hash: UInt64
    }

    // A record: the name's length (UInt32, in memory only: native order), a flags byte, the
    // name's bytes.
    private static let headerSize = 5
    private static let international: UInt8 = 1
    private static let claimed: UInt8 = 2
    private static let statusShift: UInt8 = 2

    // No access to these overlaps another (no method calls out while holding one).
    @exclusivity(unchecked) private var records: [UInt8] = []
    /// Record offset + 1, 0 when empty. A power of two, at most half full.
    @exclusivity(unchecked) private var slots: [UInt32]

    /// Keys held, in either region.
    public private(set) var count = 0

    public init() {
        slots = Array(repeating: 0, count: 8)
    }

    /// Holds `folded` in `international` with `status`, replacing the holding of a key
    /// already there (unclaimed).
    public func insert(_ folded: String, international: Bool, status: HeldStatus) {
        folded.withBytes { insert($0, international: international, status: status) }
    }

    func insert(_ key: UnsafeBufferPointer<UInt8>, international: Bool, status: HeldStatus) {
        set(Holding(status: status), at: position(of: key, international: international), key: key,
            international: international)
    }

    public func holding(of folded: String, international: Bool) -> Holding? {
        folded.withBytes { holding(at: position(of: $0, international: international)) }
    }

    /// Finds `key`, first making room for one more key so that `set` at the position
    /// cannot need to grow the table.
    func position(of key: UnsafeBufferPointer<UInt8>, international: Bool) -> Position {
        if (count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(key, international: international)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        let region = international ? Self.international : 0
        return slots.withUnsafeBufferPointer { slots in
            records.withUnsafeBytes { stored in
                while true {
                    let number = Int(slots[slot])
                    if number == 0 { return Position(slot: slot, record: nil, hash: hash) }
                    let record = number - 1
                    if stored.loadUnaligned(fromByteOffset: record, as: UInt32.self) == UInt32(key.count),
                       stored[record + 4] & Self.international == region,
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
        let flags = records[record + 4]
        let status: HeldStatus = switch flags >> Self.statusShift {
        case 1: .accepted
        case 2: .needsDocuments
        default: .existing
        }
        return Holding(status: status, claimed: flags & Self.claimed != 0)
    }

    /// Sets the holding of the key found at `position` (by the latest `position(of:)`),
    /// adding the key if it was not there.
    func set(_ holding: Holding, at position: Position, key: UnsafeBufferPointer<UInt8>, international: Bool) {
        let status: UInt8 = switch holding.status {
        case .existing: 0
        case .accepted: 1
        case .needsDocuments: 2
        }
        let flags = status << Self.statusShift | (holding.claimed ? Self.claimed : 0)
            | (international ? Self.international : 0)
        if let record = position.record {
            records[record + 4] = flags
            return
        }
        // Offsets are 32-bit: an account's names past 4 GiB would need a ledger far beyond
        // any real one.
        precondition(records.count + Self.headerSize + key.count < Int(UInt32.max), "an account's held names exceed 4 GiB")
        let record = records.count
        withUnsafeBytes(of: UInt32(key.count)) { records.append(contentsOf: $0) }
        records.append(flags)
        records.append(contentsOf: key)
        slots[position.slot] = UInt32(record + 1)
        count += 1
    }

    /// The region is part of the key: the same name in both regions is two keys.
    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>, international: Bool) -> UInt64 {
        ByteHash.hash(key) ^ (international ? 0xA5A5_A5A5_5A5A_5A5A : 0)
    }

    private func grow() {
        var grown = [UInt32](repeating: 0, count: slots.count * 2)
        let mask = grown.count - 1
        records.withUnsafeBytes { stored in
            var record = 0
            while record < stored.count {
                let length = Int(stored.loadUnaligned(fromByteOffset: record, as: UInt32.self))
                let name = stored.baseAddress!.assumingMemoryBound(to: UInt8.self) + record + Self.headerSize
                let hash = Self.hash(UnsafeBufferPointer(start: name, count: length),
                                     international: stored[record + 4] & Self.international != 0)
                var slot = Int(truncatingIfNeeded: hash) & mask
                while grown[slot] != 0 { slot = (slot + 1) & mask }
                grown[slot] = UInt32(record + 1)
                record += Self.headerSize + length
            }
        }
        slots = grown
    }
}
