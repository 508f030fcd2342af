import Testing
@testable import SignBatch

/// SPEC §3: normalization before validation.
struct NormalizerTests {
    @Test(arguments: [
        ("Ｔｅｎｃｅｎｔ１", "Tencent1"),
        ("\u{200B}Tencent\u{200D}Cloud\u{200C}", "TencentCloud"),
        ("\u{FEFF}腾讯云", "腾讯云"),
        ("腾\u{2060}讯云", "腾讯云"),
        ("\u{3000}腾讯云\u{3000}", "腾讯云"),
        ("\u{00A0}Tencent\u{00A0}", "Tencent"),
        (" \t Tencent \r\n", "Tencent"),
        ("\u{3000}\u{200B} 腾讯 云 \u{00A0}", "腾讯 云"),
        ("ﬁnance", "finance"),
        ("ｶﾞ", "ガ"),
        ("", ""),
        ("   ", ""),
    ])
    func everyTextField(input: String, expected: String) {
        #expect(TextNormalizer.field(input) == expected)
        // The normalizer applies the same to every text field, not only sign_name.
        let app = UnitSupport.application([.organizationName: input, .ref: input, .accountID: input])
        #expect(app.organizationName == expected)
        #expect(app.ref == expected)
        #expect(app.accountID == expected)
    }

    @Test(arguments: [
        ("【腾讯云】", "腾讯云"),
        ("[Tencent]", "Tencent"),
        ("〔腾讯云〕", "腾讯云"),
        ("〖腾讯云〗", "腾讯云"),
        ("［腾讯云］", "腾讯云"),
        ("【 腾讯云 】", "腾讯云"),
        ("【\u{3000}腾讯云\u{3000}】", "腾讯云"),
        ("  【腾讯云】  ", "腾讯云"),
        // Only one enclosing pair is removed.
        ("【【腾讯云】】", "【腾讯云】"),
        // Not a matching pair: left for the charset check to report.
        ("【腾讯云]", "【腾讯云]"),
        ("【腾讯云", "【腾讯云"),
        ("腾讯云】", "腾讯云】"),
        ("Tencent \t  Cloud", "Tencent Cloud"),
        ("Tencent\u{3000}\u{3000}Cloud", "Tencent Cloud"),
        ("【ＴＥＮＣＥＮＴ ＣＬＯＵＤ】", "TENCENT CLOUD"),
        ("腾讯云", "腾讯云"),
    ])
    func signName(input: String, expected: String) {
        #expect(TextNormalizer.signName(input) == expected)
        #expect(UnitSupport.application([.signName: input]).signName == expected)
    }

    @Test(arguments: ["【】", "[]", "【 】", "  ", "\u{200B}", "\u{3000}"])
    func signNameThatNormalizesToNothingIsEmpty(input: String) {
        let app = UnitSupport.application([.signName: input])
        #expect(app.signName.isEmpty)
        #expect(app.signKey.isEmpty)
    }

    @Test(arguments: [
        ("【腾讯云】", true),
        (" 腾讯云", true),
        ("Tencent  Cloud", true),
        ("Ｔｅｎｃｅｎｔ", true),
        ("腾讯\u{200B}云", true),
        ("腾讯云", false),
        ("Tencent Cloud", false),
    ])
    func signNormalizedWarningWhenTheNameChanged(input: String, changed: Bool) {
        let app = UnitSupport.application([.signName: input])
        let warnings = app.warnings.filter { $0.code == .signNormalized }
        #expect(warnings.count == (changed ? 1 : 0))
        if changed {
            #expect(warnings[0].message.contains(input))
            #expect(warnings[0].message.contains(app.signName))
        }
        // The raw text is kept for the rejected / needs-documents outputs.
        #expect(app.raw[.signName] == input)
    }

    @Test func signNormalizedIsAWarningOnly() {
        let (app, reasons) = UnitSupport.validate([.signName: "【腾讯云】"])
        #expect(reasons.isEmpty)
        #expect(app.warnings.map(\.code) == [.signNormalized])
        #expect(Evaluation(application: app, reasons: reasons).outcome == .accepted)
    }

    @Test func dedupKeyFoldsCaseWidthBracketsAndSpaces() {
        let spellings = ["Tencent Cloud", "tencentcloud", "【ＴＥＮＣＥＮＴ ＣＬＯＵＤ】", "TencentCloud", " tencent  cloud "]
        let keys = spellings.map { UnitSupport.application([.signName: $0]).signKey }
        #expect(Set(keys) == ["tencentcloud"])
        #expect(TextNormalizer.fold("腾讯 云") == "腾讯云")
        #expect(UnitSupport.application([.signName: "Tencent Clouds"]).signKey != "tencentcloud")
    }

    @Test(arguments: [
        ("https://WWW.Example.com:8443/a", "www.example.com"),
        ("http://user:secret@Example.COM/x?y=1", "example.com"),
        ("Example.com/path#frag", "example.com"),
        ("example.com.", "example.com"),
        ("  www.example.com  ", "www.example.com"),
        ("HTTPS://例子.中国/", "例子.中国"),
        ("ｗｗｗ．ＥＸＡＭＰＬＥ．ｃｏｍ", "www.example.com"),
        ("example.com?q=1", "example.com"),
        // A port that is not all digits stays; an @ past the path is not credentials.
        ("Example.com:abc", "example.com:abc"),
        ("example.com/user@other.org", "example.com"),
        ("a@b@Example.com:80", "example.com"),
    ])
    func websiteRemarkIsTheDomainAlone(input: String, expected: String) {
        #expect(Normalizer.domain(fromRemark: TextNormalizer.field(input)) == expected)
        let app = UnitSupport.application([.signType: "website", .remark: input])
        #expect(app.remark == expected)
    }

