import CPrefetch
import Foundation
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
    /// Each caller's account number (`AdmittedEntry.accountNumber`) with this table's number
    /// for it, -1 until its first row. An array read where the ID's hash and a lookup in
    /// `accounts` would miss the cache for most rows of a large batch. Emptied with the rows
    /// when the batch commits or rolls back, as caller numbers hold within one batch.
    @exclusivity(unchecked) private var byCallerNumber: [Int32] = []
    private let records = RecordBuffer()
    /// Records are found by walking the buffer (each says how long it is), not through a
    /// list of where each starts: four bytes less per row.
    private(set) var count = 0

    func append(_ entry: AdmittedEntry) {
        let account = number(of: entry)
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
        byCallerNumber.removeAll()
        count = 0
    }

    private func number(of entry: AdmittedEntry) -> Int {
        func lookUp() -> Int {
            entry.accountID.withBytes { id in
                let hash = ByteHash.hash(id)
                return accounts.index(of: id, hash: hash) ?? accounts.add(id, hash: hash)!
            }
        }
        guard let caller = entry.accountNumber else { return lookUp() }
        precondition(caller >= 0 && caller < Int(Int32.max), "an account number out of range")
        if caller < byCallerNumber.count, byCallerNumber[caller] >= 0 { return Int(byCallerNumber[caller]) }
        let account = lookUp()
        if caller >= byCallerNumber.count {
            byCallerNumber.append(contentsOf: repeatElement(-1, count: caller + 1 - byCallerNumber.count))
        }
        byCallerNumber[caller] = Int32(account)
        return account
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
    ///
    /// Each account's run is sorted just before the walk reaches it. From `sortingAheadFrom`
    /// rows on, the runs are sorted on a thread of their own, ahead of the walk: the sort
    /// (about 80 ms for 781k rows) no longer waits in front of the merge, which runs alone
    /// on one core.
    func forEachInKeyOrder(groupSize: Int, sortingAheadFrom threshold: Int = 16_384,
                           _ body: ([Row]) -> String?) -> String? {
        precondition(groupSize > 0)
        return accounts.withKeys { ids in
            records.withUnsafeBytes { stored -> String? in
                var (order, starts) = Self.accountRuns(stored, count: count, accountIDs: ids)
                return order.withUnsafeMutableBufferPointer { order -> String? in
                    let runs = Runs(order: order, starts: starts, stored: stored)
                    let sorter = count >= threshold ? RunSorter(runs) : nil
                    defer { sorter?.stop() }
                    var scratch: [SortEntry] = []
                    var group: [Row] = []
                    group.reserveCapacity(groupSize)
                    var run = 0
                    // Rows before this index are in runs known to be sorted.
                    var sortedEnd = 0
                    for index in 0..<count {
                        if index >= sortedEnd {
                            while starts[run + 1] <= index { run += 1 }
                            if let sorter {
                                sortedEnd = starts[sorter.waitForRuns(through: run)]
                            } else {
                                runs.sort(run, scratch: &scratch)
                                sortedEnd = starts[run + 1]
                            }
                        }
                        if index + Self.prefetchDistance < sortedEnd {
                            Self.prefetch(stored.baseAddress! + Int(order[index + Self.prefetchDistance]))
                        }
                        let record = Record(at: Int(order[index]), in: stored)
                        group.append(Row(accountID: ids[record.account], international: record.international,
                                         key: record.key, name: record.name, status: record.status,
                                         line: record.line))
                        if group.count == groupSize {
                            if let message = body(group) { return message }
                            group.removeAll(keepingCapacity: true)
                        }
                    }
                    return group.isEmpty ? nil : body(group)
                }
            }
        }
    }

    /// The records' starts in one run per account (accounts in their IDs' byte order), and
    /// where each run starts (`starts[run]`; the last entry is the number of records).
    /// Everything here is lent by `forEachInKeyOrder` for the length of its walk.
    fileprivate struct Runs: @unchecked Sendable {
        let order: UnsafeMutableBufferPointer<UInt32>
        let starts: [Int]
        let stored: UnsafeRawBufferPointer

        var count: Int { starts.count - 1 }

        /// Orders run `run` by international and key, in place, on a copy that carries the
        /// key's first eight bytes as an integer: most pairs are ordered by it, without
        /// reading the records. `scratch` is reused from run to run.
        func sort(_ run: Int, scratch entries: inout [SortEntry]) {
            let range = starts[run]..<starts[run + 1]
            guard range.count > 1 else { return }
            entries.removeAll(keepingCapacity: true)
            for index in range {
                if index + prefetchDistance < range.upperBound {
                    prefetch(stored.baseAddress! + Int(order[index + prefetchDistance]))
                }
                entries.append(SortEntry(order[index], Record(at: Int(order[index]), in: stored)))
            }
            entries.sort { left, right in
                if left.international != right.international { return !left.international }
                if left.prefix != right.prefix { return left.prefix < right.prefix }
                return precedes(left.key, right.key)
            }
            for (offset, entry) in entries.enumerated() { order[range.lowerBound + offset] = entry.start }
        }
    }

    /// Sorts the runs in order on a thread of its own, publishing how many are done. The
    /// runs it is given must outlive it: `stop` waits for it.
    private final class RunSorter: @unchecked Sendable {
        private let condition = NSCondition()
        /// Runs sorted so far, in order (guarded by `condition`).
        private var sorted = 0
        private var stopping = false  // guarded by `condition`
        private let finished = DispatchSemaphore(value: 0)

        /// Only this thread writes `runs.order` before publishing a run, and the walk reads
        /// only published runs.
        init(_ runs: Runs) {
            let thread = Thread { [self] in
                var scratch: [SortEntry] = []
                for run in 0..<runs.count {
                    condition.lock()
                    let stop = stopping
                    condition.unlock()
                    if stop { break }
                    runs.sort(run, scratch: &scratch)
                    condition.lock()
                    sorted = run + 1
                    condition.broadcast()
                    condition.unlock()
                }
                finished.signal()
            }
            thread.start()
        }

        /// Waits until run `run` is sorted; how many runs are (at least `run + 1`).
        func waitForRuns(through run: Int) -> Int {
            condition.lock()
            defer { condition.unlock() }
            while sorted <= run { condition.wait() }
            return sorted
        }

        /// Ends the thread early if it is still sorting, and waits for it.
        func stop() {
            condition.lock()
            stopping = true
            condition.unlock()
            finished.wait()
        }
    }

    /// One record of `records`, read in place: account number (UInt32), line (Int64), flags
    /// (UInt8: international in bit 0, the status code above it), key length and name
    /// length (UInt32 each; `nameIsKey` when the name is the key's bytes), then the key's
    /// bytes and any name's.
    fileprivate struct Record {
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

    /// The records' starts counted into one run per account (accounts in their IDs' byte
    /// order), each run in buffer order, and where each run starts (`runStarts[run]`; the
    /// last entry is `count`). `Runs.sort` then orders each run by international and key.
    private static func accountRuns(_ stored: UnsafeRawBufferPointer, count: Int,
                                    accountIDs ids: [UnsafeBufferPointer<UInt8>]) -> ([UInt32], [Int]) {
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
        return (order, runStarts)
    }

    /// How many records ahead of the one read the walks in key order prefetch: in key order
    /// each record lies anywhere in the buffer (hundreds of MB at 10M rows), so nearly every
    /// one missed the CPU caches and the TLB.
    private static let prefetchDistance = 16

    /// Starts the memory reads of the record at `record` (both lines it may span).
    @inline(__always)
    private static func prefetch(_ record: UnsafeRawPointer) {
        cprefetch(record)
        cprefetch(record + 63)
    }

    /// A record to sort within its account's run. `prefix` is the key's first eight bytes,
    /// big-endian, zero-padded: when two prefixes differ they order the keys as the full
    /// comparison would (a key that ends inside them is a prefix of the other, so first).
    fileprivate struct SortEntry {
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
