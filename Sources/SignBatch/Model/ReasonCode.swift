/// The stable reason codes of SPEC §4. Users grep and count them: never rename one.
public enum ReasonCode: String, CaseIterable, Sendable, Comparable {
    case rowMalformed = "ROW_MALFORMED"
    case schemaInvalid = "SCHEMA_INVALID"
    case accountIDMissing = "ACCOUNT_ID_MISSING"
    case accountIDInvalid = "ACCOUNT_ID_INVALID"
    case accountTypeInvalid = "ACCOUNT_TYPE_INVALID"
    case signNameMissing = "SIGN_NAME_MISSING"
    case signLength = "SIGN_LENGTH"
    case signCharset = "SIGN_CHARSET"
    case signNeutral = "SIGN_NEUTRAL"
    case signTypeMissing = "SIGN_TYPE_MISSING"
    case signTypeInvalid = "SIGN_TYPE_INVALID"
    case signTypeNotAllowed = "SIGN_TYPE_NOT_ALLOWED"
    case purposeInvalid = "PURPOSE_INVALID"
    case purposeNotAllowed = "PURPOSE_NOT_ALLOWED"
    case internationalInvalid = "INTERNATIONAL_INVALID"
    case productReleasedInvalid = "PRODUCT_RELEASED_INVALID"
    case productUnreleased = "PRODUCT_UNRELEASED"
    case remarkMissing = "REMARK_MISSING"
    case remarkInvalid = "REMARK_INVALID"
    case remarkMismatch = "REMARK_MISMATCH"
    case documentTypeMissing = "DOCUMENT_TYPE_MISSING"
    case documentTypeInvalid = "DOCUMENT_TYPE_INVALID"
    case documentTypeMismatch = "DOCUMENT_TYPE_MISMATCH"
    case documentPathInvalid = "DOCUMENT_PATH_INVALID"
    case creditCodeInvalid = "CREDIT_CODE_INVALID"
    case icpNumberInvalid = "ICP_NUMBER_INVALID"
    case duplicateInBatch = "DUPLICATE_IN_BATCH"
    case duplicateExisting = "DUPLICATE_EXISTING"
    case quotaExceeded = "QUOTA_EXCEEDED"
    case proofMissing = "PROOF_MISSING"
    case proofNotFound = "PROOF_NOT_FOUND"
    case proofFormat = "PROOF_FORMAT"
    case proofTooLarge = "PROOF_TOO_LARGE"
    case commissionMissing = "COMMISSION_MISSING"
    case commissionNotFound = "COMMISSION_NOT_FOUND"
    case commissionFormat = "COMMISSION_FORMAT"
    case commissionTooLarge = "COMMISSION_TOO_LARGE"
    case signNormalized = "SIGN_NORMALIZED"
    case signOrgMismatch = "SIGN_ORG_MISMATCH"
    case unknownColumn = "UNKNOWN_COLUMN"

    public enum Severity: String, Sendable {
        case rejection = "rejected"
        case needsDocuments = "needs-documents"
        case warning = "warning"
    }

    public var severity: Severity {
        switch self {
        case .proofMissing, .proofNotFound, .proofFormat, .proofTooLarge,
             .commissionMissing, .commissionNotFound, .commissionFormat, .commissionTooLarge:
            .needsDocuments
        case .signNormalized, .signOrgMismatch, .unknownColumn:
            .warning
        default:
            .rejection
        }
    }

    /// One line for `signbatch reasons`.
    public var summary: String {
        switch self {
        case .rowMalformed: "CSV row with a different number of fields than the header, a stray quote, invalid bytes, or over the size limits"
        case .schemaInvalid: "XML application that breaks the batch schema (libxml2's message, with line)"
        case .accountIDMissing: "account_id is empty"
        case .accountIDInvalid: "account_id is not [A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
        case .accountTypeInvalid: "account_type is not enterprise or individual"
        case .signNameMissing: "sign_name is empty after normalization"
        case .signLength: "sign_name outside 2-12 (mainland) / 2-15 (international) characters"
        case .signCharset: "sign_name holds a character its region does not allow"
        case .signNeutral: "sign_name is only digits or made up entirely of neutral words"
        case .signTypeMissing: "sign_type is empty"
        case .signTypeInvalid: "sign_type is not a known type"
        case .signTypeNotAllowed: "an individual account asks for a company, trademark or government signature"
        case .purposeInvalid: "sign_purpose is not self or others"
        case .purposeNotAllowed: "an individual account applies on behalf of others"
        case .internationalInvalid: "international is not 0/1 (mainland/international)"
        case .productReleasedInvalid: "product_released is not yes/no"
        case .productUnreleased: "an app, website, official account or mini program that is not released yet"
        case .remarkMissing: "app, website, official account or mini program without remark"
        case .remarkInvalid: "remark is not an http(s) URL (app), a domain name (website), or is too long (account name)"
        case .remarkMismatch: "official account / mini program: the signature does not occur in the account name"
        case .documentTypeMissing: "document_type is empty"
        case .documentTypeInvalid: "document_type is not a known type"
        case .documentTypeMismatch: "document_type is not allowed for this sign type and account type"
        case .documentPathInvalid: "a document path is absolute or leaves the allowed directory"
        case .creditCodeInvalid: "credit_code has the wrong length, characters or check character"
        case .icpNumberInvalid: "icp_number is not <province>ICP备<8 digits>号[-n] or <province>ICP证<6 digits>号"
        case .duplicateInBatch: "the same signature was admitted earlier in this batch"
        case .duplicateExisting: "the account already holds this signature"
        case .quotaExceeded: "admitting it would take the account past its quota"
        case .proofMissing: "no document_file"
        case .proofNotFound: "document_file does not exist"
        case .proofFormat: "document_file is not a JPEG or PNG image, or unreadable"
        case .proofTooLarge: "document_file is larger than the limit (5 MiB)"
        case .commissionMissing: "purpose is others but no commission_file"
        case .commissionNotFound: "commission_file does not exist"
        case .commissionFormat: "commission_file is not a JPEG or PNG image, or unreadable"
        case .commissionTooLarge: "commission_file is larger than the limit (5 MiB)"
        case .signNormalized: "sign_name was changed by normalization"
        case .signOrgMismatch: "company signature whose characters are not a subsequence of organization_name"
        case .unknownColumn: "a column that is not a field; carried through to the outputs"
        }
    }

    private var ordinal: Int { ReasonCode.allCases.firstIndex(of: self)! }
    public static func < (lhs: ReasonCode, rhs: ReasonCode) -> Bool { lhs.ordinal < rhs.ordinal }
}

/// A per-row problem or note: a value, never a thrown error.
public struct Finding: Sendable, Equatable {
    public var code: ReasonCode
    public var message: String

    public init(_ code: ReasonCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A message assembled from its pieces as bytes (see `FindingMessage`): the form for the
    /// findings that rows of every batch get.
    init(_ code: ReasonCode, message: FindingMessage) {
        self.code = code
        self.message = message.string
    }
}
