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
public struct Application: Sendable {
    public var raw: RawApplication
    public var ref: String
    public var accountID: String
    public var accountType: Parsed<AccountType>
    public var signName: String
    public var signType: Parsed<RuleSet.SignType>
    public var international: Parsed<Bool>
    public var purpose: Parsed<Purpose>
    public var documentType: Parsed<RuleSet.DocumentType>
    public var documentFile: String
    public var commissionFile: String
    public var remark: String
    public var productReleased: Parsed<Bool>
    public var organizationName: String
    public var creditCode: String
    public var icpNumber: String
    /// The deduplication form of `signName`: case-folded, spaces removed.
    public var signKey: String
    public var warnings: [Finding] = []

    public var line: Int { raw.line }
}
