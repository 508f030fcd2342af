import Foundation
import Testing
@testable import SignBatch

/// SPEC §1 tables and §4.2: the rules are data, and the embedded rules are the contract's.
struct RuleSetTests {
    static let rules = UnitSupport.rules

    // MARK: - Embedded rules match the SPEC tables

    @Test func embeddedLimits() {
        #expect(Self.rules.quota == 200)
        #expect(Self.rules.file.signName.mainland == .init(minLength: 2, maxLength: 12))
        #expect(Self.rules.file.signName.international == .init(minLength: 2, maxLength: 15))
        #expect(Self.rules.file.remark.maxAccountNameLength == 64)
        #expect(Self.rules.file.certificate.maxBytes == 5 * 1024 * 1024)
    }

    @Test func signTypeTable() {
        let expected: [(Int, String, RemarkKind, Bool)] = [
            (0, "company", .none, false), (1, "app", .appURL, true), (2, "website", .domain, true),
            (3, "official_account", .accountName, true), (4, "trademark", .none, false),
            (5, "government", .none, false), (6, "mini_program", .accountName, true),
        ]
        #expect(Self.rules.signTypesByCode.count == expected.count)
        for (code, name, remark, product) in expected {
            let type = Self.rules.signTypesByCode[code]
            #expect(type?.name == name)
            #expect(type?.remark == remark)
            #expect(type?.isProduct == product)
            #expect(type?.enterpriseDocuments == ValidatorTests.enterpriseDocuments[code])
            #expect(type?.individualDocuments == ValidatorTests.individualDocuments[code])
        }
    }

    @Test func documentTypeTable() {
        let names = ["three_in_one", "business_license", "organization_code", "social_credit_code",
                     "app_admin_screenshot", "icp_screenshot", "mini_program_screenshot",
                     "trademark_certificate", "official_account_screenshot"]
        #expect(Self.rules.documentTypesByCode.count == names.count)
        for (code, name) in names.enumerated() { #expect(Self.rules.documentTypesByCode[code]?.name == name) }
    }

    // MARK: - Enum spellings: case, spaces, -, _, NFKC and digits

    /// The forms a person may type a spelling in; each must mean the same.
    static func variants(_ spelling: String) -> [String] {
        var forms = [spelling, spelling.uppercased(), spelling.lowercased(), " \(spelling)\u{3000}",
                     UnitSupport.fullWidth(spelling), UnitSupport.fullWidth(spelling.uppercased())]
        if spelling.contains("_") {
            forms += ["_", " ", "-", "", " - "].map { spelling.replacingOccurrences(of: "_", with: $0) }
        }
        // Separators may be anywhere, not only where the spelling has them.
        if spelling.count > 1, spelling.allSatisfy(\.isASCII) {
            forms.append(spelling.map(String.init).joined(separator: " "))
            forms.append(spelling.map(String.init).joined(separator: "-_ "))
            var capitalized = spelling
            capitalized.replaceSubrange(...capitalized.startIndex, with: capitalized.prefix(1).uppercased())
            forms.append(capitalized)
        }
        return forms
    }

    static let signTypeSpellings: [(String, Int)] = [
        ("company", 0), ("enterprise", 0), ("公司", 0), ("企业", 0),
        ("app", 1), ("application", 1), ("应用", 1), ("APP", 1),
        ("website", 2), ("web", 2), ("site", 2), ("网站", 2),
        ("official_account", 3), ("wechat_official_account", 3), ("公众号", 3),
        ("trademark", 4), ("商标", 4),
        ("government", 5), ("gov", 5), ("institution", 5), ("政府", 5), ("机关事业单位", 5),
        ("mini_program", 6), ("miniprogram", 6), ("wechat_mini_program", 6), ("小程序", 6),
        ("0", 0), ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5), ("6", 6),
    ]

    @Test(arguments: signTypeSpellings)
    func signTypeSpelling(spelling: String, code: Int) {
        for form in Self.variants(spelling) {
            #expect(Self.rules.signType(form)?.code == code, "\(form.debugDescription)")
            let app = UnitSupport.application([.signType: form])
            #expect(app.signType.value?.code == code, "\(form.debugDescription)")
        }
    }

