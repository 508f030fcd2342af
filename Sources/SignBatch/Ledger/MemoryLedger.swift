/// A ledger held in memory: the store of a run without persistence, and the overlay that
/// lets a dry run (and a reprocessed batch before it commits) see its own effects while the
/// store underneath stays untouched.
public final class MemoryLedger: LedgerStore {
    private let base: LedgerStore?
    /// Accounts read from `base` (or created here), keyed by signature.
    private var accounts: [String: [SignatureKey: LedgerEntry]] = [:]
    private var processed = Set<String>()

    public init(over base: LedgerStore? = nil) { self.base = base }

    private func load(_ account: String) throws(BatchError) {
        guard accounts[account] == nil else { return }
        var held: [SignatureKey: LedgerEntry] = [:]
        for entry in try base?.entries(account: account) ?? [] { held[entry.key] = entry }
        accounts[account] = held
    }

    public func entries(account: String) throws(BatchError) -> [LedgerEntry] {
        try load(account)
        return Array(accounts[account]!.values)
    }

    public func isProcessed(sha256: String) throws(BatchError) -> Bool {
        if processed.contains(sha256) { return true }
        return try base?.isProcessed(sha256: sha256) ?? false
    }

    public func accounts(touchedBy sha256: String) throws(BatchError) -> [String] {
        var touched = Set(try base?.accounts(touchedBy: sha256) ?? [])
        for (account, held) in accounts where held.values.contains(where: { $0.batch == sha256 }) {
            touched.insert(account)
        }
        return touched.sorted()
    }

    public func commit(_ batch: BatchCommit) throws(BatchError) {
        if batch.undoFirst {
            for account in try accounts(touchedBy: batch.sha256) {
                try load(account)
                var held: [SignatureKey: LedgerEntry] = [:]
                for entry in accounts[account]!.values {
                    if let kept = entry.undoing(batch.sha256) { held[kept.key] = kept }
                }
                accounts[account] = held
            }
        }
        for entry in batch.entries {
            try load(entry.accountID)
            accounts[entry.accountID]![entry.key] = entry
        }
        processed.insert(batch.sha256)
    }
}
