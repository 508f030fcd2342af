import Testing
@testable import SignBatch

/// SPEC §4: the rejection reasons the validator decides, and the outcome rules.
struct ValidatorTests {
    /// SPEC §1's sign-type table, written out again so the embedded rules are checked
    /// against the contract rather than against themselves.
    static let enterpriseDocuments: [Int: Set<Int>] = [
        0: [0, 1, 2, 3], 1: [0, 1, 2, 3], 2: [0, 1, 2, 3], 3: [0, 1, 2, 3], 4: [7], 5: [2, 3], 6: [0, 1, 2, 3],
    ]
    static let individualDocuments: [Int: Set<Int>] = [1: [4], 2: [5], 3: [8], 6: [6]]

    /// A valid application of the sign type for the account type (individuals only for the
    /// types they may use), with the lowest allowed document type.
    static func valid(signType code: Int, account: AccountType = .enterprise) -> [Field: String] {
        var fields = UnitSupport.validCompany
        fields[.signType] = String(code)
        fields[.accountType] = account.rawValue
        let allowed = account == .enterprise ? enterpriseDocuments[code] : individualDocuments[code]
        fields[.documentType] = String(allowed?.min() ?? 0)
        switch code {
        case 1: fields[.remark] = "https://apps.example.com/app/id123"
        case 2: fields[.remark] = "www.tencentcloud.com"
        case 3: fields[.remark] = "腾讯云公众号"
        case 6: fields[.remark] = "腾讯云小程序"
        default: break
        }
        return fields
    }

    static let signTypeCodes = Array(0...6)

    @Test(arguments: signTypeCodes)
    func validApplicationsOfEveryTypeHaveNoReason(code: Int) {
        #expect(UnitSupport.codes(base: Self.valid(signType: code)) == [])
        if Self.individualDocuments[code] != nil {
            #expect(UnitSupport.codes(base: Self.valid(signType: code, account: .individual)) == [])
        }
    }

    // MARK: - account_id

    @Test func accountIDMissing() {
        #expect(UnitSupport.codes([.accountID: ""]) == [.accountIDMissing])
        #expect(UnitSupport.codes([.accountID: nil]) == [.accountIDMissing])
        #expect(UnitSupport.codes([.accountID: " \u{3000}"]) == [.accountIDMissing])
    }

    @Test(arguments: ["-abc", "_abc", ".abc", "a b", "a/b", "账户", "a!", String(repeating: "a", count: 65)])
    func accountIDInvalid(id: String) {
        #expect(UnitSupport.codes([.accountID: id]) == [.accountIDInvalid])
    }

    @Test(arguments: ["a", "7", "A.b_c-d", "acct-1", String(repeating: "Z", count: 64)])
    func accountIDValid(id: String) {
        #expect(UnitSupport.codes([.accountID: id]) == [])
    }

    // MARK: - Empty required fields get only their …_MISSING code

    @Test func emptySignNameIsOnlyMissing() {
        // An official account would also check the remark against the name, and an empty
        // name would be "too short" and "only digits": none of that may be reported.
        for empty in ["", "【】", "  ", "\u{200B}"] {
            let codes = UnitSupport.codes([.signName: empty], base: Self.valid(signType: 3))
            #expect(codes == [.signNameMissing], "sign_name \(empty.debugDescription)")
        }
        #expect(UnitSupport.codes([.signName: "", .international: "1"]) == [.signNameMissing])
        #expect(UnitSupport.codes([.signName: "", .organizationName: "某某公司"]) == [.signNameMissing])
        #expect(UnitSupport.validate([.signName: "", .organizationName: "某某公司"]).application.warnings.isEmpty)
    }

    @Test func emptySignTypeIsOnlyMissing() {
        // An individual with business_license would otherwise be a document mismatch.
        let codes = UnitSupport.codes([.signType: "", .accountType: "individual", .documentType: "business_license",
                                       .productReleased: "no"])
        #expect(codes == [.signTypeMissing])
    }

