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
        remark.withBytes { bytes in
            let count = bytes.count
            var afterScheme = 0
            if count >= 3 {
                for index in 0...(count - 3) where bytes[index] == 0x3A && bytes[index + 1] == 0x2F && bytes[index + 2] == 0x2F {
                    afterScheme = index + 3  // after "://"
                    break
                }
            }
            let span = AuthoritySpan(bytes, from: afterScheme)
            let start = span.start
            var end = span.hostEnd
            while end > start, bytes[end - 1] == 0x2E { end -= 1 }  // trailing dots
            let domain = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if start == 0, end == count, !domain.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return remark }
            return String(unsafeUninitializedCapacity: domain.count) { out in
                for (index, byte) in domain.enumerated() {
                    out[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                }
                return domain.count
            }
        }
    }
}

/// Raw enum text → its parsed value, for the first few thousand distinct spellings (a
/// hostile batch of unique values must not grow memory).
final class LookupCache<T: Sendable> {
    private let parsed = ByteTable<Parsed<T>>(limit: 4096)

    func parse(_ raw: String, default fallback: T?, _ lookup: (String) -> T?) -> Parsed<T> {
        if let hit = parsed.value(for: raw) { return hit }
        let value = TextNormalizer.field(raw)
        let result: Parsed<T>
        if value.isEmpty {
            result = fallback.map { .valid($0) } ?? .absent
        } else {
            result = lookup(value).map { .valid($0) } ?? .invalid(value)
        }
        parsed.insert(result, for: raw)
        return result
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
