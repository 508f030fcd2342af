import Testing
@testable import SignBatch

/// Rows kept as bytes: a raw row's one buffer, the normalized fields that stay spans of it,
/// and the checks that read a field's bytes must agree with their `String` forms.
@Suite struct RowBytesTests {
    /// Texts that take every path: empty, padded, ASCII case, full-width, combining marks,
    /// zero-width, Chinese, ideographic space, URL parts.
    static let texts = [
        "", "  ", "docs/a.png", "  docs/a.png\t", "ＡＢＣ　ｄｅｆ", "e\u{301}cole", "\u{200B}x\u{200B}",
        "腾讯 云", "  腾讯云有限公司 ", "WWW.Example.COM", "www.example.com", " www.example.com. ",
        "https://User@Www.Example.com:8443/a?b#c", "http://例子.中国/x", "ＷＷＷ.example.com",
        "9144 0300-708461136t", "91440300708461136T", "９１４４０３００７０８４６１１３６Ｔ",
        "粤ICP备12345678号-1", "粤ICP备12345678号", "a\u{3000}b", "ǅungla", "ﬁle.png",
    ]

    /// What each field of an application normalizes to, by the string functions.
    static func expected(_ field: TextField, _ text: String, domainRemark: Bool) -> String {
        let value = TextNormalizer.field(text)
        switch field {
        case .remark where domainRemark && !value.isEmpty: return Normalizer.domain(fromRemark: value)
        case .creditCode: return CreditCode.normalize(value)
        default: return value
        }
    }


    @Test(arguments: TextField.allCases, [false, true])
    func normalizedFieldsMatchTheStringFunctions(field: TextField, website: Bool) {
        for text in Self.texts {
            var overrides: [Field: String?] = [field.field: text]
            if website { overrides[.signType] = "website" }
            let app = UnitSupport.application(overrides)
            let want = Self.expected(field, text, domainRemark: website)
            #expect(app.string(field).utf8.elementsEqual(want.utf8), "\(field) of \(text.debugDescription)")
            #expect(app.isEmpty(field) == want.isEmpty)
        }
    }

    /// Fields stored after other fields, so that a span kept in the raw row starts past 0.
    @Test func spansAreOffsetsIntoTheRow() {
        let app = UnitSupport.application([.ref: "r-1", .remark: "Acme 商店", .documentFile: "  d/x.png ",
                                           .commissionFile: nil, .organizationName: " Acme Ltd ",
                                           .creditCode: "91440300708461136T", .icpNumber: nil])
        #expect(app.documentFile == "d/x.png")
        #expect(app.commissionFile == "")
        #expect(app.remark == "Acme 商店")
        #expect(app.organizationName == "Acme Ltd")
        #expect(app.creditCode == "91440300708461136T")
        #expect(app.icpNumber == "")
        #expect(app.raw[.documentFile] == "  d/x.png ")
        #expect(app.raw[.icpNumber] == nil)
    }

    @Test func validAndRepairedRowsHoldTheSameText() {
        let text = Array("a腾b讯c".utf8)
        var ranges = FieldSpans(repeating: .absent)
        ranges[Field.ref.rawValue] = TextSpan(0..<4)  // "a腾"
        ranges[Field.signName.rawValue] = TextSpan(4..<8)  // "b讯"
        ranges[Field.remark.rawValue] = TextSpan(8..<9)
        text.withUnsafeBufferPointer { bytes in
            #expect(RawApplication.isValidText(bytes, spans: ranges))
            let valid = RawApplication(line: 2, validText: bytes, spans: ranges)
            let any = RawApplication(line: 2, anyText: bytes, spans: ranges)
            #expect(valid.values == any.values)
            #expect(valid[.ref] == "a腾" && valid[.signName] == "b讯" && valid[.remark] == "c")
            #expect(valid[.accountID] == nil && !valid.has(.accountID) && valid.has(.remark))
        }
    }

    @Test func aFieldEndingInsideASequenceIsDecodedOnItsOwn() {
        let text = Array("a腾".utf8)  // 61 E8 85 BE
        var ranges = FieldSpans(repeating: .absent)
        ranges[Field.ref.rawValue] = TextSpan(0..<2)
        ranges[Field.remark.rawValue] = TextSpan(2..<4)
        text.withUnsafeBufferPointer { bytes in
            #expect(!RawApplication.isValidText(bytes, spans: ranges))
            let row = RawApplication(line: 2, anyText: bytes, spans: ranges)
            #expect(row[.ref] == "a\u{FFFD}")
            #expect(row[.remark] == "\u{FFFD}\u{FFFD}")
        }
        [UInt8]([0x61, 0xFF]).withUnsafeBufferPointer { bytes in
            var whole = FieldSpans(repeating: .absent)
            whole[Field.ref.rawValue] = TextSpan(0..<2)
            #expect(!RawApplication.isValidText(bytes, spans: whole))
        }
    }

    static let pairs: [(String, String)] = [
        ("腾讯云", "深圳市腾讯计算机系统有限公司"), ("acme", "ACME Trading Co"), ("acmetrading", "Acme  Trading"),
        ("acmex", "Acme Trading"), ("école", "E\u{301}cole Normale"), ("abc", "ＡＢＣ"), ("abc", ""),
        ("腾讯", "腾 讯"), ("t", "\u{3000}T"), ("ǆ", "ǅ"),
        ("讯腾", "腾讯"), ("a腾", "A 腾讯"), ("腾a讯", "腾 A 讯 x"), ("云𠀀", "云 𠀀"), ("𠀀", "𠀁"),
        ("한국", "대한민국"), ("aa", "a"), ("", "abc"), ("腾讯云", "腾讯"), ("x", "腾x讯"),
    ]

    @Test(arguments: pairs)
    func foldedChecksOnBytesMatchTheStringForms(needle: String, haystack: String) {
        haystack.withBytes { bytes in
            #expect(Validator.isSubsequence(needle, ofFolded: bytes)
                    == Validator.isSubsequence(needle, of: TextNormalizer.fold(haystack)))
            #expect(Validator.contains(folded: bytes, needle)
                    == Validator.contains(TextNormalizer.fold(haystack), needle))
        }
    }

    @Test func checksOnBytesMatchTheStringForms() {
        let texts = Self.texts + ["https://例子.中国/a", "https://a b.com", "例子.中国", "a..b.com", "91440300708461136", "京ICP证123456号"]
        for text in texts {
            text.withBytes { bytes in
                #expect(CreditCode.problem(bytes: bytes) == CreditCode.problem(text), "\(text.debugDescription)")
                #expect(ICPNumber.isValid(bytes: bytes) == ICPNumber.isValid(text), "\(text.debugDescription)")
                #expect(Validator.isValidDomain(bytes: bytes) == Validator.isValidDomain(text), "\(text.debugDescription)")
                #expect(Validator.isAbsoluteHTTPURL(bytes: bytes) == Validator.isAbsoluteHTTPURL(text), "\(text.debugDescription)")
            }
        }
    }
}
