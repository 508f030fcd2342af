import Testing
@testable import SignBatch

/// SPEC §4 outcome rules and §5: duplicates, the quota, and resubmissions. Only an admitted
/// application claims its key and a slot.
struct AdmissionTests {
    static func app(_ sign: String, account: String = "acct", international: Bool = false, line: Int = 2) -> Application {
        UnitSupport.application([.signName: sign, .accountID: account, .international: international ? "1" : "0"],
                                line: line)
    }

    static func entry(_ sign: String, account: String = "acct", international: Bool = false,
                      status: HeldStatus, batch: String? = nil) -> LedgerEntry {
        LedgerEntry(accountID: account,
                    key: SignatureKey(international: international, folded: TextNormalizer.fold(TextNormalizer.signName(sign))),
                    signName: sign, status: status, batch: batch, line: batch == nil ? nil : 2)
    }

    static func ledger(_ entries: [LedgerEntry]) throws -> MemoryLedger {
        let ledger = MemoryLedger()
        ledger.importEntries(entries)
        return ledger
    }

    /// Opens a batch on the ledger and admits into it, remembering what was recorded.
    final class Batch: LedgerSession {
        let ledger: MemoryLedger
        private(set) var entries: [AdmittedEntry] = []
        private(set) var admission: Admission!

        init(_ ledger: MemoryLedger, quota: Int, sha256: String, undoing: Bool) throws {
            self.ledger = ledger
            try ledger.beginBatch(sha256: sha256, name: sha256, path: sha256, undoingEarlier: undoing)
            admission = Admission(session: self, quota: quota)
        }

        func admit(_ app: Application, as outcome: Outcome) throws -> Finding? { try admission.admit(app, as: outcome) }
        func note(account: String) throws { try admission.note(account: account) }
        func usage(of account: String) -> Admission.Usage { admission.usage(of: account) }
        var accountOrder: [String] { admission.accountOrder }

        func holdings(of account: String) throws(BatchError) -> HeldKeys { try ledger.holdings(of: account) }
        func isProcessed(sha256: String) throws(BatchError) -> Bool { try ledger.isProcessed(sha256: sha256) }
        func beginBatch(sha256: String, name: String, path: String, undoingEarlier: Bool) throws(BatchError) {}
        func record(_ entry: AdmittedEntry) throws(BatchError) {
            entries.append(entry)
            try ledger.record(entry)
        }
        func commitBatch(rows: Int) throws(BatchError) { try ledger.commitBatch(rows: rows) }
        func rollbackBatch() { ledger.rollbackBatch() }
    }

    static func admission(_ ledger: MemoryLedger, quota: Int, batch: String = "batch-1",
                          undoing: Bool = false) throws -> Batch {
        try Batch(ledger, quota: quota, sha256: batch, undoing: undoing)
    }

    /// Each application's refusal code, `nil` when admitted.
    static func decide(_ admission: Batch, _ apps: [Application],
                       as outcome: Outcome = .accepted) throws -> [ReasonCode?] {
        try apps.map { try admission.admit($0, as: outcome)?.code }
    }

    @Test func firstOfInBatchDuplicatesWins() throws {
        let admission = try Self.admission(try Self.ledger([]), quota: 200)
        let apps = [Self.app("Tencent Cloud", international: true, line: 2),
                    Self.app("tencentcloud", international: true, line: 3),
                    Self.app("【ＴＥＮＣＥＮＴ ＣＬＯＵＤ】", international: true, line: 4)]
        #expect(try Self.decide(admission, apps) == [nil, .duplicateInBatch, .duplicateInBatch])
        #expect(admission.entries.count == 1)
        #expect(admission.entries.first?.line == 2)
        #expect(admission.entries.first?.signName == "Tencent Cloud")
        #expect(admission.usage(of: "acct") == .init(used: 1, quota: 200))
    }

