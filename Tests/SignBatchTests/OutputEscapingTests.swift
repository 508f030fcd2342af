import Testing
@testable import SignBatch

/// SPEC §6 output formats: XML and JSON text escapes, on the verbatim fast path and off it.
struct OutputEscapingTests {
    static func xml(_ text: String, inAttribute: Bool = false) -> String {
        var out: [UInt8] = []
        XMLRow.appendEscaped(text, to: &out, inAttribute: inAttribute)
        return String(decoding: out, as: UTF8.self)
    }

    static func json(_ text: String) -> String {
        var out: [UInt8] = []
        JSONValue.appendString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: [
        ("腾讯云 Tencent", "腾讯云 Tencent"),
        ("a&b<c>d\"e", "a&amp;b&lt;c&gt;d&quot;e"),
        ("x\ry", "x&#13;y"),
        ("t\tn\n", "t\tn\n"),
        ("nul\u{0}esc\u{1B}", "nul\u{FFFD}esc\u{FFFD}"),
        ("\u{FFFE}z\u{FFFF}", "\u{FFFD}z\u{FFFD}"),
        ("全角＆符号（）", "全角＆符号（）"),  // U+FF06 and U+FF08 start with 0xEF too
        ("＆<", "＆&lt;"),
    ])
    func xmlText(input: String, expected: String) {
        #expect(Self.xml(input) == expected)
    }

    @Test func xmlAttributeEscapesTabAndLineFeed() {
        #expect(Self.xml("t\tn\n&", inAttribute: true) == "t&#9;n&#10;&amp;")
    }

    @Test(arguments: [
        ("腾讯云 Tencent", "\"腾讯云 Tencent\""),
        ("a\"b\\c", "\"a\\\"b\\\\c\""),
        ("l\nr\rt\t", "\"l\\nr\\rt\\t\""),
        ("\u{1}\u{1B}", "\"\\u0001\\u001b\""),
        ("\u{2028}x\u{2029}", "\"\\u2028x\\u2029\""),
        ("it’s “quoted”", "\"it’s “quoted”\""),  // 0xE2, but not a line separator
    ])
    func jsonString(input: String, expected: String) {
        #expect(Self.json(input) == expected)
    }
}
