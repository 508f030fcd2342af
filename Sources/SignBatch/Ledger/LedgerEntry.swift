/// How an account holds a signature.
public enum HeldStatus: String, Sendable, CaseIterable {
    case existing
    case accepted
    case needsDocuments = "needs_documents"
}

/// The identity of a signature within one account: SPEC §3's deduplication key less the
/// account itself.
public struct SignatureKey: Hashable, Sendable {
    public var international: Bool
    /// The normalized `sign_name`, case-folded, spaces removed.
    public var folded: String

    public init(international: Bool, folded: String) {
        self.international = international
        self.folded = folded
    }

    // Keys are NFKC text, so equal keys have equal bytes: hashing and comparing the bytes
    // skips the Unicode normalization `String` would do for every Chinese name.
    public static func == (lhs: SignatureKey, rhs: SignatureKey) -> Bool {
        lhs.international == rhs.international && String.sameBytes(lhs.folded, rhs.folded)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(international)
        hasher.combineUTF8(of: folded)
    }
}

/// One signature an account holds.
public struct LedgerEntry: Sendable, Equatable {
    /// What a resubmission replaced, restored if the resubmitting batch is undone.
    public struct Replaced: Sendable, Equatable {
        public var signName: String
        public var status: HeldStatus
        public var batch: String?
        public var line: Int?
    }

    public var accountID: String
    public var key: SignatureKey
    public var signName: String
    public var status: HeldStatus
    /// SHA-256 of the batch that wrote it; `nil` for imported signatures.
    public var batch: String?
    public var line: Int?
    public var replaced: Replaced?

    public init(accountID: String, key: SignatureKey, signName: String, status: HeldStatus,
                batch: String? = nil, line: Int? = nil, replaced: Replaced? = nil) {
        self.accountID = accountID
        self.key = key
        self.signName = signName
        self.status = status
        self.batch = batch
        self.line = line
        self.replaced = replaced
    }
}

extension LedgerEntry {
    /// Undoing `sha256`: its own entries go, and what its resubmissions replaced comes back.
    /// `nil` when the entry disappears.
    func undoing(_ sha256: String) -> LedgerEntry? {
        guard batch == sha256 else {
            // What this entry replaced is being undone itself: nothing to restore later.
            if replaced?.batch == sha256 {
                var kept = self
                kept.replaced = nil
                return kept
            }
            return self
        }
        guard let replaced else { return nil }
        return LedgerEntry(accountID: accountID, key: key, signName: replaced.signName,
                           status: replaced.status, batch: replaced.batch, line: replaced.line)
    }
}
