import GRDB

/// The persistent ledger (SPEC §5): an SQLite database in WAL mode with a versioned schema.
/// Each batch commits in one transaction; accounts are read whole, once per run.
public final class SQLiteLedger: LedgerStore {
    public let path: String
    private let queue: DatabaseQueue

    public init(path: String) throws(RunError) {
        self.path = path
        do {
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try Self.migrator.migrate(queue)
        } catch let error as DatabaseError {
            throw RunError.cannotCreate("\(path): cannot open the ledger: \(error.message ?? error.description)")
        } catch {
            throw RunError.cannotCreate("\(path): cannot open the ledger: \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE signature (
                    account_id TEXT NOT NULL,
                    international INTEGER NOT NULL,
                    sign_key TEXT NOT NULL,
                    sign_name TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('existing', 'accepted', 'needs_documents')),
                    batch_sha256 TEXT,
                    line INTEGER,
                    replaced_sign_name TEXT,
                    replaced_status TEXT,
                    replaced_batch_sha256 TEXT,
                    replaced_line INTEGER,
                    PRIMARY KEY (account_id, international, sign_key)
                ) WITHOUT ROWID;
                CREATE INDEX signature_by_batch ON signature (batch_sha256);
                CREATE INDEX signature_by_replaced_batch ON signature (replaced_batch_sha256);
                CREATE TABLE batch (
                    sha256 TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    path TEXT NOT NULL,
                    rows INTEGER NOT NULL,
                    processed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                );
                """)
        }
        return migrator
    }

    private func io(_ error: Error) -> BatchError {
        let message = (error as? DatabaseError).map { $0.message ?? $0.description } ?? "\(error)"
        return BatchError(.io, path: path, "ledger: \(message)")
    }

    private static func entry(_ row: Row) -> LedgerEntry {
        var replaced: LedgerEntry.Replaced?
        if let status: String = row["replaced_status"], let held = HeldStatus(rawValue: status) {
            replaced = LedgerEntry.Replaced(signName: row["replaced_sign_name"] ?? "", status: held,
                                            batch: row["replaced_batch_sha256"], line: row["replaced_line"])
        }
        return LedgerEntry(
            accountID: row["account_id"],
            key: SignatureKey(international: row["international"], folded: row["sign_key"]),
            signName: row["sign_name"],
            status: HeldStatus(rawValue: row["status"]) ?? .existing,
            batch: row["batch_sha256"], line: row["line"], replaced: replaced)
    }

    public func entries(account: String) throws(BatchError) -> [LedgerEntry] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM signature WHERE account_id = ?", arguments: [account])
                    .map(Self.entry)
            }
        } catch { throw io(error) }
    }

    /// Every entry, ordered by account, region and name (for `ledger list` / `export`).
    public func allEntries(account: String? = nil) throws(BatchError) -> [LedgerEntry] {
        do {
            return try queue.read { db in
                let order = " ORDER BY account_id, international, sign_key"
                if let account {
                    return try Row.fetchAll(db, sql: "SELECT * FROM signature WHERE account_id = ?" + order,
                                            arguments: [account]).map(Self.entry)
                }
                return try Row.fetchAll(db, sql: "SELECT * FROM signature" + order).map(Self.entry)
            }
        } catch { throw io(error) }
    }

    public func isProcessed(sha256: String) throws(BatchError) -> Bool {
        do {
            return try queue.read { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM batch WHERE sha256 = ?)", arguments: [sha256]) ?? false
            }
        } catch { throw io(error) }
    }

    public func accounts(touchedBy sha256: String) throws(BatchError) -> [String] {
        do {
            return try queue.read { db in
                try String.fetchAll(db, sql: """
                    SELECT DISTINCT account_id FROM signature
                    WHERE batch_sha256 = ? OR replaced_batch_sha256 = ? ORDER BY account_id
                    """, arguments: [sha256, sha256])
            }
        } catch { throw io(error) }
    }

    public func commit(_ batch: BatchCommit) throws(BatchError) {
        do {
            try queue.write { db in
                if batch.undoFirst { try Self.undo(batch.sha256, in: db) }
                let upsert = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO signature
                    (account_id, international, sign_key, sign_name, status, batch_sha256, line,
                     replaced_sign_name, replaced_status, replaced_batch_sha256, replaced_line)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for entry in batch.entries {
                    try upsert.execute(arguments: [
                        entry.accountID, entry.key.international, entry.key.folded, entry.signName,
                        entry.status.rawValue, entry.batch, entry.line,
                        entry.replaced?.signName, entry.replaced?.status.rawValue, entry.replaced?.batch,
                        entry.replaced?.line,
                    ])
                }
                try db.execute(sql: "INSERT OR REPLACE INTO batch (sha256, name, path, rows) VALUES (?, ?, ?, ?)",
                               arguments: [batch.sha256, batch.name, batch.path, batch.rows])
            }
        } catch { throw io(error) }
    }

    /// A batch's own entries go; what its resubmissions replaced comes back.
    private static func undo(_ sha256: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM signature WHERE batch_sha256 = ? AND replaced_status IS NULL",
                       arguments: [sha256])
        try db.execute(sql: """
            UPDATE signature SET sign_name = replaced_sign_name, status = replaced_status,
                batch_sha256 = replaced_batch_sha256, line = replaced_line,
                replaced_sign_name = NULL, replaced_status = NULL, replaced_batch_sha256 = NULL, replaced_line = NULL
            WHERE batch_sha256 = ?
            """, arguments: [sha256])
        try db.execute(sql: """
            UPDATE signature SET replaced_sign_name = NULL, replaced_status = NULL,
                replaced_batch_sha256 = NULL, replaced_line = NULL
            WHERE replaced_batch_sha256 = ?
            """, arguments: [sha256])
        try db.execute(sql: "DELETE FROM batch WHERE sha256 = ?", arguments: [sha256])
    }

    /// `ledger import`: all entries in one transaction (an entry already held is replaced:
    /// the provider's word wins).
    public func importEntries(_ entries: [LedgerEntry]) throws(BatchError) {
        try commitRaw(entries)
    }

    private func commitRaw(_ entries: [LedgerEntry]) throws(BatchError) {
        do {
            try queue.write { db in
                let upsert = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO signature (account_id, international, sign_key, sign_name, status, batch_sha256, line)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for entry in entries {
                    try upsert.execute(arguments: [entry.accountID, entry.key.international, entry.key.folded,
                                                   entry.signName, entry.status.rawValue, entry.batch, entry.line])
                }
            }
        } catch { throw io(error) }
    }

    /// `ledger forget`: removes an account's entries, or one signature (both regions).
    /// Returns how many were removed.
    public func forget(account: String, signKey: String?) throws(BatchError) -> Int {
        do {
            return try queue.write { db in
                if let signKey {
                    try db.execute(sql: "DELETE FROM signature WHERE account_id = ? AND sign_key = ?",
                                   arguments: [account, signKey])
                } else {
                    try db.execute(sql: "DELETE FROM signature WHERE account_id = ?", arguments: [account])
                }
                return db.changesCount
            }
        } catch { throw io(error) }
    }
}
