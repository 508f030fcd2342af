import Testing
@testable import SignBatch

/// The validator decides a sign name's length and its common charset case from the name's
/// UTF-8 bytes; both must agree with the same decisions made on Unicode scalars.
struct SignNameBytesTests {
    static let samples: [String] = [
        "", "a", "Tencent", "腾讯云", "腾讯 云", "Tencent Cloud", "Tencent  Cloud", "abc123", "𠀀𠀁", "㐀䶿",
        "豈", "Ａｂｃ", "é", "e\u{301}", "中文-名", "中文_名", "名!", "😀", "\u{7F}", "\t", "ß", "한국",
        "\u{3000}", "𱍊", "𲎯", "\u{9FFF}\u{A000}", "\u{4DC0}", "z\u{0}",
    ]

    /// The reference the byte scan replaced.
    static func scalarDecision(_ name: String, international: Bool) -> Bool {
        name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                ? Validator.isASCIIAlphanumeric(UInt8(scalar.value)) || (international && scalar == " ")
                : Validator.isHan(scalar)
        }
    }

    @Test(arguments: samples, [false, true])
    func charsetScanAgreesWithScalars(name: String, international: Bool) {
        let bytes = name.withBytes { Validator.onlyAlphanumericsAndHan($0, international: international) }
        #expect(bytes == Self.scalarDecision(name, international: international))
        if bytes { #expect(Validator.disallowedCharacters(name, international: international).isEmpty) }
    }

    /// Every scalar from each range edge the scan decodes differently (one to four bytes).
    @Test func charsetScanAgreesOnEveryScalarWidth() {
        let edges: [UInt32] = [0x20, 0x30, 0x39, 0x41, 0x5A, 0x61, 0x7A, 0x7F, 0x80, 0x7FF, 0x800, 0x33FF, 0x3400,
                               0x4DBF, 0x4DC0, 0x4E00, 0x9FFF, 0xA000, 0xF8FF, 0xF900, 0xFAFF, 0xFB00, 0xFFFF,
                               0x10000, 0x1FFFF, 0x20000, 0x3134F, 0x31350, 0x10FFFF]
        for value in edges {
            let name = "名" + String(Unicode.Scalar(value)!) + "a"
            for international in [false, true] {
                let bytes = name.withBytes { Validator.onlyAlphanumericsAndHan($0, international: international) }
                #expect(bytes == Self.scalarDecision(name, international: international), "U+\(String(value, radix: 16))")
            }
        }
    }

    @Test(arguments: samples)
    func scalarCountAgreesWithScalars(name: String) {
        #expect(name.withBytes(Validator.scalarCount(utf8:)) == name.unicodeScalars.count)
    }

    /// `TextNormalizer.signName` as it is written on `String`s: the reference for the byte form
    /// of simple names (`SimpleSignName`).
    static func referenceSignName(_ text: String) -> String {
        var name = TextNormalizer.field(text)
        let scalars = name.unicodeScalars
        if let first = scalars.first, let last = scalars.last, scalars.count >= 2,
           TextNormalizer.bracketScalars.contains(where: { $0.open == first && $0.close == last }) {
            name = TextNormalizer.trimUnicode(String(scalars.dropFirst().dropLast()))
        }
        // `name` is trimmed: its words joined by single spaces are its whitespace runs folded.
        return name.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace })
            .map { String(String.UnicodeScalarView($0)) }
            .joined(separator: " ")
    }

    static let bracketed: [String] = {
        let inner = ["", " ", "腾讯云", " 腾讯 云 ", "Tencent\t\tCloud", "a", "【x】", "[y]"]
        let pairs = [("【", "】"), ("[", "]"), ("〔", "〕"), ("〖", "〗"), ("［", "］"), ("【", "]"), ("[", "】"),
                     ("〔", "〗"), ("「", "」"), ("《", "》"), ("", "】"), ("【", "")]
        var names: [String] = []
        for (open, close) in pairs {
            for text in inner {
                names += [open + text + close, " " + open + text + close + "\t", open + text + close + "x"]
            }
        }
        return names + ["a  b", "a \t b", "a\u{0B}b", " a b ", "腾讯\n云", "【", "】", "[", "]", "[]", "【】"]
    }()

    /// The byte form gives the reference's name, and says the text is the name exactly when
    /// it is.
    @Test(arguments: samples + bracketed)
    func simpleSignNameAgreesWithReference(text: String) {
        let expected = Self.referenceSignName(text)
        #expect(TextNormalizer.signName(text) == expected)
        text.withBytes { bytes in
            guard let simple = SimpleSignName(bytes) else {
                #expect(!TextNormalizer.isSimple(bytes))
                return
            }
            #expect(simple.name(of: bytes, original: nil) == expected)
            #expect(simple.isWhole(of: bytes) == String.sameBytes(expected, text))
        }
        let app = UnitSupport.application([.signName: text])
        #expect(app.signName == expected)
        #expect(app.signKey == TextNormalizer.fold(expected))
    }
}
