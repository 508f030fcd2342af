/// Deduplication and quota for one batch (SPEC §4 outcome rules, §5). Reads each account's
/// holdings from the ledger once, decides in input order, and collects the entries the
/// batch will commit. Only an admitted application claims its key and a slot.
public final class Admission {
    public struct Usage: Sendable, Equatable {
        public var used: Int
        public var quota: Int
    }

    /// A class so a row's decision mutates the holdings in place, never copying them.
    private final class Account {
        var held: [SignatureKey: LedgerEntry]
        var claimed = Set<SignatureKey>()
        init(held: [SignatureKey: LedgerEntry]) { self.held = held }
    }

    private let ledger: LedgerStore
    private let quota: Int
    private let batchSHA: String
    private let undoingBatch: Bool
    private var accounts: [String: Account] = [:]
    /// Accounts in the order this batch first names them.
    public private(set) var accountOrder: [String] = []
    public private(set) var entries: [LedgerEntry] = []

    /// - Parameter undoingBatch: `--reprocess`: the batch's own earlier entries are read as
    ///   undone (the commit undoes them for real).
    public init(ledger: LedgerStore, quota: Int, batchSHA: String, undoingBatch: Bool) {
        self.ledger = ledger
        self.quota = quota
        self.batchSHA = batchSHA
        self.undoingBatch = undoingBatch
    }

    /// Registers an account of the batch so its usage is reported even if nothing is admitted.
    public func note(account: String) throws(BatchError) {
        _ = try load(account)
    }

    private func load(_ id: String) throws(BatchError) -> Account {
        if let account = accounts[id] { return account }
        var held: [SignatureKey: LedgerEntry] = [:]
        for entry in try ledger.entries(account: id) {
            if let kept = undoingBatch ? entry.undoing(batchSHA) : entry { held[kept.key] = kept }
        }
        let account = Account(held: held)
        accounts[id] = account
        accountOrder.append(id)
        return account
    }

    /// Decides an otherwise valid application: a rejection, or `nil` when admitted with the
    /// given outcome (accepted or needs-documents), whose entry is then recorded.
    public func admit(_ app: Application, as outcome: Outcome) throws(BatchError) -> Finding? {
        let id = app.accountID
        let account = try load(id)
        let key = SignatureKey(international: app.international.value ?? false, folded: app.signKey)
        if account.claimed.contains(key) {
            return Finding(.duplicateInBatch, "'\(app.signName)' was already admitted for account \(id) earlier in this batch")
        }
        let held = account.held[key]
        if let held, held.status != .needsDocuments {
            let how = held.status == .existing ? "already holds" : "was already granted"
            return Finding(.duplicateExisting, "account \(id) \(how) the signature '\(held.signName)' (\(held.status.rawValue))")
        }
        if held == nil, account.held.count >= quota {
            return Finding(.quotaExceeded,
                           "account \(id) already uses \(account.held.count) of its \(quota) signatures")
        }
        let replaced = held.map {
            LedgerEntry.Replaced(signName: $0.signName, status: $0.status, batch: $0.batch, line: $0.line)
        }
        let entry = LedgerEntry(accountID: id, key: key, signName: app.signName,
                                status: outcome == .accepted ? .accepted : .needsDocuments,
                                batch: batchSHA, line: app.line, replaced: replaced)
        account.held[key] = entry
        account.claimed.insert(key)
        entries.append(entry)
        return nil
    }

    public func usage(of account: String) -> Usage {
        Usage(used: accounts[account]?.held.count ?? 0, quota: quota)
    }
}