    @Test func emptyDocumentTypeIsOnlyMissing() {
        let codes = UnitSupport.codes([.documentType: " "], base: Self.valid(signType: 1, account: .individual))
        #expect(codes == [.documentTypeMissing])
    }

    // MARK: - Signature length, counted in characters

    @Test(arguments: [
        ("腾", false, true),
        ("腾讯", false, false),
        ("腾讯云腾讯云腾讯云腾讯云", false, false),
        ("腾讯云腾讯云腾讯云腾讯云腾", false, true),
        ("a", false, true),
        ("ab", false, false),
        ("abcdefghijkl", false, false),
        ("abcdefghijklm", false, true),
        ("腾讯云abc123腾讯云", false, false),
        ("腾讯云abc1234腾讯云", false, true),
        ("a", true, true),
        ("ab", true, false),
        ("Tencent Cloud X", true, false),
        ("Tencent Cloud XY", true, true),
        ("腾讯云腾讯云腾讯云腾讯云腾讯云", true, false),
        ("腾讯云腾讯云腾讯云腾讯云腾讯云腾", true, true),
        ("Ünited Bank Ltd", true, false),
    ])
    func signLength(name: String, international: Bool, tooLongOrShort: Bool) {
        let codes = UnitSupport.codes([.signName: name, .international: international ? "1" : "0"])
        #expect(codes.contains(.signLength) == tooLongOrShort)
        #expect(codes.allSatisfy { $0 == .signLength }, "only the length is wrong: \(codes)")
    }

    @Test func signLengthMessageCountsCharacters() {
        let reasons = UnitSupport.validate([.signName: "腾讯云腾讯云腾讯云腾讯云腾"]).reasons
        #expect(reasons.count == 1)
        #expect(reasons.first?.message.contains("13 characters") == true)
        #expect(reasons.first?.message.contains("2-12") == true)
    }

    @Test func signLengthLimitsComeFromTheRules() throws {
        var file = UnitSupport.rules.file
        file.signName.mainland = .init(minLength: 3, maxLength: 4)
        let rules = try RuleSet(file: file, origin: "test")
        #expect(UnitSupport.codes([.signName: "腾讯"], rules: rules) == [.signLength])
        #expect(UnitSupport.codes([.signName: "腾讯云腾"], rules: rules) == [])
        #expect(UnitSupport.codes([.signName: "腾讯云腾讯"], rules: rules) == [.signLength])
    }

    // MARK: - Signature character set

    @Test(arguments: [
        ("腾讯云", false, []),
        ("Tencent1", false, []),
        ("腾讯 云", false, [" "]),
        ("Tencent Cloud", false, [" "]),
        ("腾讯·云", false, ["·"]),
        ("腾讯云！", false, ["!"]),
        ("Tencent-Cloud", false, ["-"]),
        ("Ünited", false, ["Ü"]),
        ("テスト会社", false, ["テ", "ス", "ト"]),
        ("腾讯云😀", false, ["😀"]),
        ("Tencent Cloud", true, []),
        ("Ünited Bank", true, []),
        ("テスト株式会社", true, []),
        ("腾讯云 Cloud", true, []),
        ("Tencent-Cloud", true, ["-"]),
        ("Tencent.Cloud", true, ["."]),
        ("A&B Bank", true, ["&"]),
        ("腾讯云😀", true, ["😀"]),
    ] as [(String, Bool, [Character])])
    func signCharset(name: String, international: Bool, bad: [Character]) {
        let reasons = UnitSupport.validate([.signName: name, .international: international ? "1" : "0"]).reasons
        let charset = reasons.filter { $0.code == .signCharset }
        #expect(charset.count == (bad.isEmpty ? 0 : 1))
        for character in bad {
            // The message names each offending character and its code point.
            let code = character.unicodeScalars.first!.value
            let hex = "U+" + String(code, radix: 16, uppercase: true).leftPadded(to: 4)
            #expect(charset.first?.message.contains(hex) == true, "\(hex) in \(charset)")
        }
    }

