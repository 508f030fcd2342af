/// The rules file exactly as it is written in JSON (`default-rules.json` or `--rules FILE`).
/// `RuleSet` compiles it into the lookup tables the validator uses.
public struct RulesFile: Codable, Sendable, Equatable {
    public struct LengthLimit: Codable, Sendable, Equatable {
        public var minLength: Int
        public var maxLength: Int
        enum CodingKeys: String, CodingKey {
            case minLength = "min_length"
            case maxLength = "max_length"
        }
    }

    public struct SignNameLimits: Codable, Sendable, Equatable {
        public var mainland: LengthLimit
        public var international: LengthLimit
    }

    public struct RemarkLimits: Codable, Sendable, Equatable {
        public var maxAccountNameLength: Int
        enum CodingKeys: String, CodingKey { case maxAccountNameLength = "max_account_name_length" }
    }

    public struct CertificateLimits: Codable, Sendable, Equatable {
        public var maxBytes: Int
        enum CodingKeys: String, CodingKey { case maxBytes = "max_bytes" }
    }

    public struct InputLimits: Codable, Sendable, Equatable {
        public var maxFieldBytes: Int
        public var maxRowBytes: Int
        public var maxReasonsPerRow: Int
        public var maxXMLDepth: Int
        enum CodingKeys: String, CodingKey {
            case maxFieldBytes = "max_field_bytes"
            case maxRowBytes = "max_row_bytes"
            case maxReasonsPerRow = "max_reasons_per_row"
            case maxXMLDepth = "max_xml_depth"
        }
    }

    public struct AccountTypeEntry: Codable, Sendable, Equatable {
        public var name: String
        public var spellings: [String]
    }

    public struct SignTypeEntry: Codable, Sendable, Equatable {
        public struct Documents: Codable, Sendable, Equatable {
            public var enterprise: [Int]?
            public var individual: [Int]?
        }
        public var code: Int
        public var name: String
        public var spellings: [String]
        public var remark: RemarkKind
        public var product: Bool
        public var documents: Documents
    }

    public struct DocumentTypeEntry: Codable, Sendable, Equatable {
        public var code: Int
        public var name: String
        public var spellings: [String]
    }

    public var version: Int
    public var quota: Int
    public var signName: SignNameLimits
    public var neutralWords: [String]
    public var remark: RemarkLimits
    public var certificate: CertificateLimits
    public var limits: InputLimits
    public var accountTypes: [AccountTypeEntry]
    public var signTypes: [SignTypeEntry]
    public var documentTypes: [DocumentTypeEntry]

    enum CodingKeys: String, CodingKey {
        case version, quota, remark, certificate, limits
        case signName = "sign_name"
        case neutralWords = "neutral_words"
        case accountTypes = "account_types"
        case signTypes = "sign_types"
        case documentTypes = "document_types"
    }
}

/// What a sign type's remark must hold.
public enum RemarkKind: String, Codable, Sendable {
    case none
    case appURL = "app_url"
    case domain
    case accountName = "account_name"
}
