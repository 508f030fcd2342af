import Foundation

public enum AccountType: String, Sendable, CaseIterable {
    case enterprise, individual

    /// `rawValue` as static text, for output cells written from bytes.
    var spelling: StaticString {
        switch self {
        case .enterprise: "enterprise"
        case .individual: "individual"
        }
    }
}

public enum Purpose: String, Sendable, CaseIterable {
    case `self`, others

    /// `rawValue` as static text, for output cells written from bytes.
    var spelling: StaticString {
        switch self {
        case .self: "self"
        case .others: "others"
        }
    }
}

/// The compiled rules: lookup tables built once per run from a `RulesFile`.
///
/// A class: every stage holds the rules, and a struct of this many tables would be copied
/// (retained field by field) wherever a method of it is passed as a closure.
public final class RuleSet: Sendable {
    /// A class: every application refers to one of a handful of types, and copying a
    /// reference is cheaper than copying its sets.
    public final class SignType: Sendable, Equatable {
        public let code: Int
        /// The name's bytes, which output rows write without retaining anything.
        let ruleName: RuleName
        public var name: String { ruleName.description }
        public let remark: RemarkKind
        public let isProduct: Bool
        /// `nil`: this account type may not apply for the sign type at all.
        public let enterpriseDocuments: Set<Int>?
        public let individualDocuments: Set<Int>?
        /// The sets as bits, when every code in them is below 64 (`nil` otherwise): asked
        /// for every row, a set hashes the code first.
        private let enterpriseDocumentBits: UInt64?
        private let individualDocumentBits: UInt64?

        init(code: Int, name: String, remark: RemarkKind, isProduct: Bool,
             enterpriseDocuments: Set<Int>?, individualDocuments: Set<Int>?) {
            self.code = code
            ruleName = RuleName(name)
            self.remark = remark
            self.isProduct = isProduct
            self.enterpriseDocuments = enterpriseDocuments
            self.individualDocuments = individualDocuments
            func bits(_ codes: Set<Int>?) -> UInt64? {
                guard let codes, codes.allSatisfy({ (0..<64).contains($0) }) else { return nil }
                return codes.reduce(0) { $0 | 1 << UInt64($1) }
            }
            enterpriseDocumentBits = bits(enterpriseDocuments)
            individualDocumentBits = bits(individualDocuments)
        }

        public static func == (lhs: SignType, rhs: SignType) -> Bool {
            lhs.code == rhs.code && lhs.ruleName == rhs.ruleName && lhs.remark == rhs.remark && lhs.isProduct == rhs.isProduct
                && lhs.enterpriseDocuments == rhs.enterpriseDocuments && lhs.individualDocuments == rhs.individualDocuments
        }

        public func allowedDocuments(for account: AccountType) -> Set<Int>? {
            account == .enterprise ? enterpriseDocuments : individualDocuments
        }

        /// Whether `allowedDocuments(for: account)` holds `code` (`false` when it is `nil`).
        @inline(__always)
        func allows(document code: Int, for account: AccountType) -> Bool {
            if let bits = account == .enterprise ? enterpriseDocumentBits : individualDocumentBits {
                return (0..<64).contains(code) && (bits >> UInt64(code)) & 1 != 0
            }
            return allowedDocuments(for: account)?.contains(code) ?? false
        }

        /// An equal sign type that shares no reference-counted storage with this one.
        func unsharedCopy() -> SignType {
            SignType(code: code, name: name, remark: remark, isProduct: isProduct,
                     enterpriseDocuments: enterpriseDocuments.map(RuleSet.unsharedCopy),
                     individualDocuments: individualDocuments.map(RuleSet.unsharedCopy))
        }
    }

    /// Copied with no reference counting: both evaluating threads copy one for every row.
    public struct DocumentType: Sendable, Equatable {
        public var code: Int
        public var ruleName: RuleName
        public var name: String { ruleName.description }

        public init(code: Int, name: String) {
            self.code = code
            ruleName = RuleName(name)
        }
    }


    static func unsharedCopy(_ set: Set<Int>) -> Set<Int> {
        var copy = Set<Int>(minimumCapacity: set.count)
        for element in set { copy.insert(element) }
        return copy
    }

    public let file: RulesFile
    public let quota: Int
    public let signTypesByCode: [Int: SignType]
    public let documentTypesByCode: [Int: DocumentType]
    let signTypeLookup: [String: SignType]
    let documentTypeLookup: [String: DocumentType]
    let accountTypeLookup: [String: AccountType]
    let neutralWords: Set<String>
    let neutralTrie: NeutralTrie

