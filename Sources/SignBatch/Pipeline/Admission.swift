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
    /// Account IDs → account numbers in `holdings`, which are indexes into `accountOrder`.
    private let accounts = ByteIndex()
    private let holdings = BatchHoldings()
    /// Accounts in the order this batch first names them.
    // Exclusivity unchecked: read for every row (its account's ID, by number), and only
    // `find` writes it, never while it is read.
    @exclusivity(unchecked) public private(set) var accountOrder: [String] = []

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
        _ = try load(account, hash: account.withBytes { ByteHash.hash($0) })
    }

    /// `note(account:)` of the application's account.
    func note(_ app: Application) throws(BatchError) {
        _ = try load(app)
    }

    /// The account of the latest lookup, by its ID's hash and number (a row is noted, then
    /// admitted: its second lookup compares one ID's bytes).
    // Exclusivity unchecked: no access to it overlaps another, and the per-access
    // bookkeeping of class properties cost more per row than the work it guards.
    @exclusivity(unchecked) private var last: (hash: UInt64, number: Int)?

    /// The number of the application's account, found by the bytes of its ID: the ID is
    /// decoded only for an account this batch has not named before.
    private func load(_ app: Application) throws(BatchError) -> Int {
        let hash = app.accountHash
        if let known = app.withBytes(.accountID, { knownNumber($0, hash: hash) }) { return known }
        return try find(app.accountID, hash: hash)
    }

    /// The account's number, reading its holdings from the ledger the first time.
    private func load(_ id: String, hash: UInt64) throws(BatchError) -> Int {
        if let known = id.withBytes({ knownNumber($0, hash: hash) }) { return known }
        return try find(id, hash: hash)
    }

    /// The number of an account this batch has named already, `last` first.
    private func knownNumber(_ id: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        if let last, last.hash == hash, accountOrder[last.number].withBytes({ $0.sameBytes(as: id) }) {
            return last.number
        }
        let number = accounts.index(of: id, hash: hash)
        if let number { last = (hash, number) }
        return number
    }

    /// Adds an account this batch has not named before.
    private func find(_ id: String, hash: UInt64) throws(BatchError) -> Int {
        let number = holdings.addAccount(hash: hash, holding: try session.holdings(of: id))
        _ = id.withBytes { accounts.add($0, hash: hash) }
        accountOrder.append(id)
        last = (hash, number)
        return number
    }

    /// Starts the memory reads that deciding these applications will need (see
    /// `BatchHoldings.prefetch`), before the first of them is decided.
    func prefetch(_ evaluations: [Evaluation]) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * evaluations.count) { hashes in
            let accountHashes = UnsafeMutableBufferPointer(rebasing: hashes[..<evaluations.count])
            let holdingHashes = UnsafeMutableBufferPointer(rebasing: hashes[evaluations.count...])
            var count = 0
            // Through the buffer, each row is read in place: copying an `Evaluation` out of
            // the array retained (and then released) its application and reasons.
            evaluations.withUnsafeBufferPointer { evaluations in
                for index in evaluations.indices {
                    accountHashes[index] = evaluations[index].application.accountHash
                    if evaluations[index].outcome != .rejected {
                        holdingHashes[count] = evaluations[index].application.holdingHash
                        count += 1
                    }
                }
            }
            accounts.prefetch(UnsafeBufferPointer(accountHashes))
            holdings.prefetch(UnsafeBufferPointer(rebasing: holdingHashes[..<count]))
            // Then each account's count of held keys, by the number its record (prefetched
            // above) most likely gives.
            for hash in accountHashes {
                if let account = accounts.likelyIndex(hash: hash) { holdings.prefetchCount(of: account) }
            }
        }
    }

    /// Decides an otherwise valid application: a rejection, or `nil` when admitted with the
    /// given outcome (accepted or needs-documents), which is then recorded in the ledger.
    public func admit(_ app: Application, as outcome: Outcome) throws(BatchError) -> Finding? {
        let account = try load(app)
        let id = accountOrder[account]
        let international = app.international.value ?? false
        let used = holdings.counts[account]
        let status: HeldStatus = outcome == .accepted ? .accepted : .needsDocuments
        let hash = app.holdingHash
        let refusal: Finding? = app.signKey.withBytes { key in
            let position = holdings.position(of: key, account: account, international: international, hash: hash)
            if let held = holdings.holding(at: position) {
                if held.claimed {
                    return Finding(.duplicateInBatch, message: "'\(app.signName)' was already admitted for account \(id) earlier in this batch")
                }
                if held.status != .needsDocuments {
                    let how = held.status == .existing ? "already holds" : "was already granted"
                    return Finding(.duplicateExisting, message: "account \(id) \(how) the signature '\(app.signName)' (\(held.status.rawValue))")
                }
                // A held needs_documents key is a resubmission: it already has its slot.
            } else if used >= quota {
                return Finding(.quotaExceeded, message: "account \(id) already uses \(used) of its \(quota) signatures")
            }
            holdings.set(HeldKeys.Holding(status: status, claimed: true), at: position, key: key, account: account,
                         international: international)
            return nil
        }
        if let refusal { return refusal }
        if records {
            try session.record(AdmittedEntry(accountID: id, key: SignatureKey(international: international, folded: app.signKey),
                                             signName: app.signName, status: status, line: app.line,
                                             accountNumber: account))
        }
        return nil
    }

    public func usage(of account: String) -> Usage {
        let number = account.withBytes { accounts.index(of: $0, hash: ByteHash.hash($0)) }
        return Usage(used: number.map { holdings.counts[$0] } ?? 0, quota: quota)
    }
}
