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
    /// One record: account number (UInt32), line (Int64), flags (UInt8: international in
    /// bit 0, the status code above it), key length and name length (UInt32 each; `nameIsKey`
    /// when they are the same text), then the key's bytes and any name's.
    private static let headerSize = 21
    /// The name length that says the name's bytes are the key's.
    private static let nameIsKey = UInt32.max
    private let records = RecordBuffer()
    /// Records are found by walking the buffer (each says how long it is), not through a
    /// list of where each starts: four bytes less per row.
    private(set) var count = 0
    private var accountNumbers: [String: UInt32] = [:]
    /// Each account's ID, by number, as a range of `accountText` (bound in place).
    private var accountRanges: [Range<Int>] = []
    private let accountText = RecordBuffer()

    func append(_ entry: AdmittedEntry) {
        let account: UInt32
        if let known = accountNumbers[entry.accountID] {
            account = known
        } else {
            account = UInt32(accountRanges.count)
            accountNumbers[entry.accountID] = account
            var id = entry.accountID
            let start = accountText.count
            id.withUTF8 { accountText.append(contentsOf: $0) }
            accountRanges.append(start..<accountText.count)
        }
        var key = entry.key.folded
        var name = entry.signName
        let record = records.count
        precondition(record + Self.headerSize + key.utf8.count + name.utf8.count < Int(UInt32.max),
                     "a batch's admitted rows exceed 4 GiB")
        count += 1
        withUnsafeBytes(of: account) { records.append(contentsOf: $0) }
        withUnsafeBytes(of: Int64(entry.line)) { records.append(contentsOf: $0) }
        records.append(entry.status.code << 1 | (entry.key.international ? 1 : 0))
        withUnsafeBytes(of: UInt32(key.utf8.count)) { records.append(contentsOf: $0) }
        // Most names are their own key (nothing to fold): stored once. Compared as bytes:
        // `==` on strings would take canonically equivalent text for the same.
        let sameAsKey = name.utf8.elementsEqual(key.utf8)
        withUnsafeBytes(of: sameAsKey ? Self.nameIsKey : UInt32(name.utf8.count)) { records.append(contentsOf: $0) }
        key.withUTF8 { records.append(contentsOf: $0) }
        if !sameAsKey { name.withUTF8 { records.append(contentsOf: $0) } }
    }

    func removeAll() {
        records.removeAll()
        accountText.removeAll()
        count = 0
        accountNumbers = [:]
        accountRanges = []
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

    /// Hands every row to `body` in key order; the first error `body` returns ends it.
    func forEachInKeyOrder(_ body: (Row) -> String?) -> String? {
        let order = sortedStarts()
        return records.withUnsafeBytes { stored -> String? in
            let ids = accountText.withUnsafeBytes { $0.baseAddress?.assumingMemoryBound(to: UInt8.self) }
            for start in order {
                let record = Int(start)
                let account = Int(stored.loadUnaligned(fromByteOffset: record, as: UInt32.self))
                let flags = stored[record + 12]
                let keyCount = Int(stored.loadUnaligned(fromByteOffset: record + 13, as: UInt32.self))
                let nameLength = stored.loadUnaligned(fromByteOffset: record + 17, as: UInt32.self)
                let key = stored.baseAddress!.advanced(by: record + Self.headerSize).assumingMemoryBound(to: UInt8.self)
                let id = accountRanges[account]
                let row = Row(accountID: UnsafeBufferPointer(start: ids.map { $0 + id.lowerBound }, count: id.count),
                              international: flags & 1 != 0,
                              key: UnsafeBufferPointer(start: key, count: keyCount),
                              name: nameLength == Self.nameIsKey
                                  ? UnsafeBufferPointer(start: key, count: keyCount)
                                  : UnsafeBufferPointer(start: key + keyCount, count: Int(nameLength)),
                              status: HeldStatus(code: flags >> 1),
                              line: stored.loadUnaligned(fromByteOffset: record + 4, as: Int64.self))
                if let message = body(row) { return message }
            }
            return nil
        }
    }

    /// The records' starts in key order: counted into one run per account (accounts in
    /// their IDs' byte order), then each run sorted by international and key.
    private func sortedStarts() -> [UInt32] {
        let byID = accountText.withUnsafeBytes { text in
            accountRanges.indices.sorted {
                Self.precedes(UnsafeRawBufferPointer(rebasing: text[accountRanges[$0]]),
                              UnsafeRawBufferPointer(rebasing: text[accountRanges[$1]]))
            }
        }
        var rank = [Int](repeating: 0, count: accountRanges.count)
        for (position, account) in byID.enumerated() { rank[account] = position }
        return records.withUnsafeBytes { stored in
            func account(_ start: UInt32) -> Int {
                Int(stored.loadUnaligned(fromByteOffset: Int(start), as: UInt32.self))
            }
            func forEachStart(_ body: (UInt32) -> Void) {
                var record = 0
                while record < stored.count {
                    body(UInt32(record))
                    let keyCount = Int(stored.loadUnaligned(fromByteOffset: record + 13, as: UInt32.self))
                    let nameLength = stored.loadUnaligned(fromByteOffset: record + 17, as: UInt32.self)
                    record += Self.headerSize + keyCount + (nameLength == Self.nameIsKey ? 0 : Int(nameLength))
                }
            }
            // Where each account's run begins in the result.
            var runStarts = [Int](repeating: 0, count: accountRanges.count + 1)
            forEachStart { runStarts[rank[account($0)] + 1] += 1 }
            for index in 1..<runStarts.count { runStarts[index] += runStarts[index - 1] }
            var next = runStarts
            var order = [UInt32](repeating: 0, count: count)
            forEachStart { start in
                let run = rank[account(start)]
                order[next[run]] = start
                next[run] += 1
            }
            // Each run is sorted on a copy that carries the key's first eight bytes as an
            // integer: most pairs are ordered by it, without reading the records.
            var entries: [SortEntry] = []
            order.withUnsafeMutableBufferPointer { order in
                for run in 0..<accountRanges.count where runStarts[run + 1] - runStarts[run] > 1 {
                    entries.removeAll(keepingCapacity: true)
                    for start in order[runStarts[run]..<runStarts[run + 1]] {
                        entries.append(SortEntry(start, in: stored))
                    }
                    entries.sort { left, right in
                        if left.international != right.international { return left.international < right.international }
                        if left.prefix != right.prefix { return left.prefix < right.prefix }
                        return Self.precedes(Self.key(left.start, in: stored), Self.key(right.start, in: stored))
                    }
                    for (index, entry) in entries.enumerated() { order[runStarts[run] + index] = entry.start }
                }
            }
            return order
        }
    }

    private static func key(_ start: UInt32, in stored: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let record = Int(start)
        let count = Int(stored.loadUnaligned(fromByteOffset: record + 13, as: UInt32.self))
        return UnsafeRawBufferPointer(rebasing: stored[(record + headerSize)..<(record + headerSize + count)])
    }

    /// A record to sort within its account's run. `prefix` is the key's first eight bytes,
    /// big-endian, zero-padded: when two prefixes differ they order the keys as the full
    /// comparison would (a key that ends inside them is a prefix of the other, so first).
    private struct SortEntry {
        let prefix: UInt64
        let start: UInt32
        let international: UInt8

        init(_ start: UInt32, in stored: UnsafeRawBufferPointer) {
            let key = AdmittedRows.key(start, in: stored)
            var prefix: UInt64 = 0
            for index in 0..<8 { prefix = prefix << 8 | UInt64(index < key.count ? key[index] : 0) }
            self.prefix = prefix
            self.start = start
            self.international = stored[Int(start) + 12] & 1
        }
    }

    /// SQLite's BINARY collation: the first differing byte decides, else the shorter text.
    static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }
}