    static let internationalLookup: [String: Bool] = [
        "0": false, "mainland": false, "domestic": false, "no": false, "false": false,
        "1": true, "international": true, "global": true, "yes": true, "true": true,
    ]
    static let purposeLookup: [String: Purpose] = [
        "self": .self, "0": .self, "selfuse": .self, "自用": .self,
        "others": .others, "1": .others, "thirdparty": .others, "他用": .others,
    ]
    static let releasedLookup: [String: Bool] = [
        "yes": true, "true": true, "1": true, "是": true,
        "no": false, "false": false, "0": false, "否": false,
    ]

    /// The largest `limits.max_row_bytes` (and `max_field_bytes`) a rules file may set.
    public static let maxRowBytes = 1 << 26

    /// The rules shipped with signbatch.
    public static func embedded() -> RuleSet {
        // The embedded file is checked by the test suite; failing here is a build defect.
        try! RuleSet(json: PackageResources.default_rules_json, origin: "embedded rules")
    }

    public static var embeddedJSON: [UInt8] { PackageResources.default_rules_json }

    public convenience init(json: [UInt8], origin: String, quotaOverride: Int? = nil) throws(RulesError) {
        let file: RulesFile
        do {
            file = try JSONDecoder().decode(RulesFile.self, from: Data(json))
        } catch let error as DecodingError {
            throw RulesError(origin: origin, key: error.keyPath, message: error.readableDescription)
        } catch {
            throw RulesError(origin: origin, key: "", message: "\(error)")
        }
        try self.init(file: file, origin: origin, quotaOverride: quotaOverride)
    }

    public init(file: RulesFile, origin: String, quotaOverride: Int? = nil) throws(RulesError) {
        func fail(_ key: String, _ message: String) -> RulesError {
            RulesError(origin: origin, key: key, message: message)
        }
        self.file = file
        quota = quotaOverride ?? file.quota
        if quota < 0 { throw fail("quota", "must be 0 or more") }
        for (key, limit) in [("sign_name.mainland", file.signName.mainland),
                             ("sign_name.international", file.signName.international)] {
            if limit.minLength < 1 { throw fail("\(key).min_length", "must be at least 1") }
            if limit.maxLength < limit.minLength {
                throw fail("\(key).max_length", "must not be below min_length")
            }
        }
        if file.remark.maxAccountNameLength < 1 {
            throw fail("remark.max_account_name_length", "must be at least 1")
        }
        if file.certificate.maxBytes < 1 { throw fail("certificate.max_bytes", "must be at least 1") }
        let limits = file.limits
        for (key, value) in [("limits.max_field_bytes", limits.maxFieldBytes),
                             ("limits.max_row_bytes", limits.maxRowBytes),
                             ("limits.max_reasons_per_row", limits.maxReasonsPerRow),
                             ("limits.max_xml_depth", limits.maxXMLDepth)] where value < 1 {
            throw fail(key, "must be at least 1")
        }
        // A row's fields are addressed with 32-bit offsets, even after NFKC (which may
        // lengthen text up to 18 times).
        for (key, value) in [("limits.max_field_bytes", limits.maxFieldBytes),
                             ("limits.max_row_bytes", limits.maxRowBytes)] where value > Self.maxRowBytes {
            throw fail(key, "must be at most \(Self.maxRowBytes) (64 MiB)")
        }

        /// Adds every spelling of one enum value to its lookup table; two values may not
        /// share a spelling.
        func register<T: Equatable>(_ value: T, _ spellings: [String], _ key: String, _ kind: String,
                                    _ name: (T) -> String, into lookup: inout [String: T]) throws(RulesError) {
            for spelling in spellings {
                let folded = TextNormalizer.enumKey(spelling)
                if folded.isEmpty { throw fail("\(key).spellings", "holds an empty spelling") }
                if let other = lookup[folded], other != value {
                    throw fail("\(key).spellings", "'\(spelling)' also names \(kind) \(name(other))")
                }
                lookup[folded] = value
            }
        }

        var documents: [Int: DocumentType] = [:]
        var documentLookup: [String: DocumentType] = [:]
        for (index, entry) in file.documentTypes.enumerated() {
            let key = "document_types[\(index)]"
            if entry.code < 0 { throw fail("\(key).code", "must be 0 or more") }
            if documents[entry.code] != nil { throw fail("\(key).code", "code \(entry.code) appears twice") }
            let type = DocumentType(code: entry.code, name: entry.name)
            documents[entry.code] = type
            try register(type, [entry.name, String(entry.code)] + entry.spellings, key, "document type",
                         \.name, into: &documentLookup)
        }

        var signTypes: [Int: SignType] = [:]
        var signLookup: [String: SignType] = [:]
        for (index, entry) in file.signTypes.enumerated() {
            let key = "sign_types[\(index)]"
            if entry.code < 0 { throw fail("\(key).code", "must be 0 or more") }
            if signTypes[entry.code] != nil { throw fail("\(key).code", "code \(entry.code) appears twice") }
            for (which, list) in [("enterprise", entry.documents.enterprise),
                                  ("individual", entry.documents.individual)] {
                for code in list ?? [] where documents[code] == nil {
                    throw fail("\(key).documents.\(which)", "document type \(code) is not in document_types")
                }
            }
            let type = SignType(
                code: entry.code, name: entry.name, remark: entry.remark, isProduct: entry.product,
                enterpriseDocuments: entry.documents.enterprise.map(Set.init),
                individualDocuments: entry.documents.individual.map(Set.init))
            signTypes[entry.code] = type
            try register(type, [entry.name, String(entry.code)] + entry.spellings, key, "sign type",
                         \.name, into: &signLookup)
        }
        if signTypes.isEmpty { throw fail("sign_types", "must list at least one sign type") }

        var accountLookup: [String: AccountType] = [:]
        for (index, entry) in file.accountTypes.enumerated() {
            guard let type = AccountType(rawValue: entry.name) else {
                throw fail("account_types[\(index)].name", "must be enterprise or individual")
            }
            try register(type, [entry.name] + entry.spellings, "account_types[\(index)]", "account type",
                         \.rawValue, into: &accountLookup)
        }
        for type in [AccountType.enterprise, .individual] where !accountLookup.values.contains(type) {
            throw fail("account_types", "must list \(type.rawValue)")
        }

        var words = Set<String>()
        for (index, word) in file.neutralWords.enumerated() {
            let folded = TextNormalizer.fold(TextNormalizer.field(word))
            if folded.isEmpty { throw fail("neutral_words[\(index)]", "is empty") }
            words.insert(folded)
        }

        signTypesByCode = signTypes
        documentTypesByCode = documents
        signTypeLookup = signLookup
        documentTypeLookup = documentLookup
        accountTypeLookup = accountLookup
        neutralWords = words
        neutralTrie = NeutralTrie(words)
    }

