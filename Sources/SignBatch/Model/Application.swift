/// An enum field after lookup: not given, one of the known values, or text that names none.
public enum Parsed<Value: Sendable>: Sendable {
    case absent
    case valid(Value)
    case invalid(String)

    public var value: Value? {
        if case .valid(let value) = self { return value }
        return nil
    }
}

/// An application after normalization (SPEC §3): what validation, admission and the
/// accepted output see. `raw` keeps the fields as they were given for the other outputs.
///
/// A class: the pipeline hands each application from stage to stage (and from the
/// evaluating thread to the writing one), and passing a reference is far cheaper than
/// copying twenty strings. It is built and annotated on one thread, then only read.
///
/// The fields that are only checked and copied (`TextField`) are kept as bytes: a span of
/// the raw row where normalization left the text as it was (trimmed at most), else of
/// `changed`. Their `String` properties decode on each use; the pipeline reads their bytes.
public final class Application: @unchecked Sendable {
    public let raw: RawApplication
    public let accountType: Parsed<AccountType>
    public let signName: String
    public let signType: Parsed<RuleSet.SignType>
    public let international: Parsed<Bool>
    public let purpose: Parsed<Purpose>
    public let documentType: Parsed<RuleSet.DocumentType>
    public let productReleased: Parsed<Bool>
    /// The deduplication form of `signName`: case-folded, spaces removed.
    public let signKey: String
    /// Whether `accountID` has an account ID's form (`Validator.isValidAccountID`): decided
    /// once, for the validator's reason and for admission, which notes only such accounts.
    let hasValidAccountID: Bool
    /// `ByteHash` of `accountID`.
    let accountHash: UInt64
    /// The hash admission files the key under (`BatchHoldings.hash`).
    let holdingHash: UInt64
    // Exclusivity unchecked: no access to it overlaps another, and the per-access
    // bookkeeping of class properties cost more per row than the work it guards.
    @exclusivity(unchecked) public var warnings: [Finding] = []
    private let text: NormalizedText

    public var line: Int { raw.line }

    public var ref: String { string(.ref) }
    public var accountID: String { string(.accountID) }
    public var documentFile: String { string(.documentFile) }
    public var commissionFile: String { string(.commissionFile) }
    public var remark: String { string(.remark) }
    public var organizationName: String { string(.organizationName) }
    public var creditCode: String { string(.creditCode) }
    public var icpNumber: String { string(.icpNumber) }

    init(raw: RawApplication, accountType: Parsed<AccountType>,
         signName: String, signType: Parsed<RuleSet.SignType>, international: Parsed<Bool>,
         purpose: Parsed<Purpose>, documentType: Parsed<RuleSet.DocumentType>,
         productReleased: Parsed<Bool>, signKey: String, hasValidAccountID: Bool, accountHash: UInt64,
         holdingHash: UInt64, text: NormalizedText) {
        self.raw = raw
        self.accountType = accountType
        self.signName = signName
        self.signType = signType
        self.international = international
        self.purpose = purpose
        self.documentType = documentType
        self.productReleased = productReleased
        self.signKey = signKey
        self.hasValidAccountID = hasValidAccountID
        self.accountHash = accountHash
        self.holdingHash = holdingHash
        self.text = text
    }

    /// `body` with the normalized field's bytes.
    @inline(__always)
    func withBytes<R>(_ field: TextField, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        text.withBytes(field, of: raw, body)
    }

    @inline(__always)
    func isEmpty(_ field: TextField) -> Bool { text.spans[field.rawValue].range.isEmpty }

    public func string(_ field: TextField) -> String {
        withBytes(field) { String(decoding: $0, as: UTF8.self) }
    }
}

/// The normalized fields an `Application` keeps as bytes.
public enum TextField: Int, CaseIterable, Sendable {
    case ref, accountID, documentFile, commissionFile, remark, organizationName, creditCode, icpNumber

    /// The raw field it is normalized from.
    public var field: Field {
        switch self {
        case .ref: .ref
        case .accountID: .accountID
        case .documentFile: .documentFile
        case .commissionFile: .commissionFile
        case .remark: .remark
        case .organizationName: .organizationName
        case .creditCode: .creditCode
        case .icpNumber: .icpNumber
        }
    }
}

/// Where each `TextField` of an application lies: a span of the raw row's bytes, or of
/// `changed`, which holds the normalized text that differs from the raw (usually none).
struct NormalizedText {
    struct Span {
        var span: TextSpan
        var inRaw: Bool
        var range: Range<Int> { span.range }
    }

    private(set) var changed: [UInt8] = []
    private(set) var spans = InlineArray<8, Span>(repeating: Span(span: TextSpan(0..<0), inRaw: false))

    /// The field is `range` of the raw row's bytes.
    /// `body` with the field's bytes, in `raw` (the row the spans were set from) or `changed`.
    @inline(__always)
    func withBytes<R>(_ field: TextField, of raw: borrowing RawApplication,
                      _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let span = spans[field.rawValue]
        if span.inRaw {
            return raw.text.withBytes(span.range, body)
        }
        return changed.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[span.range])) }
    }

    mutating func set(_ field: TextField, raw range: Range<Int>) {
        spans[field.rawValue] = Span(span: TextSpan(range), inRaw: true)
    }

    mutating func set(_ field: TextField, _ value: String) {
        let start = changed.count
        changed += value.utf8
        spans[field.rawValue] = Span(span: TextSpan(start..<changed.count), inRaw: false)
    }
}
