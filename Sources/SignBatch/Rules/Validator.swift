import Glibc

/// SPEC §4: every rejection reason that applies to an application (except document paths,
/// duplicates and quota, which later stages decide). An empty required field gets only its
/// `…_MISSING` code.
public struct Validator: Sendable {
    public let rules: RuleSet

    // For messages: made once, not for every row that needs one.
    private let signTypeNames: String
    private let documentTypeNames: String
    private let individualTypeNames: String

    public init(rules: RuleSet) {
        self.rules = rules
        signTypeNames = rules.signTypesByCode.keys.sorted().compactMap { rules.signTypesByCode[$0]?.name }
            .joined(separator: ", ")
        documentTypeNames = rules.documentTypesByCode.keys.sorted().compactMap { rules.documentTypesByCode[$0]?.name }
            .joined(separator: ", ")
        individualTypeNames = rules.signTypesByCode.keys.sorted().compactMap { code in
            rules.signTypesByCode[code].flatMap { $0.individualDocuments == nil ? nil : $0.name }
        }.joined(separator: ", ")
    }

    public func validate(_ app: Application) -> [Finding] {
        var reasons: [Finding] = []
        func reject(_ code: ReasonCode, _ message: FindingMessage) {
            // Room for a few at once: a rejected row seldom has just one reason.
            if reasons.isEmpty { reasons.reserveCapacity(4) }
            reasons.append(Finding(code, message: message))
        }

        // account_id
        if app.isEmpty(.accountID) {
            reject(.accountIDMissing, "account_id is empty; every application needs the applying account")
        } else if !app.hasValidAccountID {
            reject(.accountIDInvalid,
                   "account_id '\(app.accountID)' is not valid: 1-64 characters, letters, digits, '_', '.' or '-', starting with a letter or digit")
        }

        // Enums.
        if case .invalid(let text) = app.accountType {
            reject(.accountTypeInvalid, "account_type '\(text)' is unknown; use enterprise or individual")
        }
        if case .invalid(let text) = app.international {
            reject(.internationalInvalid, "international '\(text)' is unknown; use 0 (mainland) or 1 (international)")
        }
        if case .invalid(let text) = app.purpose {
            reject(.purposeInvalid, "sign_purpose '\(text)' is unknown; use self or others")
        }
        if case .invalid(let text) = app.productReleased {
            reject(.productReleasedInvalid, "product_released '\(text)' is unknown; use yes or no")
        }
        switch app.signType {
        case .absent: reject(.signTypeMissing, "sign_type is empty; use one of \(signTypeNames)")
        case .invalid(let text): reject(.signTypeInvalid, "sign_type '\(text)' is unknown; use one of \(signTypeNames)")
        case .valid: break
        }
        switch app.documentType {
        case .absent: reject(.documentTypeMissing, "document_type is empty; use one of \(documentTypeNames)")
        case .invalid(let text):
            reject(.documentTypeInvalid, "document_type '\(text)' is unknown; use one of \(documentTypeNames)")
        case .valid: break
        }

        // The signature itself.
        if app.signName.isEmpty {
            reject(.signNameMissing, "sign_name is empty")
        } else {
            if let international = app.international.value {
                let limit = international ? rules.file.signName.international : rules.file.signName.mainland
                let region = international ? "an international" : "a mainland"
                // Simple text has no combining sequences: one scalar is one character.
                let length = TextNormalizer.isSimple(app.signName)
                    ? app.signName.withBytes(Self.scalarCount(utf8:)) : app.signName.count
                if length < limit.minLength || length > limit.maxLength {
                    reject(.signLength,
                           "sign_name '\(app.signName)' has \(length) character\(length == 1 ? "" : "s"); \(region) signature needs \(limit.minLength)-\(limit.maxLength)")
                }
                let bad = Self.disallowedCharacters(app.signName, international: international)
                if !bad.isEmpty {
                    let named = bad.prefix(5).map(Self.describe).joined(separator: ", ")
                    let allowed = international
                        ? "letters, digits and single spaces between words"
                        : "Chinese characters, English letters and digits"
                    reject(.signCharset, "sign_name '\(app.signName)' contains \(named); \(region) signature allows only \(allowed)")
                }
            }
            if rules.isNeutral(folded: app.signKey) {
                reject(.signNeutral,
                       "sign_name '\(app.signName)' identifies no organization or person (only digits or neutral words such as test, 验证码, 通知); add the organization's or product's name")
            }
        }

        // Who may apply for what.
        let accountType = app.accountType.value
        let signType = app.signType.value
        if accountType == .individual {
            if let signType, signType.individualDocuments == nil {
                reject(.signTypeNotAllowed,
                       "an individual account cannot apply for \(Self.withArticle(signType.name)) signature; individuals may apply for \(individualTypeNames)")
            }
            if app.purpose.value == .others {
                reject(.purposeNotAllowed, "an individual account may apply only for its own use (sign_purpose self)")
            }
        }
        // The allowed set is copied (retained) only for the message: `allows` is false
        // when there is none, so asking it first decides the usual row.
        if let signType, let accountType, let document = app.documentType.value,
           !signType.allows(document: document.code, for: accountType),
           let allowed = signType.allowedDocuments(for: accountType) {
            let names = allowed.sorted().compactMap { rules.documentTypesByCode[$0]?.name }.joined(separator: ", ")
            reject(.documentTypeMismatch,
                   "document_type \(document.name) is not accepted for \(Self.withArticle(signType.name)) signature of an \(accountType.rawValue) account; use \(names)")
        }

        // Product types: release state and remark.
        if let signType {
            if signType.isProduct, app.productReleased.value == false {
                reject(.productUnreleased,
                       "the product is not released (product_released no): apply with the organization name as a company signature until it is")
            }
            checkRemark(app, signType, reject)
            if signType.code == 0, !app.isEmpty(.organizationName), !app.signName.isEmpty,
               !app.withBytes(.organizationName, { Self.isSubsequence(app.signKey, ofFolded: $0) }) {
                app.warnings.append(Finding(.signOrgMismatch, message:
                    "sign_name '\(app.signName)' is not drawn from organization_name '\(app.organizationName)'; the provider may ask for proof of the link"))
            }
        }

        if !app.isEmpty(.creditCode), let problem = app.withBytes(.creditCode, CreditCode.problem(bytes:)) {
            reject(.creditCodeInvalid, "credit_code '\(app.creditCode)' \(problem)")
        }
        if !app.isEmpty(.icpNumber), !app.withBytes(.icpNumber, ICPNumber.isValid(bytes:)) {
            reject(.icpNumberInvalid,
                   "icp_number '\(app.icpNumber)' is not of the form <province>ICP备<8 digits>号[-n] (e.g. 粤ICP备12345678号-1) or <province>ICP证<6 digits>号")
        }
        return reasons
    }