    // MARK: - Enum values

    @Test(arguments: [
        (Field.signType, "robot", ReasonCode.signTypeInvalid),
        (.signType, "7", .signTypeInvalid),
        (.signType, "company2", .signTypeInvalid),
        (.documentType, "passport", .documentTypeInvalid),
        (.documentType, "9", .documentTypeInvalid),
        (.accountType, "robot", .accountTypeInvalid),
        (.accountType, "2", .accountTypeInvalid),
        (.international, "2", .internationalInvalid),
        (.international, "maybe", .internationalInvalid),
        (.signPurpose, "2", .purposeInvalid),
        (.signPurpose, "friends", .purposeInvalid),
        (.productReleased, "maybe", .productReleasedInvalid),
        (.productReleased, "2", .productReleasedInvalid),
    ])
    func unknownEnumValue(field: Field, value: String, code: ReasonCode) {
        let reasons = UnitSupport.validate([field: value]).reasons
        #expect(reasons.map(\.code) == [code])
        // The message quotes what was given so a person can find it.
        #expect(reasons.first?.message.contains(value) == true)
    }

    // MARK: - Who may apply for what

    @Test(arguments: signTypeCodes)
    func individualSignTypes(code: Int) {
        var fields = Self.valid(signType: code)
        fields[.accountType] = "individual"
        if let allowed = Self.individualDocuments[code] { fields[.documentType] = String(allowed.min()!) }
        let codes = UnitSupport.codes(base: fields)
        let forbidden = [0, 4, 5].contains(code)
        #expect(codes.contains(.signTypeNotAllowed) == forbidden)
        if forbidden {
            // The type is refused outright; listing a document mismatch too would only confuse.
            #expect(codes == [.signTypeNotAllowed])
        } else {
            #expect(codes == [])
        }
    }

    @Test func individualMayNotApplyForOthers() {
        let base = Self.valid(signType: 1, account: .individual)
        #expect(UnitSupport.codes([.signPurpose: "others"], base: base) == [.purposeNotAllowed])
        #expect(UnitSupport.codes([.signPurpose: "他用"], base: base) == [.purposeNotAllowed])
        #expect(UnitSupport.codes([.signPurpose: "self"], base: base) == [])
        #expect(UnitSupport.codes([.signPurpose: "others"]) == [])
    }

    @Test(arguments: signTypeCodes)
    func documentTypeTable(code: Int) {
        for account in [AccountType.enterprise, .individual] {
            let allowed = account == .enterprise ? Self.enterpriseDocuments[code] : Self.individualDocuments[code]
            for document in 0...8 {
                var fields = Self.valid(signType: code, account: account)
                fields[.accountType] = account.rawValue
                fields[.documentType] = String(document)
                let codes = UnitSupport.codes(base: fields)
                if let allowed {
                    let expected: [ReasonCode] = allowed.contains(document) ? [] : [.documentTypeMismatch]
                    #expect(codes == expected, "sign type \(code), \(account), document \(document)")
                } else {
                    #expect(codes == [.signTypeNotAllowed], "sign type \(code), \(account), document \(document)")
                }
            }
        }
    }

    @Test func documentTypeMismatchMessageNamesTheAllowedTypes() {
        let reasons = UnitSupport.validate([.signType: "government", .documentType: "business_license"]).reasons
        #expect(reasons.map(\.code) == [.documentTypeMismatch])
        #expect(reasons[0].message.contains("organization_code, social_credit_code"))
    }

    // MARK: - Products

    @Test(arguments: signTypeCodes)
    func productUnreleased(code: Int) {
        let codes = UnitSupport.codes([.productReleased: "no"], base: Self.valid(signType: code))
        let isProduct = [1, 2, 3, 6].contains(code)
        #expect(codes == (isProduct ? [.productUnreleased] : []))
        #expect(UnitSupport.codes([.productReleased: "yes"], base: Self.valid(signType: code)) == [])
    }

