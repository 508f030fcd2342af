/// The fields of an application. CSV columns and XML elements share these names.
public enum Field: Int, CaseIterable, Sendable {
    case ref
    case accountID
    case accountType
    case signName
    case signType
    case international
    case signPurpose
    case documentType
    case documentFile
    case commissionFile
    case remark
    case productReleased
    case organizationName
    case creditCode
    case icpNumber

    public var name: String {
        switch self {
        case .ref: "ref"
        case .accountID: "account_id"
        case .accountType: "account_type"
        case .signName: "sign_name"
        case .signType: "sign_type"
        case .international: "international"
        case .signPurpose: "sign_purpose"
        case .documentType: "document_type"
        case .documentFile: "document_file"
        case .commissionFile: "commission_file"
        case .remark: "remark"
        case .productReleased: "product_released"
        case .organizationName: "organization_name"
        case .creditCode: "credit_code"
        case .icpNumber: "icp_number"
        }
    }

    /// Fields whose absence fails a CSV batch at its header.
    public static let requiredColumns: [Field] = [.accountID, .signName, .signType, .documentType]

    public init?(name: String) {
        guard let field = Field.byName.value(for: name) else { return nil }
        self = field
    }

    /// By the bytes of the name (XML element names arrive as bytes). Filled once, then only
    /// read, from any thread.
    nonisolated(unsafe) static let byName: ByteTable<Field> = {
        let table = ByteTable<Field>(limit: Field.allCases.count)
        for field in Field.allCases { table.insert(field, for: field.name) }
        return table
    }()
}