    public func signType(_ text: String) -> SignType? { signTypeLookup[TextNormalizer.enumKey(text)] }
    public func documentType(_ text: String) -> DocumentType? { documentTypeLookup[TextNormalizer.enumKey(text)] }
    public func accountType(_ text: String) -> AccountType? { accountTypeLookup[TextNormalizer.enumKey(text)] }
    public func international(_ text: String) -> Bool? { Self.internationalLookup[TextNormalizer.enumKey(text)] }
    public func purpose(_ text: String) -> Purpose? { Self.purposeLookup[TextNormalizer.enumKey(text)] }
    public func productReleased(_ text: String) -> Bool? { Self.releasedLookup[TextNormalizer.enumKey(text)] }

    /// SPEC §4.1: the folded name without digits is empty or splits entirely into neutral words.
    public func isNeutral(folded: String) -> Bool {
        // A character that is neither a digit nor in any neutral word settles it at once (most
        // real names), before anything is allocated. Membership is asked first: a table
        // lookup for ASCII, and most Chinese names fail it on their first character before
        // any Unicode property is looked up.
        let settled: Bool? = folded.withBytes { bytes in
            var index = 0
            while index < bytes.count {
                guard let (value, length) = UTF8Scalars.decode(bytes, at: index) else { return nil }
                if !neutralTrie.isLetter(value), !Self.isDigit(value) { return false }
                index += length
            }
            return nil
        }
        if let settled { return settled }
        // On the stack: a name has no more scalars than bytes.
        return withUnsafeTemporaryAllocation(of: Unicode.Scalar.self, capacity: folded.utf8.count) { buffer in
            var count = 0
            for scalar in folded.unicodeScalars where !Self.isDigit(scalar.value) {
                buffer[count] = scalar
                count += 1
            }
            return neutralTrie.splits(UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    @inline(__always)
    private static func isDigit(_ value: UInt32) -> Bool {
        switch value {
        case 0..<0x80: value >= 0x30 && value <= 0x39
        case 0x3400...0x4DBF, 0x4E00...0x9FFF: false  // CJK ideographs (most names): no property lookup
        default: Unicode.Scalar(value)?.properties.generalCategory == .decimalNumber
        }
    }
}

/// The neutral vocabulary as a trie over Unicode scalars, so splitting a name into words
/// walks the name once per reachable position without building substrings.
struct NeutralTrie: Sendable {
    /// Edge key (node << 21 | scalar) + 1 at its slot, 0 for none; open addressing with a
    /// multiplicative hash, never more than half full. Node 0 is the root. (A `Dictionary`
    /// hashed every step of every split with SipHash.)
    private let edgeKeys: [Int]
    /// The child node of the edge in the same slot.
    private let edgeChildren: [Int]
    private let edgeShift: Int
    /// Whether a word ends at the node.
    private let terminal: [Bool]
    let alphabet: Set<UInt32>
    /// `alphabet` below U+10000 as bits: asked of a name's scalars on every row, where the
    /// set would hash each one.
    private let planeZeroLetters: [UInt64]

    init(_ words: Set<String>) {
        var alphabet = Set<UInt32>()
        var nodes = 1
        var edges: [Int: Int] = [:]
        var terminal: Set<Int> = []
        for word in words {
            var node = 0
            for scalar in word.unicodeScalars {
                alphabet.insert(scalar.value)
                let edge = node << 21 | Int(scalar.value)
                if let next = edges[edge] {
                    node = next
                } else {
                    edges[edge] = nodes
                    node = nodes
                    nodes += 1
                }
            }
            terminal.insert(node)
        }
        self.alphabet = alphabet
        var slotBits = 4
        while 1 << slotBits < 2 * edges.count { slotBits += 1 }
        edgeShift = 64 - slotBits
        var keys = [Int](repeating: 0, count: 1 << slotBits)
        var children = [Int](repeating: 0, count: 1 << slotBits)
        for (edge, child) in edges {
            var slot = Self.slot(edge, shift: edgeShift)
            while keys[slot] != 0 { slot = (slot + 1) & (keys.count - 1) }
            keys[slot] = edge + 1
            children[slot] = child
        }
        edgeKeys = keys
        edgeChildren = children
        self.terminal = (0..<nodes).map { terminal.contains($0) }
        var bits = [UInt64](repeating: 0, count: 0x10000 / 64)
        for value in alphabet where value < 0x10000 { bits[Int(value >> 6)] |= 1 << UInt64(value & 63) }
        planeZeroLetters = bits
    }

    /// Whether some word has the scalar of this value.
    @inline(__always)
    func isLetter(_ value: UInt32) -> Bool {
        guard value < 0x10000 else { return alphabet.contains(value) }
        return planeZeroLetters.withUnsafeBufferPointer { $0[Int(value >> 6)] } >> UInt64(value & 63) & 1 != 0
    }

    @inline(__always)
    private static func slot(_ edge: Int, shift: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: edge) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    private func child(of node: Int, _ scalar: UInt32) -> Int? {
        let edge = node << 21 | Int(scalar)
        var slot = Self.slot(edge, shift: edgeShift)
        while true {
            let key = edgeKeys[slot]
            if key == 0 { return nil }
            if key == edge + 1 { return edgeChildren[slot] }
            slot = (slot + 1) & (edgeKeys.count - 1)
        }
    }

    /// True when `letters` is empty or a concatenation of words.
    func splits(_ letters: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        if letters.isEmpty { return true }
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: letters.count + 1) { reachable in
            reachable.initialize(repeating: false)
            reachable[0] = true
            for start in 0..<letters.count where reachable[start] {
                var node = 0
                var index = start
                while index < letters.count, let next = child(of: node, letters[index].value) {
                    node = next
                    index += 1
                    if terminal[node] { reachable[index] = true }
                }
            }
            return reachable[letters.count]
        }
    }
}

/// A rules file that cannot be used: a usage error (exit 64) naming the key.
public struct RulesError: Error, Sendable, CustomStringConvertible {
    public var origin: String
    public var key: String
    public var message: String
    public var description: String {
        key.isEmpty ? "\(origin): \(message)" : "\(origin): \(key): \(message)"
    }
}

extension DecodingError {
    var keyPath: String {
        let path: [CodingKey]
        switch self {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        @unknown default: path = []
        }
        var out = ""
        for key in path {
            if let index = key.intValue { out += "[\(index)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return out
    }

    var readableDescription: String {
        switch self {
        case .keyNotFound: "is missing"
        case .typeMismatch(let type, _): "has the wrong type (expected \(type))"
        case .valueNotFound(let type, _): "is null (expected \(type))"
        case .dataCorrupted(let context): context.debugDescription
        @unknown default: "is invalid"
        }
    }
}
