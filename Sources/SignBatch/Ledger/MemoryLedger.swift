/// A ledger held in memory, with the same transaction semantics as `SQLiteLedger`.
public final class MemoryLedger: LedgerStore, LedgerSession {
    private struct State {
        var accounts: [String: [SignatureKey: LedgerEntry]] = [:]
        var batches = Set<String>()
    }

    private var state = State()
    /// The state before the open batch began (rolled back to on failure).
    private var beforeBatch: State?
    private var openBatch: String?

    public init() {}

    /// Entries held now, for tests and inspection.
    public func entries(account: String) -> [LedgerEntry] {
        Array(state.accounts[account]?.values ?? [:].values)
    }

    /// Loads entries as `ledger import` does (the provider's word replaces what is held).
    public func importEntries(_ entries: [LedgerEntry]) {
        for entry in entries { state.accounts[entry.accountID, default: [:]][entry.key] = entry }
    }

    public func session<T>(persist: Bool, _ body: (LedgerSession) throws -> T) throws -> T {
        let start = state
        defer { if !persist { state = start } }
        return try body(self)
    }

    public func holdings(of account: String) throws(BatchError) -> HeldKeys {
        let held = HeldKeys()
        for (key, entry) in state.accounts[account] ?? [:] {
            held.insert(key.folded, international: key.international, status: entry.status)
        }
        return held
    }

    public func isProcessed(sha256: String) throws(BatchError) -> Bool { state.batches.contains(sha256) }

    public func beginBatch(sha256: String, name: String, path: String, undoingEarlier: Bool) throws(BatchError) {
        beforeBatch = state
        openBatch = sha256
        if undoingEarlier {
            for (account, held) in state.accounts {
                var kept: [SignatureKey: LedgerEntry] = [:]
                for entry in held.values {
                    if let survivor = entry.undoing(sha256) { kept[survivor.key] = survivor }
                }
                state.accounts[account] = kept
            }
        }
    }

    public func record(_ entry: AdmittedEntry) throws(BatchError) {
        let previous = state.accounts[entry.accountID]?[entry.key]
        let replaced = previous.map {
            LedgerEntry.Replaced(signName: $0.signName, status: $0.status, batch: $0.batch, line: $0.line)
        }
        state.accounts[entry.accountID, default: [:]][entry.key] = LedgerEntry(
            accountID: entry.accountID, key: entry.key, signName: entry.signName, status: entry.status,
            batch: openBatch, line: entry.line, replaced: replaced)
    }

    public func commitBatch(rows: Int) throws(BatchError) {
        if let openBatch { state.batches.insert(openBatch) }
        beforeBatch = nil
        openBatch = nil
    }

    public func rollbackBatch() {
        if let beforeBatch { state = beforeBatch }
        beforeBatch = nil
        openBatch = nil
    }
}