    static let documentTypeSpellings: [(String, Int)] = [
        ("three_in_one", 0), ("三证合一", 0), ("business_license", 1), ("营业执照", 1),
        ("organization_code", 2), ("组织机构代码证书", 2), ("social_credit_code", 3), ("社会信用代码证书", 3),
        ("app_admin_screenshot", 4), ("icp_screenshot", 5), ("mini_program_screenshot", 6),
        ("trademark_certificate", 7), ("商标注册书", 7), ("official_account_screenshot", 8),
        ("0", 0), ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5), ("6", 6), ("7", 7), ("8", 8),
    ]

    @Test(arguments: documentTypeSpellings)
    func documentTypeSpelling(spelling: String, code: Int) {
        for form in Self.variants(spelling) {
            #expect(Self.rules.documentType(form)?.code == code, "\(form.debugDescription)")
            #expect(UnitSupport.application([.documentType: form]).documentType.value?.code == code)
        }
    }

    static let accountTypeSpellings: [(String, AccountType)] = [
        ("enterprise", .enterprise), ("company", .enterprise), ("organization", .enterprise), ("企业", .enterprise),
        ("individual", .individual), ("personal", .individual), ("个人", .individual),
    ]

    @Test(arguments: accountTypeSpellings)
    func accountTypeSpelling(spelling: String, type: AccountType) {
        for form in Self.variants(spelling) {
            #expect(Self.rules.accountType(form) == type, "\(form.debugDescription)")
            #expect(UnitSupport.application([.accountType: form]).accountType.value == type)
        }
    }

    static let internationalSpellings: [(String, Bool)] = [
        ("0", false), ("mainland", false), ("domestic", false), ("no", false), ("false", false),
        ("1", true), ("international", true), ("global", true), ("yes", true), ("true", true),
    ]

    @Test(arguments: internationalSpellings)
    func internationalSpelling(spelling: String, value: Bool) {
        for form in Self.variants(spelling) {
            #expect(Self.rules.international(form) == value, "\(form.debugDescription)")
            #expect(UnitSupport.application([.international: form]).international.value == value)
        }
    }

    static let purposeSpellings: [(String, Purpose)] = [
        ("self", .self), ("0", .self), ("self_use", .self), ("自用", .self),
        ("others", .others), ("1", .others), ("third_party", .others), ("他用", .others),
    ]

    @Test(arguments: purposeSpellings)
    func purposeSpelling(spelling: String, purpose: Purpose) {
        for form in Self.variants(spelling) {
            #expect(Self.rules.purpose(form) == purpose, "\(form.debugDescription)")
            #expect(UnitSupport.application([.signPurpose: form]).purpose.value == purpose)
        }
    }

    static let releasedSpellings: [(String, Bool)] = [
        ("yes", true), ("true", true), ("1", true), ("是", true),
        ("no", false), ("false", false), ("0", false), ("否", false),
    ]

    @Test(arguments: releasedSpellings)
    func productReleasedSpelling(spelling: String, released: Bool) {
        for form in Self.variants(spelling) {
            #expect(Self.rules.productReleased(form) == released, "\(form.debugDescription)")
            #expect(UnitSupport.application([.productReleased: form]).productReleased.value == released)
        }
    }

    @Test func unknownSpellings() {
        #expect(Self.rules.signType("7") == nil)
        #expect(Self.rules.signType("companyx") == nil)
        #expect(Self.rules.signType("com.pany") == nil)
        #expect(Self.rules.documentType("9") == nil)
        #expect(Self.rules.documentType("icp") == nil)
        #expect(Self.rules.accountType("3") == nil)
        #expect(Self.rules.international("2") == nil)
        #expect(Self.rules.purpose("2") == nil)
        #expect(Self.rules.productReleased("maybe") == nil)
    }

    // MARK: - Quota and rules files

    @Test func quotaOverride() throws {
        let rules = try RuleSet(json: RuleSet.embeddedJSON, origin: "embedded", quotaOverride: 3)
        #expect(rules.quota == 3)
        #expect(rules.file.quota == 200)
        #expect(try RuleSet(json: RuleSet.embeddedJSON, origin: "embedded", quotaOverride: 0).quota == 0)
    }

    /// The embedded JSON with one change made to its parsed form.
    static func modified(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object = try JSONSerialization.jsonObject(with: Data(RuleSet.embeddedJSON)) as! [String: Any]
        change(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    static func rulesError(_ json: [UInt8], quota: Int? = nil) -> RulesError? {
        do {
            _ = try RuleSet(json: json, origin: "rules.json", quotaOverride: quota)
            return nil
        } catch {
            return error
        }
    }

    static func mutate(_ object: inout [String: Any], _ key: String, at index: Int, _ change: (inout [String: Any]) -> Void) {
        var list = object[key] as! [[String: Any]]
        change(&list[index])
        object[key] = list
    }

    @Test func badRulesFilesNameTheOffendingKey() throws {
        let cases: [(String, [UInt8])] = [
            ("quota", try Self.modified { $0["quota"] = -1 }),
            ("quota", try Self.modified { $0["quota"] = "lots" }),
            ("sign_name", try Self.modified { $0["sign_name"] = nil }),
            ("sign_name.mainland.max_length", try Self.modified {
                $0["sign_name"] = ["mainland": ["min_length": 5, "max_length": 4],
                                   "international": ["min_length": 2, "max_length": 15]]
            }),
            ("sign_name.international.min_length", try Self.modified {
                $0["sign_name"] = ["mainland": ["min_length": 2, "max_length": 12],
                                   "international": ["min_length": 0, "max_length": 15]]
            }),
            ("neutral_words[1]", try Self.modified { $0["neutral_words"] = ["test", " "] }),
            ("remark.max_account_name_length", try Self.modified { $0["remark"] = ["max_account_name_length": 0] }),
            ("certificate.max_bytes", try Self.modified { $0["certificate"] = ["max_bytes": 0] }),
            ("limits.max_row_bytes", try Self.modified {
                var limits = $0["limits"] as! [String: Any]
                limits["max_row_bytes"] = RuleSet.maxRowBytes + 1
                $0["limits"] = limits
            }),
            ("sign_types[1].documents.individual", try Self.modified {
                Self.mutate(&$0, "sign_types", at: 1) { $0["documents"] = ["enterprise": [0], "individual": [99]] }
            }),
            ("sign_types[1].code", try Self.modified { Self.mutate(&$0, "sign_types", at: 1) { $0["code"] = 0 } }),
            ("sign_types[1].spellings", try Self.modified {
                Self.mutate(&$0, "sign_types", at: 1) { $0["spellings"] = ["app", "Company"] }
            }),
            ("document_types[2].code", try Self.modified { Self.mutate(&$0, "document_types", at: 2) { $0["code"] = 1 } }),
            ("account_types[0].name", try Self.modified {
                Self.mutate(&$0, "account_types", at: 0) { $0["name"] = "robot" }
            }),
            ("sign_types[0].remark", try Self.modified {
                Self.mutate(&$0, "sign_types", at: 0) { $0["remark"] = "poem" }
            }),
            ("", Array("{not json".utf8)),
        ]
        for (key, json) in cases {
            let error = Self.rulesError(json)
            #expect(error != nil, "\(key)")
            #expect(error?.key == key, "\(String(describing: error))")
            #expect(error?.description.hasPrefix("rules.json") == true)
            if !key.isEmpty { #expect(error?.description.contains(key) == true) }
        }
        #expect(Self.rulesError(RuleSet.embeddedJSON, quota: -1)?.key == "quota")
    }

    @Test func aRulesFileChangesTheTables() throws {
        let json = try Self.modified { object in
            object["quota"] = 5
            Self.mutate(&object, "sign_types", at: 0) { $0["spellings"] = ["company", "firm"] }
            Self.mutate(&object, "sign_types", at: 4) { $0["documents"] = ["enterprise": [1, 7], "individual": [4]] }
        }
        let rules = try RuleSet(json: json, origin: "rules.json")
        #expect(rules.quota == 5)
        #expect(rules.signType("FIRM")?.code == 0)
        #expect(rules.signType("公司") == nil)
        let trademark: [Field: String] = [.accountID: "a", .signName: "腾讯云", .signType: "trademark"]
        #expect(UnitSupport.codes([.documentType: "business_license"], base: trademark, rules: rules) == [])
        #expect(UnitSupport.codes([.documentType: "business_license"], base: trademark) == [.documentTypeMismatch])
        #expect(UnitSupport.codes([.documentType: "4", .accountType: "individual"], base: trademark, rules: rules) == [])
    }

    /// Document codes below 64 are tested as bits, others in the set; both answer as the set
    /// does, and an account type that may not apply allows nothing.
    @Test func documentCodesAreAllowedAsTheirSetsSay() {
        let small: Set<Int> = [0, 5, 63]
        let large: Set<Int> = [5, 64, 1000]
        let types = [
            RuleSet.SignType(code: 0, name: "a", remark: .none, isProduct: false, enterpriseDocuments: small,
                             individualDocuments: nil),
            RuleSet.SignType(code: 1, name: "b", remark: .none, isProduct: false, enterpriseDocuments: large,
                             individualDocuments: []),
        ]
        for (type, allowed) in zip(types, [small, large]) {
            for code in [-1, 0, 1, 5, 6, 62, 63, 64, 65, 999, 1000] {
                #expect(type.allows(document: code, for: .enterprise) == allowed.contains(code), "\(allowed) \(code)")
                #expect(!type.allows(document: code, for: .individual), "\(code)")
            }
        }
    }

    /// Each normalizer looks sign types up among copies of its own: equal to the rule set's
    /// in every field, sharing no object with them. (Document types hold no reference.)
    @Test func normalizersHoldUnsharedButEqualTypes() {
        let rules = Self.rules
        for (code, type) in rules.signTypesByCode {
            let copy = type.unsharedCopy()
            #expect(copy == type && copy !== type, "sign type \(code)")
        }
        let app = UnitSupport.application()
        let parsed = app.signType.value
        #expect(parsed != nil && parsed == rules.signType("company") && parsed !== rules.signType("company"))
        #expect(app.documentType.value != nil && app.documentType.value == rules.documentType("three_in_one"))
    }

    /// Type names are interned: the same name in two rule sets is the same bytes, which
    /// read back as the name; different names never compare equal.
    @Test func typeNamesAreInterned() throws {
        let other = RuleSet.embedded()
        for (code, type) in Self.rules.documentTypesByCode {
            let again = try #require(other.documentTypesByCode[code])
            #expect(again == type)
            #expect(again.ruleName.bytes.baseAddress == type.ruleName.bytes.baseAddress)
            #expect(String(decoding: type.ruleName.bytes, as: UTF8.self) == type.name)
        }
        for (code, type) in Self.rules.signTypesByCode {
            #expect(type.ruleName.description == type.name, "sign type \(code)")
        }
        #expect(RuleName("営業") == RuleName("営業"))
        #expect(RuleName("a") != RuleName("ab"))
        #expect(RuleName("") == RuleName(""))
        #expect(RuleSet.DocumentType(code: 1, name: "x") != RuleSet.DocumentType(code: 1, name: "y"))
        // Canonically equivalent names keep their own bytes: output rows write a name as given.
        let decomposed = RuleName("e\u{301}cole")
        #expect(Array(decomposed.bytes) == Array("e\u{301}cole".utf8))
        #expect(Array(RuleName("\u{E9}cole").bytes) == Array("\u{E9}cole".utf8))
        #expect(decomposed != RuleName("\u{E9}cole"))
    }

    /// Output cells write account types and purposes from static text, which must spell
    /// each value as its raw value does.
    @Test func staticSpellingsAreTheRawValues() {
        for type in AccountType.allCases { #expect(type.spelling.description == type.rawValue) }
        for purpose in Purpose.allCases { #expect(purpose.spelling.description == purpose.rawValue) }
    }
}
