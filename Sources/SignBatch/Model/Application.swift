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
public final class Application: @unchecked Sendable {
    public let raw: RawApplication
    public let ref: String
    public let accountID: String
    public let accountType: Parsed<AccountType>
    public let signName: String
    public let signType: Parsed<RuleSet.SignType>
    public let international: Parsed<Bool>
    public let purpose: Parsed<Purpose>
    public let documentType: Parsed<RuleSet.DocumentType>
    public let documentFile: String
    public let commissionFile: String
    public let remark: String
    public let productReleased: Parsed<Bool>
    public let organizationName: String
    public let creditCode: String
    public let icpNumber: String
    /// The deduplication form of `signName`: case-folded, spaces removed.
    public let signKey: String
    public var warnings: [Finding] = []

    public var line: Int { raw.line }

    public init(raw: RawApplication, ref: String, accountID: String, accountType: Parsed<AccountType>,
                signName: String, signType: Parsed<RuleSet.SignType>, international: Parsed<Bool>,
                purpose: Parsed<Purpose>, documentType: Parsed<RuleSet.DocumentType>, documentFile: String,
                commissionFile: String, remark: String, productReleased: Parsed<Bool>, organizationName: String,
                creditCode: String, icpNumber: String, signKey: String) {
        self.raw = raw
        self.ref = ref
        self.accountID = accountID
        self.accountType = accountType
        self.signName = signName
        self.signType = signType
        self.international = international
        self.purpose = purpose
        self.documentType = documentType
        self.documentFile = documentFile
        self.commissionFile = commissionFile
        self.remark = remark
        self.productReleased = productReleased
        self.organizationName = organizationName
        self.creditCode = creditCode
        self.icpNumber = icpNumber
        self.signKey = signKey
    }
}
