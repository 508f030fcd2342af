import CSQLiteConfig
import Foundation
import GRDB
import GRDBSQLite

/// The persistent ledger (SPEC §5): an SQLite database in WAL mode with a versioned schema.
/// A run works in one session; each batch is one savepoint, committed after its outputs are
/// in place. A dry run wraps the whole session in a transaction that is rolled back.
public final class SQLiteLedger: LedgerStore {
    public let path: String
    private let queue: DatabaseQueue

    /// - Parameter readOnly: for `ledger list` and `export`: no lock, no migration, and in
    ///   WAL mode never blocked by a run that is writing (it sees the last commit).
    public init(path: String, readOnly: Bool = false) throws(RunError) {
        self.path = path
        var isDirectory = false
        if readOnly, !FileBytes.exists(path, isDirectory: &isDirectory) {
            throw RunError.noInput("\(path): no ledger here yet")
        }
        Self.configureSQLite()
        do {
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(10)
            configuration.readonly = readOnly
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if readOnly { return }
            try queue.writeWithoutTransaction { db in
                // A new ledger gets larger pages (before its first table; an existing file keeps
                // its own): fewer of them make a batch's merge and commit cheaper. Only `main`:
                // the temporary database keeps small pages, which hold less memory.
                if try Int.fetchOne(db, sql: "PRAGMA main.page_count") == 0 {
                    try db.execute(sql: "PRAGMA main.page_size = 16384")
                }
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // Bounded: a batch's open transaction spills to the WAL instead of growing memory.
                // A batch's merge walks `signature` in key order: it gains nothing from a large
                // cache (1M rows merge no slower with 1 MiB than with 4 MiB), and at 100k rows
                // the caches are a tenth of the run's memory.
                try db.execute(sql: "PRAGMA main.cache_size = -1024")
                try db.execute(sql: "PRAGMA temp.cache_size = -256")
            }
            try Self.migrator.migrate(queue)
            // A batch's merge runs as statements of many rows each, and SQLite keeps each one's
            // statement journal (the pages it changed, to undo it alone) in a temporary file:
            // 40k writes for a 1M-row batch. In memory it is a copy, freed after each statement.
            // After the migrations, whose sorts would otherwise be held in memory too.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") }
        } catch let error as DatabaseError {
            throw RunError.cannotCreate("\(path): cannot open the ledger: \(error.message ?? error.description)")
        } catch {
            throw RunError.cannotCreate("\(path): cannot open the ledger: \(error)")
        }
    }

    /// SQLite's sorter (the v2 migration's ordered copy of the whole table) keeps runs of
    /// at least `SQLITE_CONFIG_PMASZ` (250 by default) main-database pages in memory, and
    /// with 16 KiB pages that is 4 MiB per run. Sixteen pages let `cache_size` bound the
    /// runs instead. Process-wide and only possible before the first connection; if
    /// SQLite is already initialized the default stays (more memory, same results).
    ///
    /// Memory statistics are off too: signbatch never reads them, and keeping them takes a
    /// mutex around each of SQLite's allocations (millions in a batch's merge).
    private static let sqliteConfigured: Void = {
        _ = csqlite_config_sorter_pages(16)
        _ = csqlite_config_memstatus(0)
    }()