    @Test func keyIncludesAccountAndRegion() throws {
        let admission = try Self.admission(try Self.ledger([]), quota: 200)
        let apps = [Self.app("腾讯云"), Self.app("腾讯云", account: "other"), Self.app("腾讯云", international: true),
                    Self.app("腾讯云 "), Self.app("腾讯云", account: "other", international: true)]
        #expect(try Self.decide(admission, apps) == [nil, nil, nil, .duplicateInBatch, nil])
        #expect(admission.usage(of: "acct").used == 2)
        #expect(admission.usage(of: "other").used == 2)
    }

    @Test(arguments: [HeldStatus.existing, .accepted])
    func heldSignatureIsADuplicate(status: HeldStatus) throws {
        let ledger = try Self.ledger([Self.entry("Tencent Cloud", international: true, status: status)])
        let admission = try Self.admission(ledger, quota: 200)
        let refusal = try admission.admit(Self.app("TENCENTCLOUD", international: true), as: .accepted)
        #expect(refusal?.code == .duplicateExisting)
        #expect(refusal?.message.contains(status.rawValue) == true)
        // Another region or account is a different signature.
        #expect(try admission.admit(Self.app("TENCENTCLOUD"), as: .accepted) == nil)
        #expect(try admission.admit(Self.app("TENCENTCLOUD", account: "b", international: true), as: .accepted) == nil)
        #expect(admission.entries.count == 2)
    }

    @Test(arguments: [Outcome.accepted, .needsDocuments])
    func needsDocumentsResubmissionTakesNoSlot(outcome: Outcome) throws {
        let ledger = try Self.ledger([Self.entry("腾讯云", status: .needsDocuments, batch: "old")])
        let admission = try Self.admission(ledger, quota: 1)
        #expect(try admission.admit(Self.app("【腾讯云】", line: 7), as: outcome) == nil)
        #expect(admission.usage(of: "acct") == .init(used: 1, quota: 1))
        let entry = try #require(admission.entries.first)
        #expect(entry.status == (outcome == .accepted ? .accepted : .needsDocuments))
        #expect(entry.line == 7)
        let held = try #require(ledger.entries(account: "acct").first)
        #expect(held.batch == "batch-1")
        #expect(held.replaced == .init(signName: "腾讯云", status: .needsDocuments, batch: "old", line: 2))
        // The account is full: a new signature does not fit, and the resubmitted one is now claimed.
        #expect(try Self.decide(admission, [Self.app("微信支付"), Self.app("腾讯云")]) == [.quotaExceeded, .duplicateInBatch])
    }

    @Test func quotaBoundary() throws {
        let ledger = try Self.ledger([Self.entry("腾讯云", status: .existing)])
        let admission = try Self.admission(ledger, quota: 3)
        let apps = ["微信支付", "腾讯视频", "腾讯音乐", "腾讯游戏"].map { Self.app($0) }
        #expect(try Self.decide(admission, apps) == [nil, nil, .quotaExceeded, .quotaExceeded])
        #expect(admission.usage(of: "acct") == .init(used: 3, quota: 3))
        #expect(admission.entries.map(\.signName) == ["微信支付", "腾讯视频"])
    }

    @Test func quotaCountsEveryHeldStatus() throws {
        let ledger = try Self.ledger([Self.entry("甲公司", status: .existing), Self.entry("乙公司", status: .accepted),
                                      Self.entry("丙公司", status: .needsDocuments)])
        let admission = try Self.admission(ledger, quota: 4)
        #expect(try Self.decide(admission, [Self.app("丁公司"), Self.app("戊公司")]) == [nil, .quotaExceeded])
        // Other accounts have their own quota.
        #expect(try admission.admit(Self.app("戊公司", account: "b"), as: .accepted) == nil)
    }

    @Test func zeroQuotaAdmitsNothingNew() throws {
        let ledger = try Self.ledger([Self.entry("腾讯云", status: .needsDocuments)])
        let admission = try Self.admission(ledger, quota: 0)
        #expect(try Self.decide(admission, [Self.app("微信支付"), Self.app("腾讯云")]) == [.quotaExceeded, nil])
    }

