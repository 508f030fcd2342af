/// Deduplication and quota for one batch (SPEC §4 outcome rules, §5). Reads each account's
/// holdings from the ledger once, decides in input order, and records each admitted
/// application in the batch's open ledger transaction. Only an admitted application claims
/// its key and a slot.
public final class Admission {
    public struct Usage: Sendable, Equatable {
        public var used: Int
        public var quota: Int
    }

    private let session: LedgerSession
    private let quota: Int
    private var accounts: [String: HeldKeys] = [:]
    /// The account of the previous lookup (a row is noted, then admitted).
    private var lastID = ""
    private var lastAccount: HeldKeys?
    /// Accounts in the order this batch first names them.
    public private(set) var accountOrder: [String] = []

    /// `false` when nothing will read the batch's ledger changes (the last batch of a dry
    /// run): decisions are the same, only the ledger is not told.
    private let records: Bool

    public init(session: LedgerSession, quota: Int, records: Bool = true) {
        self.session = session
        self.quota = quota
        self.records = records
    }

    /// Registers an account of the batch so its usage is reported even if nothing is admitted.
    public func note(account: String) throws(BatchError) {
        _ = try load(account)
    }

    private func load(_ id: String) throws(BatchError) -> HeldKeys {
        // A row is noted, then admitted: the second lookup of its account hashes nothing.
        if let lastAccount, lastID == id { return lastAccount }
        let account: HeldKeys
        if let known = accounts[id] {
            account = known
        } else {
            account = try session.holdings(of: id)
            accounts[id] = account
            accountOrder.append(id)
        }
        lastID = id
        lastAccount = account
        return account
    }

    /// Decides an otherwise valid application: a rejection, or `nil` when admitted with the
    /// given outcome (accepted or needs-documents), which is then recorded in the ledger.
    public func admit(_ app: Application, as outcome: Outcome) throws(BatchError) -> Finding? {
        let id = app.accountID
        let account = try load(id)
        let international = app.international.value ?? false
        let used = account.count
        let status: HeldStatus = outcome == .accepted ? .accepted : .needsDocuments
        let refusal: Finding? = app.signKey.withBytes { key in
            let position = account.position(of: key, international: international)
            if let held = account.holding(at: position) {
                if held.claimed {
                    return Finding(.duplicateInBatch, "'\(app.signName)' was already admitted for account \(id) earlier in this batch")
                }
                if held.status != .needsDocuments {
                    let how = held.status == .existing ? "already holds" : "was already granted"
                    return Finding(.duplicateExisting, "account \(id) \(how) the signature '\(app.signName)' (\(held.status.rawValue))")
                }
                // A held needs_documents key is a resubmission: it already has its slot.
            } else if used >= quota {
                return Finding(.quotaExceeded, "account \(id) already uses \(used) of its \(quota) signatures")
            }
            account.set(HeldKeys.Holding(status: status, claimed: true), at: position, key: key,
                        international: international)
            return nil
        }
        if let refusal { return refusal }
        if records {
            try session.record(AdmittedEntry(accountID: id, key: SignatureKey(international: international, folded: app.signKey),
                                             signName: app.signName, status: status, line: app.line))
        }
        return nil
    }

    public func usage(of account: String) -> Usage {
        Usage(used: accounts[account]?.count ?? 0, quota: quota)
    }
}