    private func checkRemark(_ app: Application, _ signType: RuleSet.SignType, _ reject: (ReasonCode, FindingMessage) -> Void) {
        guard signType.remark != .none else { return }
        guard !app.isEmpty(.remark) else {
            let what: String
            switch signType.remark {
            case .appURL: what = "the app's page in an application store"
            case .domain: what = "the website's domain name (with an ICP filing)"
            case .accountName, .none: what = "the account's full name"
            }
            reject(.remarkMissing, "remark is empty; \(Self.withArticle(signType.name)) signature needs \(what)")
            return
        }
        switch signType.remark {
        case .appURL:
            if !app.withBytes(.remark, Self.isAbsoluteHTTPURL(bytes:)) {
                reject(.remarkInvalid, "remark '\(app.remark)' is not an absolute http(s) URL of the app's store page")
            }
        case .domain:
            if !app.withBytes(.remark, Self.isValidDomain(bytes:)) {
                reject(.remarkInvalid, "remark '\(app.remark)' is not a valid domain name (e.g. www.example.com)")
            }
        case .accountName:
            let limit = rules.file.remark.maxAccountNameLength
            // A string has no more characters than bytes: most remarks are decided by length.
            if app.withBytes(.remark, { $0.count }) > limit, app.remark.count > limit {
                reject(.remarkInvalid, "remark has \(app.remark.count) characters; an account name has at most \(limit)")
            }
            if !app.signName.isEmpty, !app.withBytes(.remark, { Self.contains(folded: $0, app.signKey) }) {
                reject(.remarkMismatch,
                       "sign_name '\(app.signName)' does not occur in the account name '\(app.remark)'")
            }
        case .none:
            break
        }
    }