    @Test func refusedApplicationsClaimNothing() throws {
        let admission = try Self.admission(try Self.ledger([]), quota: 1)
        let apps = [Self.app("腾讯云"), Self.app("微信支付"), Self.app("微信支付"), Self.app("腾讯云")]
        // The second 微信支付 is over quota too, not a duplicate of a row that was refused.
        #expect(try Self.decide(admission, apps) == [nil, .quotaExceeded, .quotaExceeded, .duplicateInBatch])
        #expect(admission.entries.count == 1)
    }

    @Test func refusedDuplicateExistingClaimsNothing() throws {
        let ledger = try Self.ledger([Self.entry("腾讯云", status: .existing)])
        let admission = try Self.admission(ledger, quota: 200)
        #expect(try Self.decide(admission, [Self.app("腾讯云"), Self.app("腾讯云")]) ==
                [.duplicateExisting, .duplicateExisting])
        #expect(admission.entries.isEmpty)
        #expect(admission.usage(of: "acct").used == 1)
    }

    @Test func checksRunInOrderDuplicateInBatchThenExistingThenQuota() throws {
        let ledger = try Self.ledger([Self.entry("腾讯云", status: .existing)])
        let admission = try Self.admission(ledger, quota: 2)
        // Full quota: a held signature is still reported as the duplicate it is.
        #expect(try Self.decide(admission, [Self.app("微信支付"), Self.app("腾讯云"), Self.app("微信支付"), Self.app("QQ音乐")])
                == [nil, .duplicateExisting, .duplicateInBatch, .quotaExceeded])
    }

    @Test func needsDocumentsOutcomeClaimsItsKeyAndASlot() throws {
        let admission = try Self.admission(try Self.ledger([]), quota: 2)
        #expect(try admission.admit(Self.app("腾讯云"), as: .needsDocuments) == nil)
        #expect(admission.entries.first?.status == .needsDocuments)
        #expect(try Self.decide(admission, [Self.app("腾讯云"), Self.app("微信支付"), Self.app("QQ音乐")]) ==
                [.duplicateInBatch, nil, .quotaExceeded])
    }

    @Test func laterBatchesSeeEarlierCommits() throws {
        let ledger = try Self.ledger([])
        let first = try Self.admission(ledger, quota: 3, batch: "b1")
        #expect(try first.admit(Self.app("腾讯云"), as: .accepted) == nil)
        #expect(try first.admit(Self.app("微信支付"), as: .needsDocuments) == nil)
        try first.commitBatch(rows: 2)
        let second = try Self.admission(ledger, quota: 3, batch: "b2")
        #expect(try Self.decide(second, [Self.app("腾讯云"), Self.app("微信支付"), Self.app("QQ音乐"), Self.app("腾讯视频")])
                == [.duplicateExisting, nil, nil, .quotaExceeded])
    }

    @Test func reprocessingReadsTheBatchsOwnEntriesAsUndone() throws {
        let ledger = try Self.ledger([Self.entry("腾讯云", status: .accepted, batch: "b1"),
                                      Self.entry("甲公司", status: .existing)])
        let again = try Self.admission(ledger, quota: 2, batch: "b1", undoing: true)
        #expect(try Self.decide(again, [Self.app("腾讯云"), Self.app("甲公司"), Self.app("乙公司")]) ==
                [nil, .duplicateExisting, .quotaExceeded])
        // A batch that fails rolls back: the undo never happened for anyone else.
        again.rollbackBatch()
        let other = try Self.admission(ledger, quota: 2, batch: "b2")
        #expect(try other.admit(Self.app("腾讯云"), as: .accepted)?.code == .duplicateExisting)
    }

    @Test func notedAccountsAreReportedInOrder() throws {
        let ledger = try Self.ledger([Self.entry("腾讯云", account: "b", status: .existing)])
        let admission = try Self.admission(ledger, quota: 5)
        try admission.note(account: "b")
        _ = try admission.admit(Self.app("微信支付", account: "a"), as: .accepted)
        try admission.note(account: "b")
        #expect(admission.accountOrder == ["b", "a"])
        #expect(admission.usage(of: "b") == .init(used: 1, quota: 5))
        #expect(admission.usage(of: "a") == .init(used: 1, quota: 5))
        #expect(admission.usage(of: "nobody") == .init(used: 0, quota: 5))
    }
}