    // MARK: - Remarks

    @Test(arguments: signTypeCodes)
    func remarkRequiredForProducts(code: Int) {
        let codes = UnitSupport.codes([.remark: nil], base: Self.valid(signType: code))
        let needsRemark = [1, 2, 3, 6].contains(code)
        #expect(codes == (needsRemark ? [.remarkMissing] : []))
        let blank = UnitSupport.codes([.remark: " \u{3000}"], base: Self.valid(signType: code))
        #expect(blank == codes)
    }

    @Test(arguments: [
        ("https://apps.apple.com/cn/app/id123456", true),
        ("http://a.b", true),
        ("HTTPS://Play.Google.com/store/apps/details?id=com.tencent", true),
        ("https://appgallery.huawei.com:8443/app/C100", true),
        ("https://user@store.example.com/x", true),
        ("https://store.example.com/u@x:y", true),
        ("https://应用宝.中国/app", true),
        ("HTTP://应用宝.中国/app", true),
        ("ftp://应用宝.中国/app", false),
        ("https://应用宝.中国 /app", false),
        ("apps.apple.com/cn/app/id123", false),
        ("ftp://apps.example.com/app", false),
        ("https://", false),
        ("https:///path", false),
        ("https://apps example.com/x", false),
        ("https://.example.com", false),
        ("https://a..b/x", false),
        ("https://example.com:port/x", false),
        ("mailto:store@example.com", false),
        ("腾讯应用宝", false),
    ])
    func appRemarkMustBeAnAbsoluteHTTPURL(remark: String, valid: Bool) {
        let codes = UnitSupport.codes([.remark: remark], base: Self.valid(signType: 1))
        #expect(codes == (valid ? [] : [.remarkInvalid]))
    }

    @Test(arguments: [
        ("www.example.com", true),
        ("https://WWW.Example.com:8443/a", true),
        ("example.com.", true),
        ("my-site.example.cn", true),
        ("例子.中国", true),
        ("a1.b2.com", true),
        (String(repeating: "a", count: 63) + ".com", true),
        ("localhost", false),
        ("example.123", false),
        ("example.c0m", false),
        ("-example.com", false),
        ("example-.com", false),
        ("example..com", false),
        (".example.com", false),
        ("exa_mple.com", false),
        ("exa mple.com", false),
        (String(repeating: "a", count: 64) + ".com", false),
        ("192.168.0.1", false),
        ("xn--fiqs8s.xn--fiqs8s", false),
    ])
    func websiteRemarkMustBeADomain(remark: String, valid: Bool) {
        let codes = UnitSupport.codes([.remark: remark], base: Self.valid(signType: 2))
        #expect(codes == (valid ? [] : [.remarkInvalid]), "\(remark)")
    }

    @Test(arguments: [3, 6])
    func accountNameRemarkLimit(code: Int) {
        // Chinese characters count as one each: 64 of them are within the limit.
        let at64 = "腾讯云" + String(repeating: "号", count: 61)
        let at65 = at64 + "号"
        #expect(at64.count == 64)
        #expect(UnitSupport.codes([.remark: at64], base: Self.valid(signType: code)) == [])
        #expect(UnitSupport.codes([.remark: at65], base: Self.valid(signType: code)) == [.remarkInvalid])
    }

