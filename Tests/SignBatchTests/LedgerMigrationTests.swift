import GRDB
import Testing
@testable import SignBatch

/// The ledger's schema versions: a ledger written by an earlier version is brought up to
/// date when it is opened for writing, without losing or changing an entry.
@Suite("Ledger migration")
struct LedgerMigrationTests {
    /// A ledger as the first schema version left it: one batch, and entries of every status,
    /// one of them a resubmission that remembers what it replaced.
    static func makeVersion1Ledger(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try SQLiteLedger.migrator.migrate(queue, upTo: "v1")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO batch (id, sha256, name, path, rows) VALUES (7, 'abc', 'b.csv', '/in/b.csv', 3)")
            try db.execute(sql: """
                INSERT INTO signature (account_id, international, sign_key, sign_name, status, batch_id, line,
                                       replaced_sign_name, replaced_status, replaced_batch_id, replaced_line)
                VALUES ('acct2', 0, '腾讯云', '腾讯云', 'existing', NULL, NULL, NULL, NULL, NULL, NULL),
                       ('acct1', 1, 'acmeglobal', 'Acme Global', 'accepted', 7, 2, NULL, NULL, NULL, NULL),
                       ('acct1', 0, '示例科技', '示例科技', 'accepted', 7, 3, '示例科技', 'needs_documents', NULL, 9),
                       ('acct1', 0, '示例商城', '示例商城', 'needs_documents', 7, 4, NULL, NULL, NULL, NULL)
                """)
        }
    }

    static func migrations(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
    }

    @Test("a version 1 ledger is migrated on open: every entry kept, the status check spelled without IN")
    func version1IsMigrated() throws {
        try UnitSupport.withTemporaryDirectory { directory in
            let path = directory + "/ledger.sqlite"
            try Self.makeVersion1Ledger(at: path)
            let before = try SQLiteLedger(path: path, readOnly: true).allEntries()
            #expect(before.count == 4)
            #expect(try Self.migrations(path) == ["v1"])

            let ledger = try SQLiteLedger(path: path)
            #expect(try ledger.allEntries() == before)
            #expect(try Self.migrations(path) == ["v1", "v2"])
            let schema = try DatabaseQueue(path: path).read {
                try String.fetchOne($0, sql: "SELECT sql FROM sqlite_schema WHERE name = 'signature'")
            }
            #expect(schema?.contains("status = 'needs_documents'") == true)
            #expect(schema?.contains(" IN (") == false)
            #expect(schema?.contains("WITHOUT ROWID") == true)
        }
    }

    @Test("after migration the ledger still refuses a status outside existing, accepted, needs_documents",
          arguments: ["pending", "", "Accepted", "existing "])
    func statusCheckStillHolds(status: String) throws {
        try UnitSupport.withTemporaryDirectory { directory in
            let path = directory + "/ledger.sqlite"
            try Self.makeVersion1Ledger(at: path)
            _ = try SQLiteLedger(path: path)
            let queue = try DatabaseQueue(path: path)
            let refused = #expect(throws: DatabaseError.self) {
                try queue.write { db in
                    try db.execute(sql: "INSERT INTO signature (account_id, international, sign_key, sign_name, status) VALUES ('a', 0, 'k', 'K', ?)",
                                   arguments: [status])
                }
            }
            // Refused by the status check itself, not by some other constraint.
            #expect(refused?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
            for allowed in ["existing", "accepted", "needs_documents"] {
                try queue.write { db in
                    try db.execute(sql: "INSERT INTO signature (account_id, international, sign_key, sign_name, status) VALUES ('a', 0, ?, 'K', ?)",
                                   arguments: ["k-" + allowed, allowed])
                }
            }
        }
    }

    @Test("a new ledger gets the current schema directly and keeps working through a session")
    func newLedgerSession() throws {
        try UnitSupport.withTemporaryDirectory { directory in
            let path = directory + "/ledger.sqlite"
            let ledger = try SQLiteLedger(path: path)
            #expect(try Self.migrations(path) == ["v1", "v2"])
            try ledger.session(persist: true) { session in
                try session.beginBatch(sha256: "f00", name: "n.csv", path: "/n.csv", undoingEarlier: false)
                try session.record(AdmittedEntry(accountID: "acct9", key: SignatureKey(international: false, folded: "新品牌"),
                                                 signName: "新品牌", status: .needsDocuments, line: 2))
                try session.commitBatch(rows: 1)
            }
            let entries = try ledger.allEntries()
            #expect(entries.map(\.status) == [.needsDocuments])
            #expect(entries.map(\.batch) == ["f00"])
        }
    }
}
