import CPrefetch
#if canImport(Glibc)
import Glibc
#endif

/// A batch's admitted rows, held until the batch commits and then handed out in the
/// `signature` table's key order (account ID, international, sign key; text compared as
/// SQLite's BINARY collation does: bytes, then the shorter first).
///
/// The rows arrive in input order, scattered over the whole key space. Merged into
/// `signature` in that order they would touch a random page each; sorted by SQLite at
/// commit (through a temporary table) the sort took as long as the merge. Here a row is
/// one record appended to a byte buffer (21 bytes plus its key, and its name when that is
/// not the key) and the sort is by account first, then within each account's rows.
final class AdmittedRows {
    /// Account IDs, numbered in the order they are first admitted.
    private var accounts = ByteIndex()
    private let records = RecordBuffer()
    /// Records are found by walking the buffer (each says how long it is), not through a
    /// list of where each starts: four bytes less per row.
    private(set) var count = 0

    func append(_ entry: AdmittedEntry) {
        let account = entry.accountID.withBytes { id in
            let hash = ByteHash.hash(id)
            return accounts.index(of: id, hash: hash) ?? accounts.add(id, hash: hash)!
        }
        let key = entry.key.folded
        let name = entry.signName
        // Most names are their own key (nothing to fold): stored once.
        let sameAsKey = String.sameBytes(name, key)
        precondition(records.count + Record.headerSize + key.utf8.count + name.utf8.count < Int(UInt32.max),
                     "a batch's admitted rows exceed 4 GiB")
        count += 1
        withUnsafeBytes(of: UInt32(account)) { records.append(contentsOf: $0) }
        withUnsafeBytes(of: Int64(entry.line)) { records.append(contentsOf: $0) }
        records.append(entry.status.code << 1 | (entry.key.international ? 1 : 0))
        withUnsafeBytes(of: UInt32(key.utf8.count)) { records.append(contentsOf: $0) }
        withUnsafeBytes(of: sameAsKey ? Record.nameIsKey : UInt32(name.utf8.count)) { records.append(contentsOf: $0) }
        key.withBytes { records.append(contentsOf: $0) }
        if !sameAsKey { name.withBytes { records.append(contentsOf: $0) } }
    }

    func removeAll() {
        records.removeAll()
        accounts = ByteIndex()
        count = 0
    }

    /// One admitted row, valid only inside `forEachInKeyOrder`'s body.
    struct Row {
        let accountID: UnsafeBufferPointer<UInt8>
        let international: Bool
        let key: UnsafeBufferPointer<UInt8>
        let name: UnsafeBufferPointer<UInt8>
        let status: HeldStatus
        let line: Int64
    }

    /// Hands every row to `body` in key order, `groupSize` at a time (the last group may be
    /// smaller); the first error `body` returns ends it.
    func forEachInKeyOrder(groupSize: Int, _ body: ([Row]) -> String?) -> String? {
        precondition(groupSize > 0)
        return accounts.withKeys { ids in
            records.withUnsafeBytes { stored -> String? in
                var group: [Row] = []
                group.reserveCapacity(groupSize)
                let order = Self.keyOrder(stored, count: count, accountIDs: ids)
                for (index, start) in order.enumerated() {
                    Self.prefetch(order, index + Self.prefetchDistance, in: stored)
                    let record = Record(at: Int(start), in: stored)
                    group.append(Row(accountID: ids[record.account], international: record.international,
                                     key: record.key, name: record.name, status: record.status, line: record.line))
                    if group.count == groupSize {
                        if let message = body(group) { return message }
                        group.removeAll(keepingCapacity: true)
                    }
                }
                return group.isEmpty ? nil : body(group)
            }
        }
    }

    /// One record of `records`, read in place: account number (UInt32), line (Int64), flags
    /// (UInt8: international in bit 0, the status code above it), key length and name
    /// length (UInt32 each; `nameIsKey` when the name is the key's bytes), then the key's
    /// bytes and any name's.
    private struct Record {
        static let headerSize = 21
        static let nameIsKey = UInt32.max

        let account: Int
        let line: Int64
        let flags: UInt8
        let key: UnsafeBufferPointer<UInt8>
        let name: UnsafeBufferPointer<UInt8>
        /// Where the next record starts.
        let end: Int