    @Test(arguments: [3, 6])
    func accountNameRemarkMustContainTheSignature(code: Int) {
        let base = Self.valid(signType: code)
        #expect(UnitSupport.codes([.remark: "腾讯云服务号"], base: base) == [])
        #expect(UnitSupport.codes([.remark: "微信支付"], base: base) == [.remarkMismatch])
        #expect(UnitSupport.codes([.remark: "腾讯 云"], base: base) == [])
        // Compared in the dedup-folded form: case, width and spaces do not matter.
        var international = base
        international[.international] = "1"
        #expect(UnitSupport.codes([.signName: "Tencent Cloud", .remark: "TENCENTCLOUD Official"], base: international) == [])
        #expect(UnitSupport.codes([.signName: "【Tencent Cloud】", .remark: "ｔｅｎｃｅｎｔ ｃｌｏｕｄ"], base: international) == [])
        #expect(UnitSupport.codes([.signName: "Tencent Cloud", .remark: "Tencent Clou"], base: international) == [.remarkMismatch])
        // Both limits at once are both reported.
        let long = String(repeating: "微", count: 65)
        #expect(UnitSupport.codes([.remark: long], base: base) == [.remarkInvalid, .remarkMismatch])
    }

    @Test func remarkIgnoredForTypesWithoutOne() {
        #expect(UnitSupport.codes([.remark: "anything at all, not a URL"]) == [])
        #expect(UnitSupport.codes([.remark: "x"], base: Self.valid(signType: 4)) == [])
    }

    // MARK: - Warnings

    @Test(arguments: [
        ("腾讯", "深圳市腾讯计算机系统有限公司", false),
        ("腾讯云", "深圳市腾讯计算机系统有限公司", true),
        ("深圳腾讯", "深圳市腾讯计算机系统有限公司", false),
        ("腾讯深圳", "深圳市腾讯计算机系统有限公司", true),
        ("Tencent", "Tencent Technology (Shenzhen) Co Ltd", false),
        ("TTech", "tencent technology", false),
        ("Tencent Cloud", "Tencent Technology", true),
    ])
    func signOrgMismatchWarning(sign: String, organization: String, warned: Bool) {
        let (app, reasons) = UnitSupport.validate([.signName: sign, .organizationName: organization,
                                                   .international: sign.allSatisfy(\.isASCII) ? "1" : "0"])
        #expect(app.warnings.contains { $0.code == .signOrgMismatch } == warned)
        // A warning never changes the outcome.
        #expect(reasons.isEmpty)
        #expect(Evaluation(application: app, reasons: reasons).outcome == .accepted)
    }

    @Test func signOrgMismatchOnlyForCompanySignatures() {
        let app = UnitSupport.validate([.organizationName: "微信支付有限公司"], base: Self.valid(signType: 1)).application
        #expect(app.warnings.isEmpty)
        let none = UnitSupport.validate([.organizationName: nil]).application
        #expect(none.warnings.isEmpty)
    }

    // MARK: - All reasons together