    /// "an app", "a website": type names come from the rules file.
    static func withArticle(_ name: String) -> String {
        guard let first = name.unicodeScalars.first else { return name }
        return ("aeiou".unicodeScalars.contains(first) ? "an " : "a ") + name
    }

    // MARK: - Character classes

    static func isValidAccountID(_ id: String) -> Bool {
        id.withBytes(isValidAccountID(bytes:))
    }

    static func isValidAccountID(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, bytes.count <= 64, isASCIIAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F: true
        default: false
        }
    }

    /// The number of scalars in valid UTF-8: its bytes that are not continuation bytes.
    static func scalarCount(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// The distinct characters the region does not allow, in order of appearance.
    static func disallowedCharacters(_ name: String, international: Bool) -> [Character] {
        // The common case: ASCII letters and digits and Han ideographs are allowed in both
        // regions (a space only internationally).
        if name.withBytes({ onlyAlphanumericsAndHan($0, international: international) }) { return [] }
        var bad: [Character] = []
        for character in name {
            let ok: Bool
            if character.isASCII {
                let byte = character.asciiValue!
                ok = isASCIIAlphanumeric(byte) || (international && byte == 0x20)
            } else if international {
                ok = character.unicodeScalars.allSatisfy { scalar in
                    switch scalar.properties.generalCategory {
                    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                         .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber: true
                    default: false
                    }
                }
            } else {
                ok = character.unicodeScalars.count == 1 && isHan(character.unicodeScalars.first!)
            }
            if !ok, !bad.contains(character) { bad.append(character) }
        }
        return bad
    }

    /// Whether every scalar of `bytes` (valid UTF-8) is an ASCII letter or digit, a space
    /// when `international`, or a Han ideograph: decoded from the bytes, not through
    /// `String.UnicodeScalarView`.
    static func onlyAlphanumericsAndHan(_ bytes: UnsafeBufferPointer<UInt8>, international: Bool) -> Bool {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                guard isASCIIAlphanumeric(lead) || (international && lead == 0x20) else { return false }
                index += 1
                continue
            }
            guard let (value, length) = UTF8Scalars.decode(bytes, at: index),
                  let scalar = Unicode.Scalar(value), isHan(scalar) else { return false }
            index += length
        }
        return true
    }

    static func describe(_ character: Character) -> String {
        let codes = character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(to: 4) }
        let shown = character == " " ? "a space" : "'\(character)'"
        return "\(shown) (\(codes.joined(separator: " ")))"
    }

    /// Whether `haystack` contains `needle`. Both are folded (no whitespace); when both are
    /// simple (no combining sequences) a byte search is exact, else `String` decides.
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        guard !needle.isEmpty, TextNormalizer.isSimple(haystack), TextNormalizer.isSimple(needle) else {
            return haystack.contains(needle)
        }
        return haystack.withBytes { hay in needle.withBytes { containsBytes(hay, $0) } }
    }

    /// A byte search for a non-empty `pin` in `hay`.
    private static func containsBytes(_ hay: UnsafeBufferPointer<UInt8>, _ pin: UnsafeBufferPointer<UInt8>) -> Bool {
        guard pin.count <= hay.count, let base = hay.baseAddress else { return false }
        let first = pin[0]
        for start in 0...(hay.count - pin.count) where hay[start] == first {
            if memcmp(base + start, pin.baseAddress!, pin.count) == 0 { return true }
        }
        return false
    }

    /// Whether `needle` (folded) is a subsequence of `haystack` once folded
    /// (`TextNormalizer.fold`); for simple text without making the folded string.
    static func isSubsequence(_ needle: String, ofFolded haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard TextNormalizer.isSimple(needle), TextNormalizer.isSimple(haystack) else {
            return isSubsequence(needle, of: TextNormalizer.fold(String(decoding: haystack, as: UTF8.self)))
        }
        // Folding simple text lower-cases ASCII letters and drops ASCII whitespace. A scalar
        // has one UTF-8 form, so scalars are compared as their byte sequences.
        return needle.withBytes { needle in
            var at = 0
            var index = 0
            outer: while at < needle.count {
                let length = UTF8Scalars.length(lead: needle[at])
                while index < haystack.count {
                    let lead = haystack[index]
                    let next = UTF8Scalars.length(lead: lead)
                    defer { index += next }
                    if lead < 0x80 {
                        if TextNormalizer.isASCIISpace(lead) { continue }
                        if TextNormalizer.lowercasedASCII(lead) == needle[at] { at += 1; continue outer }
                    } else if next == length, index + next <= haystack.count,
                              memcmp(haystack.baseAddress! + index, needle.baseAddress! + at, next) == 0 {
                        at += length
                        continue outer
                    }
                }
                return false
            }
            return true
        }
    }

    /// Whether `haystack` once folded (`TextNormalizer.fold`) contains `needle` (folded).
    static func contains(folded haystack: UnsafeBufferPointer<UInt8>, _ needle: String) -> Bool {
        guard !needle.isEmpty, TextNormalizer.isSimple(needle), TextNormalizer.isSimple(haystack) else {
            return contains(TextNormalizer.fold(String(decoding: haystack, as: UTF8.self)), needle)
        }
        // Folded on the stack: simple text folds byte by byte.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: haystack.count) { buffer in
            let folded = UnsafeBufferPointer(rebasing: buffer[0..<TextNormalizer.foldSimple(haystack, into: buffer)])
            return needle.withBytes { containsBytes(folded, $0) }
        }
    }

    static func isSubsequence(_ needle: String, of haystack: String) -> Bool {
        // Folded simple text has no whitespace and no combining sequences: one scalar is one
        // character, and scalars are far cheaper to walk.
        if TextNormalizer.isSimple(needle), TextNormalizer.isSimple(haystack) {
            var scalars = haystack.unicodeScalars.makeIterator()
            outer: for scalar in needle.unicodeScalars {
                while let next = scalars.next() { if next == scalar { continue outer } }
                return false
            }
            return true
        }
        var iterator = haystack.makeIterator()
        outer: for character in needle {
            while let next = iterator.next() { if next == character { continue outer } }
            return false
        }
        return true
    }

    /// `isAbsoluteHTTPURL` of text given as its UTF-8 bytes.
    static func isAbsoluteHTTPURL(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        asciiIsAbsoluteHTTPURL(bytes) ?? isAbsoluteHTTPURL(String(decoding: bytes, as: UTF8.self))
    }

    /// The all-ASCII URL's verdict, in one pass over its bytes; `nil` for other text.
    private static func asciiIsAbsoluteHTTPURL(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        for byte in bytes {
            if byte >= 0x80 { return nil }
            if TextNormalizer.isASCIISpace(byte) { return false }
        }
        guard let scheme = httpSchemeLength(bytes) else { return false }
        return isASCIIAuthority(UnsafeBufferPointer(rebasing: bytes[scheme...]))
    }

    /// Absolute http(s) URL with a non-empty host and no whitespace.
    static func isAbsoluteHTTPURL(_ text: String) -> Bool {
        // The usual all-ASCII URL, in one pass over its bytes.
        if let ascii = text.withBytes(asciiIsAbsoluteHTTPURL) { return ascii }
        let bytes = text.utf8
        guard let scheme = text.withBytes(httpSchemeLength) else { return false }
        let rest = Substring(text.utf8.dropFirst(scheme))
        if TextNormalizer.isSimple(text) {
            if bytes.contains(where: TextNormalizer.isASCIISpace) { return false }
        } else if text.contains(where: \.isWhitespace) {
            return false
        }
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if let colon = authority.lastIndex(of: ":") {
            let port = authority[authority.index(after: colon)...]
            guard port.allSatisfy(\.isASCIIDigit) else { return false }
            authority = authority[..<colon]
        }
        guard !authority.isEmpty, !authority.hasPrefix("."), !authority.contains("..") else { return false }
        return authority.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "[" || $0 == "]" || $0 == ":" }
    }

    private static let httpSchemes: [StaticString] = ["https://", "http://"]

    /// The length of a leading `https://` or `http://` (in any case) with something after
    /// it, else `nil`.
    static func httpSchemeLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        schemes: for scheme in httpSchemes {
            let count = scheme.utf8CodeUnitCount
            guard bytes.count > count else { continue }
            for index in 0..<count {
                if TextNormalizer.lowercasedASCII(bytes[index]) != scheme.utf8Start[index] { continue schemes }
            }
            return count
        }
        return nil
    }

    /// `isAbsoluteHTTPURL`'s host check on bytes, for the usual all-ASCII URL.
    static func isASCIIAuthority(_ rest: UnsafeBufferPointer<UInt8>) -> Bool {
        let span = AuthoritySpan(rest, from: 0)
        guard span.numericPort else { return false }
        let host = rest[span.start..<span.hostEnd]
        guard let first = host.first, first != UInt8(ascii: ".") else { return false }
        var previous: UInt8 = 0
        for byte in host {
            if byte == UInt8(ascii: "."), previous == UInt8(ascii: ".") { return false }
            let allowed = isASCIIAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: ":")
            if !allowed { return false }
            previous = byte
        }
        return true
    }

    /// At least two labels of 1-63 letters (any script), digits or inner hyphens; the last
    /// label letters only.
    /// `isValidDomain` of text given as its UTF-8 bytes.
    static func isValidDomain(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.allSatisfy({ $0 < 0x80 }) { return isValidASCIIDomain(bytes) }
        return isValidDomain(String(decoding: bytes, as: UTF8.self))
    }

    static func isValidDomain(_ domain: String) -> Bool {
        if domain.utf8.allSatisfy({ $0 < 0x80 }) { return isValidASCIIDomain(domain.utf8) }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
            guard label.allSatisfy({ $0 == "-" || $0.isLetter || $0.isASCIIDigit }) else { return false }
        }
        return labels.last!.allSatisfy(\.isLetter)
    }

    /// `isValidDomain` on bytes, for the usual ASCII domain.
    static func isValidASCIIDomain<Bytes: Sequence<UInt8>>(_ domain: Bytes) -> Bool {
        var labels = 0
        var length = 0
        var first: UInt8 = 0
        var previous: UInt8 = 0
        var lettersOnly = true
        func labelEnds() -> Bool {
            labels += 1
            return length >= 1 && length <= 63 && first != 0x2D && previous != 0x2D
        }
        for byte in domain {
            if byte == 0x2E {
                guard labelEnds() else { return false }
                length = 0
                lettersOnly = true
                continue
            }
            let letter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            guard letter || byte == 0x2D || (byte >= 0x30 && byte <= 0x39) else { return false }
            if length == 0 { first = byte }
            if !letter { lettersOnly = false }
            previous = byte
            length += 1
        }
        return labelEnds() && labels >= 2 && lettersOnly
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
