import Foundation

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

extension String {
    /// Byte equality of the UTF-8 forms (not `==`, which compares canonical equivalence).
    @inline(__always)
    static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        let count = lhs.utf8.count
        guard count == rhs.utf8.count else { return false }
        // Native strings are contiguous: compared in place, without copying either.
        if let equal = lhs.utf8.withContiguousStorageIfAvailable({ left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                count == 0 || memcmp(left.baseAddress!, right.baseAddress!, count) == 0
            }
        }), let equal {
            return equal
        }
        return lhs.utf8.elementsEqual(rhs.utf8)
    }
}

extension Hasher {
    /// The string's bytes, as `String`'s own hash would for ASCII text, without normalizing.
    @inline(__always)
    mutating func combineUTF8(of text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            var text = text
            text.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        }
        combine(0xFF as UInt8)  // no UTF-8 byte: ends the string, so ("ab","c") ≠ ("a","bc")
    }
}

/// A string compared and hashed by its bytes, as a dictionary key: for text whose form is
/// fixed (raw input, normalized output) byte equality is what counts, and it is far cheaper
/// than `String`'s canonical equivalence on non-ASCII text.
struct ByteKey: Hashable {
    let text: String
    init(_ text: String) { self.text = text }
    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { String.sameBytes(lhs.text, rhs.text) }
    func hash(into hasher: inout Hasher) { hasher.combineUTF8(of: text) }
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
