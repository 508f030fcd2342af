import Foundation
import Testing
@testable import SignBatch

/// A batch's admitted rows come back whole and in the ledger's key order: account ID, then
/// region, then key, each text compared as bytes (SQLite's BINARY collation), whatever
/// order they were admitted in and however they are grouped.
@Suite struct AdmittedRowsTests {
    struct Expected: Equatable, CustomStringConvertible {
        var account: [UInt8]
        var international: Bool
        var key: [UInt8]
        var name: [UInt8]
        var status: HeldStatus
        var line: Int

        var description: String {
            "\(String(decoding: account, as: UTF8.self))/\(international)/\(String(decoding: key, as: UTF8.self))"
        }

        static func < (lhs: Expected, rhs: Expected) -> Bool {
            if lhs.account != rhs.account { return lhs.account.lexicographicallyPrecedes(rhs.account) }
            if lhs.international != rhs.international { return !lhs.international }
            return lhs.key.lexicographicallyPrecedes(rhs.key)
        }
    }

    static func entries(count: Int, seed: UInt64) -> [AdmittedEntry] {
        var rng = SplitMix64(state: seed)
        // Accounts and keys that are prefixes of one another, differ in case (bytes, not
        // letters, decide), and hold multi-byte text whose bytes sort above ASCII.
        let accounts = ["a", "a-1", "A", "ab", "b", "ent-000010", "ent-00001", "z.9"]
        let keys = ["ab", "abc", "a", "b", "腾讯云", "腾讯", "tencentcloud", "z", "ab c", "éclair"]
        var seen = Set<String>()
        var result: [AdmittedEntry] = []
        var line = 1
        while result.count < count {
            let account = accounts.randomElement(using: &rng)!
            let international = rng.next() % 2 == 0
            let key = keys.randomElement(using: &rng)! + String(rng.next() % 40)
            line += Int(rng.next() % 3) + 1
            guard seen.insert("\(account)|\(international)|\(key)").inserted else { continue }
            // Most names are the key itself; others differ (case, spaces).
            let name = rng.next() % 3 == 0 ? key.uppercased() + " " : key
            let status: HeldStatus = rng.next() % 4 == 0 ? .needsDocuments : .accepted
            result.append(AdmittedEntry(accountID: account, key: SignatureKey(international: international, folded: key),
                                        signName: name, status: status, line: line))
        }
        return result
    }

    static func expected(_ entry: AdmittedEntry) -> Expected {
        Expected(account: Array(entry.accountID.utf8), international: entry.key.international,
                 key: Array(entry.key.folded.utf8), name: Array(entry.signName.utf8), status: entry.status,
                 line: entry.line)
    }

    static func collect(_ rows: AdmittedRows, groupsOf size: Int) -> (rows: [Expected], groups: [Int]) {
        var collected: [Expected] = []
        var groups: [Int] = []
        rows.forEachGroupInKeyOrder(of: size) { group in
            groups.append(group.count)
            for row in group {
                collected.append(Expected(account: Array(row.accountID), international: row.international,
                                          key: Array(row.key), name: Array(row.signName), status: row.status,
                                          line: row.line))
            }
        }
        return (collected, groups)
    }

    @Test(arguments: [(1, 1), (31, 32), (32, 32), (70, 32), (2000, 32), (500, 7)])
    func comeBackInKeyOrder(count: Int, size: Int) {
        let entries = Self.entries(count: count, seed: UInt64(count * 100 + size))
        var rows = AdmittedRows()
        for entry in entries { rows.append(entry) }
        #expect(rows.count == count)
        let (collected, groups) = Self.collect(rows, groupsOf: size)
        #expect(collected == entries.map(Self.expected).sorted(by: <))
        #expect(groups.dropLast().allSatisfy { $0 == size })
        #expect(groups.reduce(0, +) == count)
    }

    @Test func keepEveryStatusAndLargeLines() {
        var rows = AdmittedRows()
        let entries = [
            AdmittedEntry(accountID: "x", key: SignatureKey(international: false, folded: "k1"), signName: "K1",
                          status: .existing, line: Int(Int32.max) * 4),
            AdmittedEntry(accountID: "x", key: SignatureKey(international: false, folded: "k2"), signName: "k2",
                          status: .needsDocuments, line: 0),
            AdmittedEntry(accountID: "x", key: SignatureKey(international: true, folded: ""), signName: "",
                          status: .accepted, line: 127),
        ]
        for entry in entries { rows.append(entry) }
        #expect(Self.collect(rows, groupsOf: 2).rows == entries.map(Self.expected))
    }

    /// Two spellings of one account ID that `String` calls equal (é precomposed and
    /// decomposed) stay apart, each with its own bytes.
    @Test func accountsAreTheirBytes() {
        var rows = AdmittedRows()
        for (index, account) in ["caf\u{E9}", "cafe\u{301}", "caf\u{E9}"].enumerated() {
            rows.append(AdmittedEntry(accountID: account, key: SignatureKey(international: false, folded: "k\(index)"),
                                      signName: "k\(index)", status: .accepted, line: index))
        }
        let collected = Self.collect(rows, groupsOf: 32).rows
        #expect(collected.map(\.account) == [Array("cafe\u{301}".utf8), Array("caf\u{E9}".utf8), Array("caf\u{E9}".utf8)])
        #expect(collected.map(\.line) == [1, 0, 2])
    }

    @Test func removeAllEmpties() {
        var rows = AdmittedRows()
        for entry in Self.entries(count: 10, seed: 3) { rows.append(entry) }
        rows.removeAll()
        #expect(rows.isEmpty)
        #expect(Self.collect(rows, groupsOf: 4).groups.isEmpty)
    }

    /// The order is the one SQLite's `ORDER BY account_id, international, sign_key` gives.
    @Test func agreesWithSQLite() throws {
        let entries = Self.entries(count: 400, seed: 11)
        var rows = AdmittedRows()
        for entry in entries { rows.append(entry) }
        let dir = try Fixtures.Directory()
        let ledger = try SQLiteLedger(path: dir.path("ledger.sqlite").path)
        try ledger.session(persist: true) { session in
            try session.beginBatch(sha256: "s", name: "b", path: "b.csv", undoingEarlier: false)
            for entry in entries { try session.record(entry) }
            try session.commitBatch(rows: entries.count)
        }
        let stored = try ledger.allEntries().map {
            Expected(account: Array($0.accountID.utf8), international: $0.key.international, key: Array($0.key.folded.utf8),
                     name: Array($0.signName.utf8), status: $0.status, line: $0.line ?? -1)
        }
        #expect(stored == Self.collect(rows, groupsOf: 32).rows)
    }
}