    @Test func appRemarkIsOnlyTrimmed() {
        let app = UnitSupport.application([.signType: "app", .remark: "  https://Apps.Example.com:443/A?b=C  "])
        #expect(app.remark == "https://Apps.Example.com:443/A?b=C")
    }

    @Test func accountNameRemarkKeepsItsCaseAndPath() {
        let app = UnitSupport.application([.signType: "official_account", .remark: " Tencent/Cloud:8 "])
        #expect(app.remark == "Tencent/Cloud:8")
    }

    @Test(arguments: [
        ("9111 0000-6000 3734 1l", "91110000600037341L"),
        ("91110000600037341l", "91110000600037341L"),
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),
        ("", ""),
    ])
    func creditCodeNormalized(input: String, expected: String) {
        #expect(UnitSupport.application([.creditCode: input]).creditCode == expected)
    }

    @Test func optionalEnumsTakeTheirDefaults() {
        let app = UnitSupport.application()
        #expect(app.accountType.value == .enterprise)
        #expect(app.international.value == false)
        #expect(app.purpose.value == .self)
        #expect(app.productReleased.value == true)
        // Given but blank is the same as absent.
        let blank = UnitSupport.application([.accountType: " ", .international: "\u{3000}",
                                             .signPurpose: "", .productReleased: " "])
        #expect(blank.accountType.value == .enterprise)
        #expect(blank.international.value == false)
        #expect(blank.purpose.value == .self)
        #expect(blank.productReleased.value == true)
    }

    @Test func requiredEnumsHaveNoDefault() {
        let app = UnitSupport.application([.signType: nil, .documentType: " "])
        guard case .absent = app.signType else {
            Issue.record("sign_type should be absent, got \(app.signType)")
            return
        }
        guard case .absent = app.documentType else {
            Issue.record("document_type should be absent, got \(app.documentType)")
            return
        }
    }

    @Test(arguments: [
        ("Official Account", "officialaccount"),
        ("OFFICIAL-ACCOUNT", "officialaccount"),
        ("official_account", "officialaccount"),
        ("ＡＰＰ", "app"),
        (" Mini - Program ", "miniprogram"),
        ("３", "3"),
    ])
    func enumKeyFolding(input: String, expected: String) {
        #expect(TextNormalizer.enumKey(input) == expected)
    }

    /// The byte-level "simple text" test decodes scalars of every UTF-8 length exactly as
    /// the scalar view does: checked on random strings mixing ASCII, the simple ranges'
    /// edges and characters just outside them.
    @Test func simpleTextDecidedOnBytesMatchesScalars() {
        let pool: [Unicode.Scalar] = [
            "a", " ", "Z", "\u{7F}", "\u{80}", "\u{A0}", "\u{7FF}", "\u{800}", "\u{3000}", "\u{3001}", "\u{3002}",
            "\u{3003}", "\u{3007}", "\u{3008}", "\u{3011}", "\u{3012}", "\u{3014}", "\u{301B}", "\u{301C}",
            "\u{33FF}", "\u{3400}", "\u{4000}", "\u{4D80}", "\u{4DBF}", "\u{4DC0}", "\u{4DFF}", "\u{4E00}", "\u{4FFF}", "\u{5000}", "\u{9FFF}", "\u{A000}",
            "\u{ABFF}", "\u{AC00}", "\u{D7A3}", "\u{D7A4}", "\u{FF21}", "\u{FFFF}", "\u{10000}", "\u{1FFFF}",
            "\u{20000}", "\u{2A6DF}", "\u{2A6E0}", "\u{10FFFF}",
        ]
        func reference(_ text: String) -> Bool {
            text.unicodeScalars.allSatisfy { scalar in
                switch scalar.value {
                case 0..<0x80, 0x3001, 0x3002, 0x3008...0x3011, 0x3014...0x301B,
                     0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x20000...0x2A6DF: true
                default: false
                }
            }
        }
        var rng = SplitMix64(state: 11)
        for _ in 0..<5000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...6, using: &rng) { scalars.append(pool.randomElement(using: &rng)!) }
            let text = String(scalars)
            #expect(TextNormalizer.isSimple(text) == reference(text), "\(text.unicodeScalars.map(\.value))")
        }
    }

    /// Full-width forms, ideographic spaces and zero-width characters are mapped without
    /// Foundation: on random strings that mix them with simple text, combining marks and
    /// other compatibility characters, `field` matches Foundation's NFKC.
    @Test func widthFoldingMatchesFoundationNFKC() {
        let pool: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\t", "[", "]", "\u{FF01}", "\u{FF10}", "\u{FF21}", "\u{FF3B}", "\u{FF3D}", "\u{FF41}",
            "\u{FF5E}", "\u{FF5F}", "\u{FF00}", "\u{FF61}", "\u{FF9E}", "\u{3000}", "\u{200B}", "\u{200D}", "\u{FEFF}",
            "\u{2060}", "\u{180E}", "\u{4E2D}", "\u{3010}", "\u{3011}", "\u{AC00}", "\u{1100}", "\u{1161}", "\u{11A8}",
            "\u{0301}", "\u{00E9}", "\u{00B7}", "\u{2460}", "\u{00A0}", "\u{2003}", "\u{FB01}", "\u{1F680}",
        ]
        var rng = SplitMix64(state: 23)
        for _ in 0..<5000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...7, using: &rng) { scalars.append(pool.randomElement(using: &rng)!) }
            let text = String(scalars)
            let expected = TextNormalizer.compatibilityNormalized(text)
            #expect(String.sameBytes(TextNormalizer.field(text), expected), "\(text.unicodeScalars.map(\.value))")
        }
    }
}
