import Foundation

/// A batch's admitted rows, kept compactly until the batch commits and then handed out in
/// the ledger's key order (account ID, region, key; text compared as bytes, like SQLite's
/// BINARY collation), so that the merge into `signature` walks its B-tree once, in order,
/// and SQLite has nothing to sort.
///
/// Rows are kept per account (an account admits at most its quota, plus resubmissions),
/// each one run of bytes in its account's buffer: flags (region, status), the key's length
/// and bytes, the name's (only when it differs from the key, which for most Chinese names
/// it does not) and the line, about 22 bytes at 1M rows. Ordering them needs no index over
/// the whole batch: the accounts are sorted by ID once, and each account's few rows by key.
/// Appending them to an SQLite table during the run and sorting them there at commit cost
/// a quarter of a full run's time.
struct AdmittedRows {
    /// One row, its text lent from the store: valid only during the call it is passed to.
    struct Row {
        var accountID: UnsafeBufferPointer<UInt8>
        var international: Bool
        var key: UnsafeBufferPointer<UInt8>
        var signName: UnsafeBufferPointer<UInt8>
        var status: HeldStatus
        var line: Int
    }

    private var accountNumbers: [String: Int] = [:]
    private var accountIDs: [String] = []
    /// Each account's rows, by number.
    private var buckets: [[UInt8]] = []
    private(set) var count = 0

    private static let international: UInt8 = 1
    private static let needsDocuments: UInt8 = 2
    private static let existing: UInt8 = 4
    private static let nameIsKey: UInt8 = 8

    var isEmpty: Bool { count == 0 }

    mutating func append(_ entry: AdmittedEntry) {
        let account = number(of: entry.accountID)
        var flags: UInt8 = entry.key.international ? Self.international : 0
        switch entry.status {
        case .accepted: break
        case .needsDocuments: flags |= Self.needsDocuments
        case .existing: flags |= Self.existing
        }
        let sameName = String.sameBytes(entry.key.folded, entry.signName)
        if sameName { flags |= Self.nameIsKey }
        Self.append(entry, flags: flags, to: &buckets[account])
        count += 1
    }

    private static func append(_ entry: AdmittedEntry, flags: UInt8, to bucket: inout [UInt8]) {
        bucket.append(flags)
        appendText(entry.key.folded, to: &bucket)
        if flags & nameIsKey == 0 { appendText(entry.signName, to: &bucket) }
        appendVarint(UInt64(bitPattern: Int64(entry.line)), to: &bucket)
    }

    mutating func removeAll() {
        accountNumbers.removeAll()
        accountIDs.removeAll()
        buckets.removeAll()
        count = 0
    }

    /// `body` with every row, in key order, `size` rows at a time (the last group may be
    /// smaller). A group's text is copied into one buffer, lent during the call.
    func forEachGroupInKeyOrder<E: Error>(of size: Int, _ body: ([Row]) throws(E) -> Void) throws(E) {
        // Where a pending row's account ID, key and name end in `text`.
        var pending: [(ends: (account: Int, key: Int, name: Int), international: Bool, status: HeldStatus, line: Int)] = []
        pending.reserveCapacity(size)
        var text: [UInt8] = []
        var group: [Row] = []
        group.reserveCapacity(size)
        func flush() throws(E) {
            try text.withUnsafeBufferPointer { (text) throws(E) in
                var start = 0
                for row in pending {
                    func span(_ end: Int) -> UnsafeBufferPointer<UInt8> {
                        defer { start = end }
                        return UnsafeBufferPointer(rebasing: text[start..<end])
                    }
                    group.append(Row(accountID: span(row.ends.account), international: row.international,
                                     key: span(row.ends.key), signName: span(row.ends.name), status: row.status,
                                     line: row.line))
                }
                try body(group)
            }
            group.removeAll(keepingCapacity: true)
            pending.removeAll(keepingCapacity: true)
            text.removeAll(keepingCapacity: true)
        }
        for account in accountsByID() {
            let id = accountIDs[account]
            try buckets[account].withUnsafeBufferPointer { (bucket) throws(E) in
                for start in Self.rowsByKey(bucket) {
                    var cursor = start
                    let flags = bucket[cursor]
                    cursor += 1
                    text += id.utf8
                    let accountEnd = text.count
                    let key = Self.text(bucket, &cursor)
                    text += key
                    let keyEnd = text.count
                    text += flags & Self.nameIsKey != 0 ? key : Self.text(bucket, &cursor)
                    let line = Int(Int64(bitPattern: Self.varint(bucket, &cursor)))
                    let status: HeldStatus = flags & Self.needsDocuments != 0 ? .needsDocuments
                        : flags & Self.existing != 0 ? .existing : .accepted
                    pending.append(((accountEnd, keyEnd, text.count), flags & Self.international != 0, status, line))
                    if pending.count == size { try flush() }
                }
            }
        }
        if !pending.isEmpty { try flush() }
    }

    /// The account numbers in the byte order of their IDs.
    private func accountsByID() -> [Int] {
        accountIDs.indices.sorted { left, right in
            accountIDs[left].withBytes { l in accountIDs[right].withBytes { r in Self.precedes(l, r) } }
        }
    }

    /// Where each of an account's rows starts in its bucket, ordered by region, then key.
    private static func rowsByKey(_ bucket: UnsafeBufferPointer<UInt8>) -> [Int] {
        var starts: [Int] = []
        var cursor = 0
        while cursor < bucket.count {
            starts.append(cursor)
            let flags = bucket[cursor]
            cursor += 1
            _ = text(bucket, &cursor)
            if flags & nameIsKey == 0 { _ = text(bucket, &cursor) }
            _ = varint(bucket, &cursor)
        }
        starts.sort { left, right in
            let leftRegion = bucket[left] & international
            let rightRegion = bucket[right] & international
            if leftRegion != rightRegion { return leftRegion < rightRegion }
            var leftCursor = left + 1
            var rightCursor = right + 1
            return precedes(text(bucket, &leftCursor), text(bucket, &rightCursor))
        }
        return starts
    }

    private mutating func number(of account: String) -> Int {
        // `String` keys match canonically equivalent spellings too: a number is shared only
        // by the same bytes (another spelling gets a number of its own).
        if let number = accountNumbers[account], String.sameBytes(accountIDs[number], account) { return number }
        let number = accountIDs.count
        accountIDs.append(account)
        buckets.append([])
        if accountNumbers[account] == nil { accountNumbers[account] = number }
        return number
    }

    /// Byte order, a text before any longer one it begins: SQLite's BINARY collation.
    private static func precedes(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(left.count, right.count)
        if common > 0 {
            let order = memcmp(left.baseAddress!, right.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return left.count < right.count
    }

    private static func appendText(_ text: String, to bucket: inout [UInt8]) {
        appendVarint(UInt64(text.utf8.count), to: &bucket)
        bucket += text.utf8
    }

    private static func appendVarint(_ value: UInt64, to bucket: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bucket.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bucket.append(UInt8(value))
    }

    private static func varint(_ bytes: UnsafeBufferPointer<UInt8>, _ cursor: inout Int) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = bytes[cursor]
            cursor += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ cursor: inout Int) -> UnsafeBufferPointer<UInt8> {
        let count = Int(varint(bytes, &cursor))
        defer { cursor += count }
        return UnsafeBufferPointer(rebasing: bytes[cursor..<(cursor + count)])
    }
}
