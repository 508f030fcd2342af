/// Where the signatures of every account are kept between runs. `SQLiteLedger` persists;
/// `MemoryLedger` serves tests and fuzzing.
public protocol LedgerStore: AnyObject {
    /// Runs a whole run against the ledger. With `persist == false` (a dry run) the session
    /// sees its own changes, batch after batch, and every one of them is discarded at the end.
    func session<T>(persist: Bool, _ body: (LedgerSession) throws -> T) throws -> T
}

/// The ledger as one run sees it. Each batch's changes form one transaction, begun before
/// its first row and committed only once its outputs are in place.
public protocol LedgerSession: AnyObject {
    /// The signatures one account holds now (including the open batch's own changes).
    func holdings(of account: String) throws(BatchError) -> HeldKeys
    func isProcessed(sha256: String) throws(BatchError) -> Bool
    /// Opens the batch's transaction. `undoingEarlier` (`--reprocess`): the batch's earlier
    /// entries go first and what its resubmissions replaced comes back.
    func beginBatch(sha256: String, name: String, path: String, undoingEarlier: Bool) throws(BatchError)
    /// An admitted application. A key held as needs_documents is replaced, remembering what
    /// it replaced so that undoing this batch restores it.
    func record(_ entry: AdmittedEntry) throws(BatchError)
    func commitBatch(rows: Int) throws(BatchError)
    /// Discards the open batch's changes (a batch that failed).
    func rollbackBatch()
}

/// What admission hands the ledger for one admitted application.
public struct AdmittedEntry: Sendable, Equatable {
    public var accountID: String
    public var key: SignatureKey
    public var signName: String
    public var status: HeldStatus
    public var line: Int
    /// The caller's own number for the account, when it has one: within one batch, the same
    /// ID always with the same number and different IDs with different ones, numbered from 0
    /// as they are named. A ledger may then find the account by it instead of by the ID's bytes.
    public var accountNumber: Int?

    public init(accountID: String, key: SignatureKey, signName: String, status: HeldStatus, line: Int,
                accountNumber: Int? = nil) {
        self.accountID = accountID
        self.key = key
        self.signName = signName
        self.status = status
        self.line = line
        self.accountNumber = accountNumber
    }
}