    private static func configureSQLite() { Self.sqliteConfigured }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE batch (
                    id INTEGER PRIMARY KEY,
                    sha256 TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    path TEXT NOT NULL,
                    rows INTEGER NOT NULL,
                    processed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                );
                CREATE TABLE signature (
                    account_id TEXT NOT NULL,
                    international INTEGER NOT NULL,
                    sign_key TEXT NOT NULL,
                    sign_name TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('existing', 'accepted', 'needs_documents')),
                    batch_id INTEGER,
                    line INTEGER,
                    replaced_sign_name TEXT,
                    replaced_status TEXT,
                    replaced_batch_id INTEGER,
                    replaced_line INTEGER,
                    PRIMARY KEY (account_id, international, sign_key)
                ) WITHOUT ROWID;
                """)
            // No index on batch_id: it would double the B-tree work of every admitted row,
            // while only `--reprocess` (rare) looks entries up by batch, with one scan.
        }
        // The same status check, spelled as comparisons instead of `IN (…)`: in a CHECK,
        // SQLite builds the IN list's temporary index anew for every row written, which made
        // a batch's merge of 781k admitted rows 0.7 s slower. SQLite cannot change a
        // constraint in place, so the table is rebuilt, once (in key order: the copy only
        // appends).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE signature_v2 (
                    account_id TEXT NOT NULL,
                    international INTEGER NOT NULL,
                    sign_key TEXT NOT NULL,
                    sign_name TEXT NOT NULL,
                    status TEXT NOT NULL
                        CHECK (status = 'existing' OR status = 'accepted' OR status = 'needs_documents'),
                    batch_id INTEGER,
                    line INTEGER,
                    replaced_sign_name TEXT,
                    replaced_status TEXT,
                    replaced_batch_id INTEGER,
                    replaced_line INTEGER,
                    PRIMARY KEY (account_id, international, sign_key)
                ) WITHOUT ROWID;
                INSERT INTO signature_v2 SELECT * FROM signature ORDER BY account_id, international, sign_key;
                DROP TABLE signature;
                ALTER TABLE signature_v2 RENAME TO signature;
                """)
        }
        return migrator
    }

    fileprivate func failure(_ error: Error) -> BatchError {
        failure((error as? DatabaseError).map { $0.message ?? $0.description } ?? "\(error)")
    }

    fileprivate func failure(_ message: String) -> BatchError {
        BatchError(.io, path: path, "ledger: \(message)")
    }

    public func session<T>(persist: Bool, _ body: (LedgerSession) throws -> T) throws -> T {
        try queue.writeWithoutTransaction { db in
            if !persist { try db.execute(sql: "BEGIN IMMEDIATE") }
            defer { if !persist { try? db.execute(sql: "ROLLBACK") } }
            let session = try SQLiteSession(db: db, ledger: self)
            return try body(session)
        }
    }

    private static let entryColumns = """
        s.account_id, s.international, s.sign_key, s.sign_name, s.status, b.sha256 AS batch, s.line,
        s.replaced_sign_name, s.replaced_status, rb.sha256 AS replaced_batch, s.replaced_line
        FROM signature s LEFT JOIN batch b ON b.id = s.batch_id LEFT JOIN batch rb ON rb.id = s.replaced_batch_id
        """

    static func entry(_ row: Row) -> LedgerEntry {
        var replaced: LedgerEntry.Replaced?
        if let status: String = row["replaced_status"], let held = HeldStatus(rawValue: status) {
            replaced = LedgerEntry.Replaced(signName: row["replaced_sign_name"] ?? "", status: held,
                                            batch: row["replaced_batch"], line: row["replaced_line"])
        }
        return LedgerEntry(
            accountID: row["account_id"],
            key: SignatureKey(international: row["international"], folded: row["sign_key"]),
            signName: row["sign_name"],
            status: HeldStatus(rawValue: row["status"]) ?? .existing,
            batch: row["batch"], line: row["line"], replaced: replaced)
    }

    /// Every entry, ordered by account, region and name (for `ledger list` / `export`).
    public func allEntries(account: String? = nil) throws(BatchError) -> [LedgerEntry] {
        do {
            return try queue.read { db in
                let order = " ORDER BY s.account_id, s.international, s.sign_key"
                if let account {
                    return try Row.fetchAll(db, sql: "SELECT " + Self.entryColumns + " WHERE s.account_id = ?" + order,
                                            arguments: [account]).map(Self.entry)
                }
                return try Row.fetchAll(db, sql: "SELECT " + Self.entryColumns + order).map(Self.entry)
            }
        } catch { throw failure(error) }
    }

    /// `ledger import`: all entries in one transaction (an entry already held is replaced:
    /// the provider's word wins).
    public func importEntries(_ entries: [LedgerEntry]) throws(BatchError) {
        do {
            try queue.write { db in
                let upsert = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO signature (account_id, international, sign_key, sign_name, status)
                    VALUES (?, ?, ?, ?, ?)
                    """)
                for entry in entries {
                    try upsert.execute(arguments: [entry.accountID, entry.key.international, entry.key.folded,
                                                   entry.signName, entry.status.rawValue])
                }
            }
        } catch { throw failure(error) }
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
        } catch { throw failure(error) }
    }
}

/// One run's view of the SQLite ledger, valid only inside `SQLiteLedger.session`.
final class SQLiteSession: LedgerSession {
    private let db: Database
    private let ledger: SQLiteLedger
    private let merge: PreparedStatement
    private let mergeMany: PreparedStatement
    private let held: PreparedStatement
    private var batchID: Int64?

    /// The open batch's admitted rows, merged into `signature` in key order when it commits
    /// (`AdmittedRows` says why); until then `holdings(of:)` reads the ledger as it was, as
    /// admission expects: it loads each account once, before the batch's first row for it.
    private let admitted = AdmittedRows()
    /// Rows per run of `mergeMany`, which does SQLite's per-statement work once for them all.
    private static let mergeBatch = 256

    init(db: Database, ledger: SQLiteLedger) throws {
        self.db = db
        self.ledger = ledger
        // A key held as needs_documents is a resubmission: the new entry replaces it and
        // remembers it, so that undoing this batch restores it.
        let values = "(?, ?, ?, ?, ?, ?, ?)"
        func upsert(_ rows: Int) -> String {
            """
            INSERT INTO signature (account_id, international, sign_key, sign_name, status, batch_id, line)
            VALUES \(Array(repeating: values, count: rows).joined(separator: ", "))
            ON CONFLICT (account_id, international, sign_key) DO UPDATE SET
                replaced_sign_name = sign_name, replaced_status = status,
                replaced_batch_id = batch_id, replaced_line = line,
                sign_name = excluded.sign_name, status = excluded.status,
                batch_id = excluded.batch_id, line = excluded.line
            """
        }
        merge = try PreparedStatement(db, upsert(1))
        mergeMany = try PreparedStatement(db, upsert(Self.mergeBatch))
        held = try PreparedStatement(db, "SELECT international, sign_key, status FROM signature WHERE account_id = ?1")
    }

    func holdings(of account: String) throws(BatchError) -> HeldKeys {
        // Read straight from SQLite's column bytes: no `String` per key.
        let keys = HeldKeys()
        held.bind(1, account)
        let message = held.run { row in
            keys.insert(row.bytes(1), international: row.int64(0) != 0, status: row.status(2))
        }
        if let message { throw ledger.failure(message) }
        return keys
    }

    func isProcessed(sha256: String) throws(BatchError) -> Bool {
        do {
            return try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM batch WHERE sha256 = ?)"),
                                     arguments: [sha256]) ?? false
        } catch { throw ledger.failure(error) }
    }

    func beginBatch(sha256: String, name: String, path: String, undoingEarlier: Bool) throws(BatchError) {
        do {
            try db.execute(sql: "SAVEPOINT batch")
            if undoingEarlier, let earlier = try Int64.fetchOne(db, sql: "SELECT id FROM batch WHERE sha256 = ?",
                                                               arguments: [sha256]) {
                try db.execute(sql: "DELETE FROM signature WHERE batch_id = ? AND replaced_status IS NULL",
                               arguments: [earlier])
                try db.execute(sql: """
                    UPDATE signature SET sign_name = replaced_sign_name, status = replaced_status,
                        batch_id = replaced_batch_id, line = replaced_line,
                        replaced_sign_name = NULL, replaced_status = NULL, replaced_batch_id = NULL, replaced_line = NULL
                    WHERE batch_id = ?
                    """, arguments: [earlier])
                try db.execute(sql: """
                    UPDATE signature SET replaced_sign_name = NULL, replaced_status = NULL,
                        replaced_batch_id = NULL, replaced_line = NULL
                    WHERE replaced_batch_id = ?
                    """, arguments: [earlier])
            }
            try db.execute(sql: """
                INSERT INTO batch (sha256, name, path, rows) VALUES (?, ?, ?, 0)
                ON CONFLICT (sha256) DO UPDATE SET name = excluded.name, path = excluded.path
                """, arguments: [sha256, name, path])
            batchID = try Int64.fetchOne(db, sql: "SELECT id FROM batch WHERE sha256 = ?", arguments: [sha256])
        } catch { throw ledger.failure(error) }
    }

    func record(_ entry: AdmittedEntry) throws(BatchError) {
        admitted.append(entry)
    }

    /// Merges the admitted rows into `signature` in key order; the error message, or `nil`.
    private func mergeAdmitted(batchID: Int64) -> String? {
        // The text is bound in place (SQLite does not copy it): it lies in `admitted`, valid
        // while each group is lent, and the bindings are cleared before the group is given back.
        func bind(_ row: AdmittedRows.Row, to statement: PreparedStatement, at first: Int32) {
            statement.bind(first, borrowing: row.accountID)
            statement.bind(first + 1, row.international ? 1 : 0)
            statement.bind(first + 2, borrowing: row.key)
            statement.bind(first + 3, borrowing: row.name)
            statement.bind(first + 4, row.status.rawValue)
            statement.bind(first + 5, batchID)
            statement.bind(first + 6, row.line)
        }
        return admitted.forEachInKeyOrder(groupSize: Self.mergeBatch) { rows in
            if rows.count == Self.mergeBatch {
                for (index, row) in rows.enumerated() { bind(row, to: mergeMany, at: Int32(7 * index + 1)) }
                return mergeMany.runAndClear()
            }
            for row in rows {
                bind(row, to: merge, at: 1)
                if let message = merge.runAndClear() { return message }
            }
            return nil
        }
    }

    func commitBatch(rows: Int) throws(BatchError) {
        guard let id = batchID else { throw ledger.failure("no batch is open") }
        let message = mergeAdmitted(batchID: id)
        admitted.removeAll()
        if let message { throw ledger.failure(message) }
        do {
            try db.execute(sql: """
                UPDATE batch SET rows = ?, processed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?
                """, arguments: [rows, id])
            try db.execute(sql: "RELEASE batch")
            batchID = nil
        } catch { throw ledger.failure(error) }
    }

    func rollbackBatch() {
        admitted.removeAll()
        try? db.execute(sql: "ROLLBACK TO batch")
        try? db.execute(sql: "RELEASE batch")
        batchID = nil
    }
}

/// An sqlite3 statement prepared on GRDB's connection and finalized in `deinit`.
final class PreparedStatement {
    private let statement: OpaquePointer
    private let connection: OpaquePointer
    // SQLite copies bound text before `bind` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, _ sql: String) throws {
        guard let connection = db.sqliteConnection else { throw DatabaseError(message: "the connection is closed") }
        self.connection = connection
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &prepared, nil)
        guard code == SQLITE_OK, let prepared else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
        statement = prepared
    }

    deinit { sqlite3_finalize(statement) }

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), Self.transient)
            }
        }
    }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(statement, index, value) }

    /// Binds `text` (valid UTF-8) without SQLite copying it: the bytes must stay valid until
    /// `runAndClear` returns.
    func bind(_ index: Int32, borrowing text: UnsafeBufferPointer<UInt8>) {
        // A non-null pointer even for empty text: NULL would bind SQL NULL.
        let empty: StaticString = ""
        let pointer = text.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(empty.utf8Start)
        _ = sqlite3_bind_text(statement, index, pointer.assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
    }

    /// `run()`, then every binding cleared, so the statement keeps no borrowed pointer.
    func runAndClear() -> String? {
        defer { sqlite3_clear_bindings(statement) }
        return run()
    }

    /// The current result row of `run`; its bytes are valid only until the next row.
    struct Row {
        fileprivate let statement: OpaquePointer

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

        func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
            // Text first, then its length (the documented order); NULL reads as empty.
            guard let text = sqlite3_column_text(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
            return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
        }

        /// A `status` column; anything unknown counts as `existing`, as the provider's word.
        func status(_ column: Int32) -> HeldStatus {
            // The known statuses fit a small string (15 bytes at most): no allocation.
            HeldStatus(rawValue: String(decoding: bytes(column), as: UTF8.self)) ?? .existing
        }
    }

    /// Runs the statement to completion, handing each result row (a query's) to `body`; the
    /// error message, or `nil` on success.
    func run(_ body: (Row) -> Void = { _ in }) -> String? {
        defer { sqlite3_reset(statement) }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: body(Row(statement: statement))
            case SQLITE_DONE: return nil
            default: return String(cString: sqlite3_errmsg(connection))
            }
        }
    }
}
