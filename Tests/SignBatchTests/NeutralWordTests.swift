import Testing
@testable import SignBatch

/// SPEC §4.1: neutral signatures identify nobody and are rejected.
struct NeutralWordTests {
    /// The default vocabulary exactly as SPEC §4.1 lists it.
    static let specVocabulary = """
        test testing demo sample aabb verification verificationcode code otp
        notification notice notify alert reminder message sms system service
        customerservice 测试 试用 验证码 验证 校验码 动态码 通知 提醒 消息 短信 系统
        会议 客服 服务 公告
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static func isNeutral(_ name: String, rules: RuleSet = UnitSupport.rules) -> Bool {
        rules.isNeutral(folded: UnitSupport.application([.signName: name], rules: rules).signKey)
    }

    @Test(arguments: [
        // SPEC §4.1 examples.
        "VerificationCode", "验证码通知", "会议通知", "test1", "12306",
        // SPEC §1 examples.
        "test", "aabb", "verification code", "notification", "测试", "验证码", "通知",
        // Folding: case, width, spaces, brackets and digits anywhere.
        "TEST", "Ｔｅｓｔ", "【测试】", "Test 2 Demo", "sms123otp", "1会议2通知3", "１２３４５",
        "customer service", "CustomerService", "系统消息", "短信验证码", "testtesting",
        // Decimal digits of other scripts are digits too.
        "验证码٣٤", "test१",
    ])
    func neutral(name: String) {
        #expect(Self.isNeutral(name))
        let international = name.contains(" ") ? "1" : "0"
        let codes = UnitSupport.codes([.signName: name, .international: international])
        #expect(codes.contains(.signNeutral), "\(name): \(codes)")
    }

    @Test(arguments: [
        "腾讯云会议通知", "铁路12306", "Tencent Cloud",
        "腾讯云", "testx", "xtest", "测试公司", "aabbc", "codes", "TencentSMS", "a", "中国铁路",
    ])
    func notNeutral(name: String) {
        #expect(!Self.isNeutral(name))
        let international = name.contains(" ") ? "1" : "0"
        #expect(!UnitSupport.codes([.signName: name, .international: international]).contains(.signNeutral))
    }

    @Test func everyVocabularyWordAndPairOfWordsIsNeutral() {
        for word in Self.specVocabulary {
            #expect(Self.isNeutral(word), "\(word)")
            #expect(Self.isNeutral(word + "8"), "\(word)8")
            #expect(!Self.isNeutral(word + "腾讯"), "\(word)腾讯")
            for other in Self.specVocabulary {
                #expect(Self.isNeutral(word + other), "\(word)\(other)")
            }
        }
    }

    @Test func embeddedVocabularyIsTheSpecOne() {
        #expect(UnitSupport.rules.neutralWords == Set(Self.specVocabulary))
        #expect(Self.specVocabulary.count == 34)
    }

    @Test func vocabularyComesFromTheRulesFile() throws {
        var file = UnitSupport.rules.file
        file.neutralWords = ["Hello World", "公司"]
        let rules = try RuleSet(file: file, origin: "test")
        // Words are folded like signatures: case and spaces do not matter.
        #expect(Self.isNeutral("helloworld", rules: rules))
        #expect(Self.isNeutral("HELLO world 公司", rules: rules))
        #expect(!Self.isNeutral("test", rules: rules))
        // Digits alone stay neutral whatever the vocabulary.
        #expect(Self.isNeutral("12306", rules: rules))
        // A word with a scalar beyond U+FFFF (outside the letters' bit table).
        file.neutralWords = ["\u{20000}测"]
        let wide = try RuleSet(file: file, origin: "test")
        #expect(Self.isNeutral("\u{20000}测8", rules: wide))
        #expect(!Self.isNeutral("\u{20001}测", rules: wide))
        #expect(!Self.isNeutral("测\u{20000}", rules: wide))
    }

    @Test func neutralMessageSuggestsAName() {
        let reasons = UnitSupport.validate([.signName: "验证码"]).reasons
        #expect(reasons.map(\.code) == [.signNeutral])
        #expect(reasons[0].message.contains("验证码"))
    }
}