    @Test func everyReasonIsReportedTogether() {
        let codes = UnitSupport.codes([
            .accountID: "-bad",
            .accountType: "robot",
            .signName: "!",
            .signType: "app",
            .signPurpose: "whoever",
            .productReleased: "no",
            .remark: nil,
            .creditCode: "123",
            .icpNumber: "ICP12345678",
        ])
        #expect(Set(codes) == [.accountIDInvalid, .accountTypeInvalid, .purposeInvalid, .signLength, .signCharset,
                               .productUnreleased, .remarkMissing, .creditCodeInvalid, .icpNumberInvalid])
        #expect(codes.count == 9)
    }

    @Test func everyReasonIsReportedTogetherForAnIndividual() {
        let codes = UnitSupport.codes([
            .accountType: "personal",
            .signName: "测试",
            .signType: "app",
            .signPurpose: "others",
            .documentType: "business_license",
            .international: "perhaps",
            .productReleased: "perhaps",
            .remark: "not a url",
        ])
        #expect(Set(codes) == [.internationalInvalid, .productReleasedInvalid, .signNeutral, .purposeNotAllowed,
                               .documentTypeMismatch, .remarkInvalid])
        #expect(codes.count == 6)
        let types = UnitSupport.codes([.signType: "robot", .documentType: "passport", .signName: "123",
                                       .accountType: "individual", .signPurpose: "others"])
        #expect(Set(types) == [.signTypeInvalid, .documentTypeInvalid, .signNeutral, .purposeNotAllowed])
    }

    // MARK: - Outcome

    @Test func outcomeFollowsTheSeverityOfTheReasons() {
        let app = UnitSupport.application()
        #expect(Evaluation(application: app, reasons: []).outcome == .accepted)
        let needs = Evaluation(application: app, reasons: [Finding(.proofMissing, "")])
        #expect(needs.outcome == .needsDocuments)
        // Needs-documents reasons stay listed on a rejected row, after the rejections.
        let both = Evaluation(application: app, reasons: [Finding(.proofNotFound, ""), Finding(.signNeutral, ""),
                                                          Finding(.commissionMissing, "")])
        #expect(both.outcome == .rejected)
        #expect(both.reasons.map(\.code) == [.signNeutral, .proofNotFound, .commissionMissing])
    }

    @Test func everyReasonCodeHasItsSpecSpellingAndSeverity() {
        let needsDocuments: Set<String> = [
            "PROOF_MISSING", "PROOF_NOT_FOUND", "PROOF_FORMAT", "PROOF_TOO_LARGE",
            "COMMISSION_MISSING", "COMMISSION_NOT_FOUND", "COMMISSION_FORMAT", "COMMISSION_TOO_LARGE",
        ]
        let warnings: Set<String> = ["SIGN_NORMALIZED", "SIGN_ORG_MISMATCH", "UNKNOWN_COLUMN"]
        let rejections: Set<String> = [
            "ROW_MALFORMED", "SCHEMA_INVALID", "ACCOUNT_ID_MISSING", "ACCOUNT_ID_INVALID", "ACCOUNT_TYPE_INVALID",
            "SIGN_NAME_MISSING", "SIGN_LENGTH", "SIGN_CHARSET", "SIGN_NEUTRAL", "SIGN_TYPE_MISSING",
            "SIGN_TYPE_INVALID", "SIGN_TYPE_NOT_ALLOWED", "PURPOSE_INVALID", "PURPOSE_NOT_ALLOWED",
            "INTERNATIONAL_INVALID", "PRODUCT_RELEASED_INVALID", "PRODUCT_UNRELEASED", "REMARK_MISSING",
            "REMARK_INVALID", "REMARK_MISMATCH", "DOCUMENT_TYPE_MISSING", "DOCUMENT_TYPE_INVALID",
            "DOCUMENT_TYPE_MISMATCH", "DOCUMENT_PATH_INVALID", "CREDIT_CODE_INVALID", "ICP_NUMBER_INVALID",
            "DUPLICATE_IN_BATCH", "DUPLICATE_EXISTING", "QUOTA_EXCEEDED",
        ]
        #expect(Set(ReasonCode.allCases.map(\.rawValue)) == needsDocuments.union(warnings).union(rejections))
        for code in ReasonCode.allCases {
            let expected: ReasonCode.Severity = needsDocuments.contains(code.rawValue) ? .needsDocuments
                : warnings.contains(code.rawValue) ? .warning : .rejection
            #expect(code.severity == expected, "\(code.rawValue)")
        }
    }

    /// The byte-level fast paths of the remark and organization checks agree with `String`
    /// on simple text and defer to it on text with combining sequences.
    @Test(arguments: [
        ("腾讯云会议通知", "腾讯云"), ("腾讯云", "腾讯云会议"), ("tencentcloudsms", "cloud"), ("abc", "abd"),
        ("短信", "短信"), ("q\u{307}x", "q"), ("éa", "e"), ("x腾", "腾"), ("a", "ab"), ("ab", "b"),
    ])
    func substringAndSubsequenceMatchString(haystack: String, needle: String) {
        #expect(Validator.contains(haystack, needle) == haystack.contains(needle))
        var iterator = haystack.makeIterator()
        let subsequence = needle.allSatisfy { character in
            while let next = iterator.next() { if next == character { return true } }
            return false
        }
        #expect(Validator.isSubsequence(needle, of: haystack) == subsequence)
    }
}