        init(at start: Int, in stored: UnsafeRawBufferPointer) {
            account = Int(stored.loadUnaligned(fromByteOffset: start, as: UInt32.self))
            line = stored.loadUnaligned(fromByteOffset: start + 4, as: Int64.self)
            flags = stored[start + 12]
            let keyCount = Int(stored.loadUnaligned(fromByteOffset: start + 13, as: UInt32.self))
            let nameLength = stored.loadUnaligned(fromByteOffset: start + 17, as: UInt32.self)
            let keyStart = (stored.baseAddress! + start + Self.headerSize).assumingMemoryBound(to: UInt8.self)
            key = UnsafeBufferPointer(start: keyStart, count: keyCount)
            if nameLength == Self.nameIsKey {
                name = key
                end = start + Self.headerSize + keyCount
            } else {
                name = UnsafeBufferPointer(start: keyStart + keyCount, count: Int(nameLength))
                end = start + Self.headerSize + keyCount + Int(nameLength)
            }
        }

        var international: Bool { flags & 1 != 0 }
        var status: HeldStatus { HeldStatus(code: flags >> 1) }
    }

    /// The records' starts in key order: counted into one run per account (accounts in
    /// their IDs' byte order), then each run sorted by international and key.
    private static func keyOrder(_ stored: UnsafeRawBufferPointer, count: Int,
                                 accountIDs ids: [UnsafeBufferPointer<UInt8>]) -> [UInt32] {
        var rank = [Int](repeating: 0, count: ids.count)
        for (position, account) in ids.indices.sorted(by: { precedes(ids[$0], ids[$1]) }).enumerated() {
            rank[account] = position
        }
        func forEachRecord(_ body: (_ start: Int, Record) -> Void) {
            var start = 0
            while start < stored.count {
                let record = Record(at: start, in: stored)
                body(start, record)
                start = record.end
            }
        }
        // Where each account's run begins in the result.
        var runStarts = [Int](repeating: 0, count: ids.count + 1)
        forEachRecord { runStarts[rank[$1.account] + 1] += 1 }
        for index in 1..<runStarts.count { runStarts[index] += runStarts[index - 1] }
        var next = runStarts
        var order = [UInt32](repeating: 0, count: count)
        forEachRecord { start, record in
            let run = rank[record.account]
            order[next[run]] = UInt32(start)
            next[run] += 1
        }
        // Each run is sorted on a copy that carries the key's first eight bytes as an
        // integer: most pairs are ordered by it, without reading the records.
        var entries: [SortEntry] = []
        order.withUnsafeMutableBufferPointer { order in
            for run in ids.indices where runStarts[run + 1] - runStarts[run] > 1 {
                entries.removeAll(keepingCapacity: true)
                for index in runStarts[run]..<runStarts[run + 1] {
                    prefetch(UnsafeBufferPointer(order), index + prefetchDistance, in: stored)
                    entries.append(SortEntry(order[index], Record(at: Int(order[index]), in: stored)))
                }
                entries.sort { left, right in
                    if left.international != right.international { return !left.international }
                    if left.prefix != right.prefix { return left.prefix < right.prefix }
                    return precedes(left.key, right.key)
                }
                for (index, entry) in entries.enumerated() { order[runStarts[run] + index] = entry.start }
            }
        }
        return order
    }

    /// How many records ahead of the one read the walks in key order prefetch: in key order
    /// each record lies anywhere in the buffer (hundreds of MB at 10M rows), so nearly every
    /// one missed the CPU caches and the TLB.
    private static let prefetchDistance = 16

    /// Starts the memory reads of record `order[index]` (both lines it may span), if any.
    @inline(__always)
    private static func prefetch<Order: Collection<UInt32>>(_ order: Order, _ index: Int,
                                                            in stored: UnsafeRawBufferPointer) where Order.Index == Int {
        guard index < order.endIndex else { return }
        let record = stored.baseAddress! + Int(order[index])
        cprefetch(record)
        cprefetch(record + 63)
    }

    /// A record to sort within its account's run. `prefix` is the key's first eight bytes,
    /// big-endian, zero-padded: when two prefixes differ they order the keys as the full
    /// comparison would (a key that ends inside them is a prefix of the other, so first).
    private struct SortEntry {
        let prefix: UInt64
        let key: UnsafeBufferPointer<UInt8>
        let start: UInt32
        let international: Bool

        init(_ start: UInt32, _ record: Record) {
            var prefix: UInt64 = 0
            for index in 0..<8 { prefix = prefix << 8 | UInt64(index < record.key.count ? record.key[index] : 0) }
            self.prefix = prefix
            key = record.key
            self.start = start
            international = record.international
        }
    }

    /// SQLite's BINARY collation: the first differing byte decides, else the shorter text.
    static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }
}
