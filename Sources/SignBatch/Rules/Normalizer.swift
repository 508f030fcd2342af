/// SPEC §3: turns the text of a `RawApplication` into an `Application`. Enum spellings are
/// looked up here; whether a value is acceptable is the validator's business.
public final class Normalizer {
    public let rules: RuleSet
    // Enum fields repeat a handful of spellings across a whole batch: each distinct raw
    // text is normalized and looked up once.
    private let accountTypes = LookupCache<AccountType>()
    private let signTypes = LookupCache<RuleSet.SignType>()
    private let internationals = LookupCache<Bool>()
    private let purposes = LookupCache<Purpose>()
    private let documentTypes = LookupCache<RuleSet.DocumentType>()
    private let releases = LookupCache<Bool>()

    public init(rules: RuleSet) { self.rules = rules }

    public func normalize(_ raw: RawApplication) -> Application {
        func text(_ field: Field) -> String {
            guard let value = raw[field], !value.isEmpty else { return "" }
            return TextNormalizer.field(value)
        }
        func parse<T>(_ field: Field, default fallback: T?, _ cache: LookupCache<T>,
                      _ lookup: (String) -> T?) -> Parsed<T> {
            guard let value = raw[field], !value.isEmpty else { return fallback.map { .valid($0) } ?? .absent }
            return cache.parse(value, default: fallback, lookup)
        }

        let rawName = raw[.signName] ?? ""
        let signName = rawName.isEmpty ? "" : TextNormalizer.signName(rawName)
        let signType = parse(.signType, default: nil, signTypes, rules.signType)
        var remark = text(.remark)
        if !remark.isEmpty, let type = signType.value {
            switch type.remark {
            case .domain: remark = Self.domain(fromRemark: remark)
            case .appURL, .accountName, .none: break
            }
        }
        let creditCode = CreditCode.normalize(text(.creditCode))
        let application = Application(
            raw: raw,
            ref: text(.ref),
            accountID: text(.accountID),
            accountType: parse(.accountType, default: .enterprise, accountTypes, rules.accountType),
            signName: signName,
            signType: signType,
            international: parse(.international, default: false, internationals, rules.international),
            purpose: parse(.signPurpose, default: .self, purposes, rules.purpose),
            documentType: parse(.documentType, default: nil, documentTypes, rules.documentType),
            documentFile: text(.documentFile),
            commissionFile: text(.commissionFile),
            remark: remark,
            productReleased: parse(.productReleased, default: true, releases, rules.productReleased),
            organizationName: text(.organizationName),
            creditCode: creditCode,
            icpNumber: text(.icpNumber),
            signKey: TextNormalizer.fold(signName))
        if signName != rawName, !signName.isEmpty {
            application.warnings.append(Finding(.signNormalized,
                "sign_name '\(rawName)' was normalized to '\(signName)'"))
        }
        return application
    }

    /// The website remark's domain alone: no scheme, credentials, port, path or trailing dot,
    /// lower-cased (`https://WWW.Example.com:8443/a` → `www.example.com`).
    public static func domain(fromRemark remark: String) -> String {
        if remark.utf8.allSatisfy({ $0 < 0x80 }) { return asciiDomain(fromRemark: remark) }
        var text = Substring(remark)
        if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
        if let cut = text.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        if let at = text.lastIndex(of: "@") { text = text[text.index(after: at)...] }
        if let colon = text.lastIndex(of: ":"), text[text.index(after: colon)...].allSatisfy(\.isASCIIDigit) {
            text = text[..<colon]
        }
        while text.hasSuffix(".") { text = text.dropLast() }
        return text.lowercased()
    }

    /// `domain(fromRemark:)` on bytes, for the usual ASCII remark.
    static func asciiDomain(fromRemark remark: String) -> String {
        let bytes = Array(remark.utf8)
        var start = 0
        var end = bytes.count
        if let scheme = bytes.firstRange(of: [0x3A, 0x2F, 0x2F]) { start = scheme.upperBound }  // "://"
        if let cut = bytes[start..<end].firstIndex(where: { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 }) { end = cut }  // / ? #
        if let at = bytes[start..<end].lastIndex(of: 0x40) { start = at + 1 }  // @
        if let colon = bytes[start..<end].lastIndex(of: 0x3A),
           bytes[(colon + 1)..<end].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            end = colon
        }
        while end > start, bytes[end - 1] == 0x2E { end -= 1 }  // trailing dots
        var domain = bytes[start..<end]
        for index in domain.indices where domain[index] >= 0x41 && domain[index] <= 0x5A { domain[index] |= 0x20 }
        return String(decoding: domain, as: UTF8.self)
    }
}

/// Raw enum text → its parsed value, for the first few thousand distinct spellings (a
/// hostile batch of unique values must not grow memory).
final class LookupCache<T: Sendable> {
    private var parsed: [ByteKey: Parsed<T>] = [:]
    private let limit = 4096

    func parse(_ raw: String, default fallback: T?, _ lookup: (String) -> T?) -> Parsed<T> {
        let key = ByteKey(raw)
        if let hit = parsed[key] { return hit }
        let value = TextNormalizer.field(raw)
        let result: Parsed<T>
        if value.isEmpty {
            result = fallback.map { .valid($0) } ?? .absent
        } else {
            result = lookup(value).map { .valid($0) } ?? .invalid(value)
        }
        if parsed.count < limit { parsed[key] = result }
        return result
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
