import GRDB
import Testing
@testable import SignBatch

/// `AdmittedRows` hands a batch's rows back in the `signature` table's key order, which
/// SQLite itself decides here: the same rows in a table, read back with `ORDER BY`.
@Suite struct AdmittedRowsTests {
    struct Fetched: Equatable, CustomStringConvertible {
        var account: String
        var international: Bool
        var key: String
        var name: String
        var status: HeldStatus
        var line: Int64
        var description: String { "\(account)/\(international ? 1 : 0)/\(key)" }
    }

    /// Keys that share their first eight bytes, end inside them, are prefixes of each other,
    /// or differ only after the eighth byte; accounts whose IDs sort differently by bytes
    /// than by length.
    static let keys = ["a", "ab", "abcdefgh", "abcdefghi", "abcdefgha", "abcdefg", "abcdefgh\u{1}",
                       "b", "腾讯云", "腾讯云科技", "腾讯", "腾讯云科技有限", "腾讯云科技有限公司", "zz", "Z", "",
                       "acmeglobal", "acmeglobal2", "acme", "\u{7F}", "é", "e\u{301}"]
    static let accounts = ["acct2", "acct10", "acct1", "b", "B", "账户", "a", "acct1 "]

    static func rows(count: Int, seed: UInt64) -> [Fetched] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var seen = Set<String>()
        var rows: [Fetched] = []
        var line: Int64 = 2
        while rows.count < count {
            let key = keys[next(keys.count)] + (next(3) == 0 ? String(next(50)) : "")
            // Half the names are their own key, as most are (stored once).
            let row = Fetched(account: accounts[next(accounts.count)], international: next(2) == 1, key: key,
                              name: next(2) == 0 ? key : "name \(line)", status: next(2) == 0 ? .accepted : .needsDocuments,
                              line: line)
            line += Int64(1 + next(3))
            // One row per key, as admission guarantees.
            if seen.insert(row.description).inserted { rows.append(row) }
        }
        return rows
    }

    /// `sortingAhead`: the runs are sorted on a thread of their own (at any size), as for a
    /// large batch; otherwise as for a small one.
    static func inKeyOrder(_ admitted: AdmittedRows, sortingAhead: Bool = false) -> [Fetched] {
        var fetched: [Fetched] = []
        // Groups of 7: most are full, and the last is not.
        let message = admitted.forEachInKeyOrder(groupSize: 7, sortingAheadFrom: sortingAhead ? 0 : .max) { rows in
            #expect(rows.count <= 7)
            for row in rows {
                fetched.append(Fetched(account: String(decoding: row.accountID, as: UTF8.self),
                                       international: row.international,
                                       key: String(decoding: row.key, as: UTF8.self),
                                       name: String(decoding: row.name, as: UTF8.self), status: row.status,
                                       line: row.line))
            }
            return nil
        }
        #expect(message == nil)
        return fetched
    }

    /// `numbered`: each entry also carries a caller's account number, as admission's do.
    /// They are sparse and in another order than the rows first name the accounts.
    @Test("rows come back in SQLite's ORDER BY account_id, international, sign_key",
          arguments: [1, 2, 3], [false, true])
    func sqliteOrder(seed: UInt64, sortingAhead: Bool) throws {
        for numbered in [false, true] {
            try sqliteOrder(seed: seed, sortingAhead: sortingAhead, numbered: numbered)
        }
    }

    func sqliteOrder(seed: UInt64, sortingAhead: Bool, numbered: Bool) throws {
        let rows = Self.rows(count: 600, seed: seed)
        let admitted = AdmittedRows()
        for row in rows {
            let number = numbered ? (Self.accounts.count - Self.accounts.firstIndex(of: row.account)!) * 3 : nil
            admitted.append(AdmittedEntry(accountID: row.account,
                                          key: SignatureKey(international: row.international, folded: row.key),
                                          signName: row.name, status: row.status, line: Int(row.line),
                                          accountNumber: number))
        }
        #expect(admitted.count == rows.count)
        let queue = try DatabaseQueue()
        let expected = try queue.write { db -> [Fetched] in
            try db.execute(sql: "CREATE TABLE t (account_id TEXT, international INTEGER, sign_key TEXT, line INTEGER)")
            for row in rows {
                try db.execute(sql: "INSERT INTO t VALUES (?, ?, ?, ?)",
                               arguments: [row.account, row.international ? 1 : 0, row.key, row.line])
            }
            let byLine = Dictionary(uniqueKeysWithValues: rows.map { ($0.line, $0) })
            return try Int64.fetchAll(db, sql: "SELECT line FROM t ORDER BY account_id, international, sign_key")
                .map { byLine[$0]! }
        }
        #expect(Self.inKeyOrder(admitted, sortingAhead: sortingAhead) == expected)
    }

    /// A ledger session empties the rows when each batch commits or rolls back, and the next
    /// batch's admission numbers its accounts from 0 again.
    @Test("after removeAll, caller numbers name accounts afresh")
    func numbersAfterRemoveAll() {
        let admitted = AdmittedRows()
        admitted.append(AdmittedEntry(accountID: "first", key: SignatureKey(international: false, folded: "k"),
                                      signName: "k", status: .accepted, line: 2, accountNumber: 0))
        admitted.removeAll()
        admitted.append(AdmittedEntry(accountID: "second", key: SignatureKey(international: false, folded: "k"),
                                      signName: "k", status: .accepted, line: 2, accountNumber: 0))
        #expect(Self.inKeyOrder(admitted).map(\.account) == ["second"])
    }

    @Test("a name is kept byte for byte, even when it is canonically equivalent to its key")
    func nameBytes() {
        let admitted = AdmittedRows()
        admitted.append(AdmittedEntry(accountID: "a", key: SignatureKey(international: false, folded: "caf\u{E9}"),
                                      signName: "cafe\u{301}", status: .accepted, line: 2))
        admitted.append(AdmittedEntry(accountID: "a", key: SignatureKey(international: false, folded: "tea"),
                                      signName: "tea", status: .accepted, line: 3))
        let rows = Self.inKeyOrder(admitted)
        #expect(rows.map { Array($0.name.utf8) } == [Array("cafe\u{301}".utf8), Array("tea".utf8)])
        #expect(rows.map { Array($0.key.utf8) } == [Array("caf\u{E9}".utf8), Array("tea".utf8)])
    }

    @Test("an error from the body ends the walk and is returned")
    func errorEndsWalk() {
        let admitted = AdmittedRows()
        for line in 0..<5 {
            admitted.append(AdmittedEntry(accountID: "a", key: SignatureKey(international: false, folded: "k\(line)"),
                                          signName: "n", status: .accepted, line: line))
        }
        var seen = 0
        let message = admitted.forEachInKeyOrder(groupSize: 1) { _ in
            seen += 1
            return seen == 2 ? "stop" : nil
        }
        #expect(message == "stop")
        #expect(seen == 2)
    }

    /// The thread sorting ahead is stopped and waited for: the rows' buffers it reads are
    /// only lent for the walk.
    @Test("an error ends the walk while runs are still being sorted ahead")
    func errorWhileSortingAhead() {
        let admitted = AdmittedRows()
        for line in 0..<20_000 {
            admitted.append(AdmittedEntry(accountID: "acct\(line % 500)",
                                          key: SignatureKey(international: line % 3 == 0, folded: "k\(line &* 7919 % 20_000)"),
                                          signName: "n", status: .accepted, line: line))
        }
        var seen = 0
        let message = admitted.forEachInKeyOrder(groupSize: 1, sortingAheadFrom: 0) { _ in
            seen += 1
            return seen == 3 ? "stop" : nil
        }
        #expect(message == "stop")
        #expect(seen == 3)
        // The same rows walk again, whole and in order, after the early stop.
        let rows = Self.inKeyOrder(admitted, sortingAhead: true)
        #expect(rows.count == 20_000)
        #expect(rows == Self.inKeyOrder(admitted, sortingAhead: false))
    }

    @Test("removeAll leaves nothing to merge, and the rows can be filled again")
    func removeAll() {
        let admitted = AdmittedRows()
        admitted.append(AdmittedEntry(accountID: "a", key: SignatureKey(international: true, folded: "x"),
                                      signName: "X", status: .needsDocuments, line: 4))
        admitted.removeAll()
        #expect(admitted.count == 0)
        #expect(Self.inKeyOrder(admitted).isEmpty)
        admitted.append(AdmittedEntry(accountID: "b", key: SignatureKey(international: false, folded: "y"),
                                      signName: "Y", status: .accepted, line: 9))
        #expect(Self.inKeyOrder(admitted) == [Fetched(account: "b", international: false, key: "y", name: "Y",
                                                      status: .accepted, line: 9)])
    }
}
