/// SPEC §3: turns the text of a `RawApplication` into an `Application`. Enum spellings are
/// looked up here; whether a value is acceptable is the validator's business.
public struct Normalizer: Sendable {
    public let rules: RuleSet

    public init(rules: RuleSet) { self.rules = rules }

    public func normalize(_ raw: RawApplication) -> Application {
        func text(_ field: Field) -> String {
            guard let value = raw[field], !value.isEmpty else { return "" }
            return TextNormalizer.field(value)
        }
        func parse<T>(_ field: Field, default fallback: T?, _ lookup: (String) -> T?) -> Parsed<T> {
            let value = text(field)
            if value.isEmpty { return fallback.map { .valid($0) } ?? .absent }
            return lookup(value).map { .valid($0) } ?? .invalid(value)
        }

        let rawName = raw[.signName] ?? ""
        let signName = rawName.isEmpty ? "" : TextNormalizer.signName(rawName)
        let signType = parse(.signType, default: nil, rules.signType)
        var remark = text(.remark)
        if !remark.isEmpty, let type = signType.value {
            switch type.remark {
            case .domain: remark = Self.domain(fromRemark: remark)
            case .appURL, .accountName, .none: break
            }
        }
        let creditCode = CreditCode.normalize(text(.creditCode))
        var application = Application(
            raw: raw,
            ref: text(.ref),
            accountID: text(.accountID),
            accountType: parse(.accountType, default: .enterprise, rules.accountType),
            signName: signName,
            signType: signType,
            international: parse(.international, default: false, rules.international),
            purpose: parse(.signPurpose, default: .self, rules.purpose),
            documentType: parse(.documentType, default: nil, rules.documentType),
            documentFile: text(.documentFile),
            commissionFile: text(.commissionFile),
            remark: remark,
            productReleased: parse(.productReleased, default: true, rules.productReleased),
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
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
