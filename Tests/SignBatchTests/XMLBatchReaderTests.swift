import Foundation
import Testing
@testable import SignBatch

struct XMLBatchReaderTests {
    typealias Support = XMLTestSupport

    // MARK: Valid batches

    @Test func readsAValidBatchWithLinesAndFields() throws {
        let scratch = try XMLScratch()
        let path = try scratch.write("batch.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <applications>
              <!-- exported 2024-06-01 -->
              <application>
                <ref>A-1</ref>
                <account_id>acct-1</account_id>
                <sign_name>腾讯云</sign_name>
                <sign_type>company</sign_type>
                <document_type>business_license</document_type>
                <document_file>proof.png</document_file>
              </application>
              <?partner-tool v2?>
              <application><ref>A-2</ref><account_id>acct-2</account_id><sign_name>Tencent Cloud</sign_name><international>1</international><sign_type>website</sign_type><remark>cloud.tencent.com</remark><document_type>0</document_type></application>
              <application>
                <ref>A-3</ref>
              </application>
            </applications>

            """)
        let read = try Support.read(path).get()
        #expect(read.layout == BatchLayout(extraColumns: [], encoding: "utf-8"))
        #expect(read.warnings.isEmpty)
        let applications = read.applications
        #expect(applications.map(\.line) == [4, 13, 14])
        #expect(applications.allSatisfy { $0.problems.isEmpty && $0.extras.isEmpty })
        let first = applications[0]
        #expect(first[.ref] == "A-1")
        #expect(first[.accountID] == "acct-1")
        #expect(first[.signName] == "腾讯云")
        #expect(first[.signType] == "company")
        #expect(first[.documentType] == "business_license")
        #expect(first[.documentFile] == "proof.png")
        #expect(first[.remark] == nil)
        #expect(applications[1][.international] == "1")
        #expect(applications[1][.remark] == "cloud.tencent.com")
        // Content is not the schema's business: a missing field is simply absent.
        #expect(applications[2][.ref] == "A-3")
        #expect(applications[2][.accountID] == nil)
        #expect(applications[2][.signName] == nil)
    }

    @Test func childrenMayComeInAnyOrder() throws {
        let scratch = try XMLScratch()
        let fields: [(String, String)] = [
            ("ref", "R"), ("account_id", "acct-1"), ("account_type", "enterprise"), ("sign_name", "腾讯云"),
            ("sign_type", "app"), ("international", "0"), ("sign_purpose", "others"), ("document_type", "1"),
            ("document_file", "p.png"), ("commission_file", "c.png"), ("remark", "https://example.com/app"),
            ("product_released", "yes"), ("organization_name", "腾讯"), ("credit_code", "91110000600037341L"),
            ("icp_number", "粤ICP备12345678号"),
        ]
        func application(_ order: [(String, String)]) -> String {
            "  <application>\n" + order.map { "    <\($0.0)>\($0.1)</\($0.0)>\n" }.joined() + "  </application>\n"
        }
        var rotated = fields
        rotated.append(contentsOf: rotated.prefix(7))
        rotated.removeFirst(7)
        let path = try scratch.write("order.xml", Support.document([
            application(fields), application(fields.reversed()), application(rotated),
        ]))
        let applications = Support.applications(path)
        try #require(applications.count == 3)
        for application in applications {
            #expect(application.problems.isEmpty)
            for (name, value) in fields { #expect(application[Field(name: name)!] == value) }
        }
    }

    /// Applications straddle the reader's 64 KiB chunks; every line must still be exact.
    @Test func linesStayExactAcrossManyChunks() throws {
        let scratch = try XMLScratch()
        let count = 5_000
        var text = "<?xml version=\"1.0\"?>\n<applications>\n"
        for index in 0..<count {
            text += "<application>\n<ref>\(index)</ref>\n<sign_name>腾讯云\(index)</sign_name>\n</application>\n"
        }
        text += "</applications>\n"
        let path = try scratch.write("many.xml", text)
        let applications = Support.applications(path)
        #expect(applications.count == count)
        #expect(applications.enumerated().allSatisfy { index, application in
            application.line == 3 + 4 * index && application[.ref] == String(index)
                && application[.signName] == "腾讯云\(index)" && application.problems.isEmpty
        })
    }

    @Test func anEmptyRootIsAnEmptyBatch() throws {
        let scratch = try XMLScratch()
        let path = try scratch.write("empty-root.xml", "<applications/>")
        #expect(Support.applications(path).isEmpty)
    }

    @Test func theSampleBatchIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Input/partner-export.xml").path
        let applications = Support.applications(path)
        #expect(applications.count == 12)
        #expect(applications.allSatisfy { $0.problems.isEmpty })
        #expect(applications.map { $0[.ref] } == (1...12).map { String(format: "PX-%03d", $0) })
        #expect(applications.contains { $0[.documentFile] == "documents/missing.png" })
        #expect(applications.contains { $0[.accountType] == "个人" })
    }

    // MARK: Text

    @Test(arguments: [
        ("<![CDATA[【腾讯&云】]]>", "【腾讯&云】"),
        ("&#x3010;&#33150;&#x8BAF;云&#x3011;", "【腾讯云】"),
        ("腾讯<![CDATA[云]]>&#x8BA1;算", "腾讯云计算"),
        ("A &amp; B &lt;C&gt; &quot;D&quot; &apos;E&apos;", "A & B <C> \"D\" 'E'"),
        ("<![CDATA[<sign_name>]]>", "<sign_name>"),
        ("  腾讯云\t", "  腾讯云\t"),
        ("腾讯<!-- note -->云", "腾讯云"),
        ("\n  腾讯云\n  ", "\n  腾讯云\n  "),
        ("", ""),
    ])
    func fieldTextIsDecodedButNotTrimmed(_ markup: String, _ expected: String) throws {
        let scratch = try XMLScratch()
        let path = try scratch.write("text.xml", Support.document([
            "  <application><sign_name>\(markup)</sign_name><remark/></application>\n",
        ]))
        let applications = Support.applications(path)
        try #require(applications.count == 1)
        #expect(applications[0][.signName] == expected)
        #expect(applications[0][.remark] == "")
        #expect(applications[0].problems.isEmpty)
    }

    @Test func fullWidthAndBracketedNamesArriveUnchangedAndNormalizeLater() throws {
        let scratch = try XMLScratch()
        try scratch.writePNG("proof.png")
        let path = try scratch.write("names.xml", Support.document([
            Support.application(["ref": "bracketed", "account_id": "acct-1", "sign_name": "【腾讯云】",
                                 "sign_type": "company", "document_type": "三证合一", "document_file": "proof.png"]),
            Support.application(["ref": "full-width", "account_id": "acct-1", "sign_name": "【ＴＥＮＣＥＮＴ　ＣＬＯＵＤ】",
                                 "international": "１", "sign_type": "ｃｏｍｐａｎｙ", "document_type": "0",
                                 "document_file": "proof.png"]),
            Support.application(["ref": "lenticular", "account_id": "acct-1", "sign_name": "〖微信支付〗",
                                 "sign_type": "商标", "document_type": "商标注册书", "document_file": "proof.png"]),
        ]))
        let raw = Support.applications(path)
        #expect(raw.map { $0[.signName] } == ["【腾讯云】", "【ＴＥＮＣＥＮＴ　ＣＬＯＵＤ】", "〖微信支付〗"])

        let run = try Support.run([path], output: scratch.path + "/out", format: .jsonl)
        #expect(run.reports.first?.failure == nil)
        let accepted = run.rows("names", .accepted)
        #expect(accepted.map { $0["sign_name"] } == ["腾讯云", "TENCENT CLOUD", "微信支付"])
        #expect(accepted.map { $0["warnings"] } == ["SIGN_NORMALIZED", "SIGN_NORMALIZED", "SIGN_NORMALIZED"])
        #expect(accepted.map { $0["international"] } == ["0", "1", "0"])
    }

    @Test func aDeclaredLegacyEncodingIsDecodedAndReported() throws {
        let scratch = try XMLScratch()
        // 腾讯云 in GB18030.
        let bytes = Array("<?xml version=\"1.0\" encoding=\"GB18030\"?>\n<applications>\n<application><sign_name>".utf8)
            + [0xCC, 0xDA, 0xD1, 0xB6, 0xD4, 0xC6] + Array("</sign_name></application>\n</applications>\n".utf8)
        let path = try scratch.write("gb.xml", bytes: bytes)
        let read = try Support.read(path).get()
        #expect(read.layout.encoding == "gb18030")
        #expect(read.applications.map { $0[.signName] } == ["腾讯云"])
    }

    @Test func utf16WithAByteOrderMarkIsDetected() throws {
        let scratch = try XMLScratch()
        let text = "<applications>\n<application><sign_name>【腾讯云】</sign_name></application>\n</applications>\n"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let path = try scratch.write("utf16.xml", bytes: bytes)
        let read = try Support.read(path).get()
        #expect(read.layout.encoding.hasPrefix("utf-16"))
        #expect(read.applications.map { $0[.signName] } == ["【腾讯云】"])
        #expect(read.applications.map(\.line) == [2])
    }

    // MARK: Schema

    struct SchemaCase: Sendable, CustomTestStringConvertible {
        var name: String
        var open = "<application>"
        var close = "</application>"
        var body: String
        var message: String
        /// Line of the offending element, counted from the broken application's start tag.
        var lineOffset: Int
        var fieldsRead = true
        var testDescription: String { name }
    }

    static let schemaCases: [SchemaCase] = [
        SchemaCase(name: "unknown child element", body: "<colour>red</colour>",
                   message: "Element 'colour': This element is not expected.", lineOffset: 2),
        SchemaCase(name: "repeated child element", body: "<ref>again</ref>",
                   message: "Element 'ref': This element is not expected.", lineOffset: 2),
        SchemaCase(name: "element nested in a field", body: "<sign_name>腾讯<b>云</b></sign_name>",
                   message: "Element 'sign_name': Element content is not allowed, because the type definition is simple.",
                   lineOffset: 2),
        SchemaCase(name: "attribute on the application", open: "<application id=\"7\">", body: "<sign_name>腾讯云</sign_name>",
                   message: "Element 'application', attribute 'id': The attribute 'id' is not allowed.", lineOffset: 0),
        SchemaCase(name: "attribute on a field", body: "<sign_name lang=\"zh\">腾讯云</sign_name>",
                   message: "Element 'sign_name', attribute 'lang': The attribute 'lang' is not allowed.", lineOffset: 2),
        SchemaCase(name: "text directly inside the application", body: "stray text",
                   message: "Element 'application': Character content other than whitespace is not allowed because the content type is 'element-only'.",
                   lineOffset: 0),
        SchemaCase(name: "another element where an application belongs", open: "<app>", close: "</app>",
                   body: "<sign_name>腾讯云</sign_name>",
                   message: "Element 'app': This element is not expected. Expected is ( application ).", lineOffset: 0),
        SchemaCase(name: "application in a namespace", open: "<application xmlns=\"urn:example\">",
                   body: "<sign_name>腾讯云</sign_name>",
                   message: "Element '{urn:example}application': This element is not expected. Expected is ( application ).",
                   lineOffset: 0, fieldsRead: false),
        SchemaCase(name: "field in a namespace", body: "<x:sign_name xmlns:x=\"urn:example\">腾讯云</x:sign_name>",
                   message: "Element '{urn:example}sign_name': This element is not expected.", lineOffset: 2),
    ]

    @Test(arguments: schemaCases)
    func anApplicationThatBreaksTheSchemaIsRejectedAndTheOthersGoOn(_ test: SchemaCase) throws {
        let scratch = try XMLScratch()
        let valid = "    <account_id>acct-1</account_id><sign_name>腾讯云</sign_name><sign_type>company</sign_type><document_type>1</document_type>\n"
        let path = try scratch.write("schema.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <applications>
              <application>
                <ref>before</ref>
            \(valid)  </application>
              \(test.open)
                <ref>broken</ref>
                \(test.body)
              \(test.close)
              <application>
                <ref>after</ref>
            \(valid)  </application>
            </applications>

            """)
        let applications = Support.applications(path)
        try #require(applications.count == 3)
        #expect(applications.map(\.line) == [3, 7, 11])
        #expect(applications[0].problems.isEmpty)
        #expect(applications[2].problems.isEmpty)
        #expect(applications[2][.ref] == "after")
        let problems = applications[1].problems
        #expect(problems.map(\.code) == [.schemaInvalid])
        #expect(problems.first?.message == "line \(7 + test.lineOffset): \(test.message)")
        if test.fieldsRead { #expect(applications[1][.ref] == "broken") }
    }

    @Test func validationContinuesAfterInvalidApplications() throws {
        let scratch = try XMLScratch()
        var applications: [String] = []
        for index in 0..<12 {
            switch index % 4 {
            case 1: applications.append("  <application><ref>\(index)</ref><bogus/></application>\n")
            case 2: applications.append("  <application><ref>\(index)</ref><ref>twice</ref></application>\n")
            default: applications.append("  <application><ref>\(index)</ref><sign_name>腾讯云</sign_name></application>\n")
            }
        }
        let path = try scratch.write("mixed.xml", Support.document(applications))
        let read = Support.applications(path)
        try #require(read.count == 12)
        for (index, application) in read.enumerated() {
            let broken = index % 4 == 1 || index % 4 == 2
            #expect(application.problems.map(\.code) == (broken ? [.schemaInvalid] : []), "application \(index)")
            #expect(application[.ref] == String(index))
            #expect(application.line == index + 3)
        }
    }

    @Test func schemaRejectionsReachTheRejectedOutput() throws {
        let scratch = try XMLScratch()
        try scratch.writePNG("proof.png")
        let path = try scratch.write("pipeline.xml", Support.document([
            Support.application(["ref": "ok", "account_id": "acct-1", "sign_name": "腾讯云", "sign_type": "company",
                                 "document_type": "1", "document_file": "proof.png"]),
            Support.application(["ref": "bad", "account_id": "acct-1", "sign_name": "微信支付", "sign_type": "company",
                                 "document_type": "1", "document_file": "proof.png", "colour": "red"]),
            Support.application(["ref": "no-account", "sign_name": "腾讯视频", "sign_type": "company",
                                 "document_type": "1", "document_file": "proof.png"]),
        ]))
        let run = try Support.run([path], output: scratch.path + "/out", format: .jsonl)
        #expect(run.reports.first?.failure == nil)
        #expect(run.rows("pipeline", .accepted).map { $0["ref"] } == ["ok"])
        let rejected = run.rows("pipeline", .rejected)
        #expect(rejected.map { $0["ref"] } == ["bad", "no-account"])
        #expect(rejected.map { $0["reasons"] } == ["SCHEMA_INVALID", "ACCOUNT_ID_MISSING"])
        #expect(rejected.first?["messages"] == "line 4: Element 'colour': This element is not expected.")
    }

    /// Enough applications for many chunks, so both evaluating threads take some: each
    /// schema-invalid one is rejected for it, wherever it falls.
    @Test func schemaRejectionsAcrossChunks() throws {
        let scratch = try XMLScratch()
        try scratch.writePNG("proof.png")
        let count = 3_000
        let broken = Set(stride(from: 5, to: count, by: 7))
        let applications = (0..<count).map { index in
            broken.contains(index)
                ? Support.application(["ref": "r\(index)", "account_id": "acct-\(index)", "sign_name": "腾讯云",
                                       "sign_type": "company", "document_type": "1", "document_file": "proof.png",
                                       "colour": "red"])
                : Support.application(["ref": "r\(index)", "account_id": "acct-\(index)", "sign_name": "腾讯云",
                                       "sign_type": "company", "document_type": "1", "document_file": "proof.png"])
        }
        let path = try scratch.write("chunks.xml", Support.document(applications))
        let run = try Support.run([path], output: scratch.path + "/out", format: .jsonl)
        #expect(run.reports.first?.failure == nil)
        let rejected = run.rows("chunks", .rejected)
        #expect(rejected.map { $0["ref"] } == broken.sorted().map { "r\($0)" })
        #expect(rejected.allSatisfy { $0["reasons"] == "SCHEMA_INVALID" })
        #expect(run.rows("chunks", .accepted).count == count - broken.count)
    }

    // MARK: Batches that fail

    struct FailureCase: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var line: Int
        var message: String
        var testDescription: String { name }
    }

    static let wellFormednessCases: [FailureCase] = [
        FailureCase(name: "start: not XML at all", text: "ref,account_id\nA,acct-1\n", line: 1,
                    message: "the XML is not well-formed: text where the root element should begin (libxml2: Document is empty)"),
        FailureCase(name: "start: broken XML declaration",
                    text: "<?xml version=\"1.0\" encoding=>\n<applications/>\n", line: 1,
                    message: "the XML is not well-formed:"),
        FailureCase(name: "start: empty file", text: "", line: 1, message: "the batch is empty"),
        FailureCase(name: "middle: mismatched end tag",
                    text: "<applications>\n<application><ref>1</ref></application>\n<application>\n<ref>2</rf>\n</application>\n</applications>\n",
                    line: 4, message: "the XML is not well-formed: Opening and ending tag mismatch: ref line 4 and rf"),
        FailureCase(name: "middle: bare ampersand",
                    text: "<applications>\n<application><ref>1</ref></application>\n<application><organization_name>AT&T</organization_name></application>\n</applications>\n",
                    line: 3, message: "the XML is not well-formed:"),
        FailureCase(name: "middle: undeclared entity",
                    text: "<applications>\n<application><ref>1</ref></application>\n<application><sign_name>&nbsp;</sign_name></application>\n</applications>\n",
                    line: 3, message: "the XML is not well-formed: Entity 'nbsp' not defined"),
        FailureCase(name: "middle: invalid UTF-8",
                    text: "<applications>\n<application><sign_name>\u{FFFD}</sign_name></application>\n</applications>\n",
                    line: 2, message: "the XML is not well-formed:"),
        FailureCase(name: "end: root never closed",
                    text: "<applications>\n<application><ref>1</ref></application>\n<application><ref>2</ref></application>\n",
                    line: 3, message: "the XML is not well-formed: the file ends before </applications> (1 element is still open)"),
        FailureCase(name: "end: cut inside a tag",
                    text: "<applications>\n<application><ref>1</ref></application>\n<application><sign_na",
                    line: 3, message: "the XML is not well-formed:"),
        FailureCase(name: "end: a second root",
                    text: "<applications>\n<application><ref>1</ref></application>\n</applications>\n<applications/>\n",
                    line: 4, message: "the XML is not well-formed: Extra content at the end of the document"),
    ]

    @Test(arguments: wellFormednessCases)
    func aBatchThatIsNotWellFormedFails(_ test: FailureCase) throws {
        let scratch = try XMLScratch()
        var bytes = Array(test.text.utf8)
        // Replace the placeholder with a lone continuation byte: not UTF-8.
        if let index = bytes.firstIndex(of: 0xEF), Array(bytes[index..<index + 3]) == [0xEF, 0xBF, 0xBD] {
            bytes.replaceSubrange(index..<index + 3, with: [0x80])
        }
        let path = try scratch.write("broken.xml", bytes: bytes)
        let error = try #require(Support.failure(path))
        #expect(error.kind == .malformed)
        #expect(error.path == path)
        #expect(error.line == test.line)
        #expect(error.message.hasPrefix(test.message), "\(error.message)")
    }

    @Test(arguments: [
        ("<apps><application/></apps>", "the root element is <apps>; a batch's root must be <applications> (no namespace)"),
        ("<application><ref>1</ref></application>", "the root element is <application>;"),
        ("<applications xmlns=\"urn:signbatch\"/>", "the root element is <applications> in namespace urn:signbatch;"),
        ("<applications version=\"2\"/>",
         "the batch breaks the schema: Element 'applications', attribute 'version': The attribute 'version' is not allowed."),
        ("<applications>\n  exported by CRM\n  <application/>\n</applications>",
         "the batch breaks the schema: Element 'applications': Character content other than whitespace is not allowed because the content type is 'element-only'."),
    ])
    func aBatchWhoseRootBreaksTheFormatFails(_ text: String, _ message: String) throws {
        let scratch = try XMLScratch()
        let path = try scratch.write("root.xml", "<?xml version=\"1.0\"?>\n" + text + "\n")
        let error = try #require(Support.failure(path))
        #expect(error.kind == .malformed)
        #expect(error.line >= 2)
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    @Test func schemaInstanceAttributesOnTheRootAreAllowedAndNeverFollowed() throws {
        let scratch = try XMLScratch()
        let marker = "SCHEMA-LOCATION-MARKER-\(UUID().uuidString)"
        let secret = try scratch.write("secret/elsewhere.xsd", marker)
        let path = try scratch.write("located.xml", """
            <?xml version="1.0"?>
            <applications xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="file://\(secret)">
              <application><ref>1</ref><sign_name>腾讯云</sign_name></application>
            </applications>
            """)
        let applications = Support.applications(path)
        #expect(applications.map { $0[.ref] } == ["1"])
        #expect(applications.allSatisfy { $0.problems.isEmpty })
    }

    // MARK: DOCTYPE and entities

    static let doctypeCases: [(String, String)] = [
        ("internal entity", "<!DOCTYPE applications [<!ENTITY name \"腾讯云\">]>"),
        ("external entity by path", "<!DOCTYPE applications [<!ENTITY name SYSTEM \"SECRET\">]>"),
        ("external entity by file URL", "<!DOCTYPE applications [<!ENTITY name SYSTEM \"file://SECRET\">]>"),
        ("external parameter entity", "<!DOCTYPE applications [<!ENTITY % p SYSTEM \"file://SECRET\"> %p;]>"),
        ("external DTD", "<!DOCTYPE applications SYSTEM \"file://SECRET\">"),
        ("public DTD", "<!DOCTYPE applications PUBLIC \"-//Example//DTD Batch//EN\" \"SECRET\">"),
        ("DOCTYPE without declarations", "<!DOCTYPE applications>"),
    ]

    @Test(arguments: doctypeCases)
    func aDoctypeFailsTheBatchAndNothingItNamesIsRead(_ name: String, _ doctype: String) throws {
        let scratch = try XMLScratch()
        let marker = "TOP-SECRET-MARKER-\(UUID().uuidString)"
        let secret = try scratch.write("secret/outside.txt", marker)
        let path = try scratch.write("batches/hostile.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            \(doctype.replacingOccurrences(of: "SECRET", with: secret))
            <applications>
              <application><ref>1</ref><account_id>acct-1</account_id><sign_name>&name;</sign_name><organization_name>&name;</organization_name><sign_type>company</sign_type><document_type>1</document_type></application>
            </applications>

            """)
        let error = try #require(Support.failure(path))
        #expect(error.kind == .malformed)
        #expect(error.line == 2)
        #expect(error.message.hasPrefix("the batch has a DOCTYPE"))
        #expect(!error.message.contains(marker))

        let output = scratch.path + "/out"
        let run = try Support.run([path], output: output)
        #expect(run.reports.map(\.summary.status) == [.failed])
        #expect(run.reports.first?.failure?.kind == .malformed)
        let files = scratch.files(under: output)
        #expect(files.map { ($0.path as NSString).lastPathComponent }.contains("summary.json"))
        #expect(!files.contains { $0.path.hasSuffix(".xml") })
        #expect(!files.contains { $0.text.contains(marker) })
    }

    @Test func entityExpansionBombsFailFast() throws {
        let scratch = try XMLScratch()
        var laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE applications [\n<!ENTITY lol0 \"lol\">\n"
        for level in 1...9 {
            laughs += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n"
        }
        laughs += "]>\n<applications><application><sign_name>&lol9;</sign_name></application></applications>\n"
        // A million references to one declared entity, and a million to an undeclared one.
        let references = String(repeating: "&a;", count: 1_000_000)
        let million = "<?xml version=\"1.0\"?>\n<!DOCTYPE applications [<!ENTITY a \"腾讯云腾讯云腾讯云\">]>\n"
            + "<applications><application><sign_name>\(references)</sign_name></application></applications>\n"
        let undeclared = "<?xml version=\"1.0\"?>\n<applications><application><sign_name>\(references)</sign_name></application></applications>\n"
        for (name, text, line) in [("billion laughs", laughs, 2), ("million references", million, 2),
                                   ("million undeclared references", undeclared, 2)] {
            let path = try scratch.write("\(name).xml", text)
            let clock = ContinuousClock()
            var error: BatchError?
            let elapsed = clock.measure { error = Support.failure(path) }
            #expect(error?.kind == .malformed, "\(name)")
            #expect(error?.line == line, "\(name)")
            #expect(elapsed < .seconds(2), "\(name) took \(elapsed)")
        }
    }

    // MARK: Limits

    @Test func nestingBeyondTheLimitFailsTheBatch() throws {
        let scratch = try XMLScratch()
        var limits = Support.limits
        limits.maxXMLDepth = 4
        let atLimit = try scratch.write("four.xml",
            "<applications>\n<application>\n<sign_name><b>腾讯云</b></sign_name>\n</application>\n</applications>\n")
        let applications = Support.applications(atLimit, limits: limits)
        #expect(applications.map { $0.problems.map(\.code) } == [[.schemaInvalid]])

        let beyond = try scratch.write("five.xml",
            "<applications>\n<application>\n<sign_name>\n<b><c>腾讯云</c></b></sign_name>\n</application>\n</applications>\n")
        let error = try #require(Support.failure(beyond, limits: limits))
        #expect(error.kind == .malformed)
        #expect(error.line == 4)
        #expect(error.message == "elements are nested deeper than 4 levels")

        let deep = String(repeating: "<x>", count: Support.limits.maxXMLDepth) + String(repeating: "</x>", count: Support.limits.maxXMLDepth)
        let defaultLimit = try scratch.write("deep.xml", "<applications><application>\(deep)</application></applications>")
        #expect(Support.failure(defaultLimit)?.message == "elements are nested deeper than \(Support.limits.maxXMLDepth) levels")
    }

    @Test func anOverlongFieldIsCutAtACharacterAndTheApplicationRejected() throws {
        let scratch = try XMLScratch()
        var limits = Support.limits
        limits.maxFieldBytes = 16
        let path = try scratch.write("long.xml", Support.document([
            // 27 bytes of text; 16 would split the sixth character.
            "  <application><ref>long</ref><sign_name>腾讯云腾讯云腾讯云</sign_name></application>\n",
            // The limit applies to the text of a field however it is split up.
            "  <application><ref>pieces</ref><remark>0123456789<![CDATA[abcdefghij]]>&#x41;</remark></application>\n",
            "  <application><ref>short</ref><sign_name>腾讯云腾讯</sign_name><remark>0123456789abcdef</remark></application>\n",
        ]))
        let applications = Support.applications(path, limits: limits)
        try #require(applications.count == 3)
        #expect(applications[0][.signName] == "腾讯云腾讯")
        #expect(applications[0].problems == [Finding(.rowMalformed, "element sign_name holds more than 16 bytes of text; it was cut there")])
        #expect(applications[1][.remark] == "0123456789abcdef")
        #expect(applications[1].problems.map(\.code) == [.rowMalformed])
        #expect(applications[2].problems.isEmpty)
        #expect(applications[2][.remark] == "0123456789abcdef")
    }

    @Test func anOverlongApplicationIsCutAndTheNextOneIsWhole() throws {
        let scratch = try XMLScratch()
        var limits = Support.limits
        limits.maxFieldBytes = 100
        limits.maxRowBytes = 150
        let text = String(repeating: "a", count: 90)
        let path = try scratch.write("row.xml", Support.document([
            "  <application><ref>big</ref><remark>\(text)</remark><organization_name>\(text)</organization_name><sign_name>腾讯云</sign_name></application>\n",
            "  <application><ref>next</ref><remark>\(text)</remark></application>\n",
        ]))
        let applications = Support.applications(path, limits: limits)
        try #require(applications.count == 2)
        #expect(applications[0].problems == [Finding(.rowMalformed, "the application is longer than 150 bytes; the rest of it was not read")])
        #expect(applications[0][.remark] == text)
        #expect(applications[0][.signName] == nil)
        #expect(applications[1].problems.isEmpty)
        #expect(applications[1][.remark] == text)
    }

    /// Layout whitespace between fields is not kept in the tree, but it still counts
    /// towards an application's size.
    @Test func layoutWhitespaceCountsTowardsTheApplicationSize() throws {
        let scratch = try XMLScratch()
        var limits = Support.limits
        limits.maxRowBytes = 150
        let layout = String(repeating: " ", count: 200)
        let path = try scratch.write("layout.xml", Support.document([
            "  <application>\(layout)<ref>spaced</ref>\n    <sign_name>腾讯云</sign_name></application>\n",
            "  <application>\n    <ref>plain</ref>\n    <sign_name>腾讯云</sign_name>\n  </application>\n",
        ]))
        let applications = Support.applications(path, limits: limits)
        try #require(applications.count == 2)
        #expect(applications[0].problems == [Finding(.rowMalformed, "the application is longer than 150 bytes; the rest of it was not read")])
        #expect(applications[1].problems.isEmpty)
        #expect(applications[1][.ref] == "plain")
        #expect(applications[1][.signName] == "腾讯云")
    }

    // MARK: XML and CSV agree

    @Test func anXMLBatchAndACSVBatchWithTheSameApplicationsGiveTheSameOutcomes() throws {
        let scratch = try XMLScratch()
        // One directory for both: messages name the directory documents are relative to.
        try scratch.writePNG("documents/proof.png")
        let rows: [[(Field, String)]] = [
            [(.ref, "ok"), (.accountID, "acct-1"), (.signName, "腾讯云"), (.signType, "company"),
             (.documentType, "business_license"), (.documentFile, "documents/proof.png"),
             (.organizationName, "腾讯云计算（北京）有限责任公司"), (.creditCode, "91110000600037341L")],
            [(.ref, "dup"), (.accountID, "acct-1"), (.signName, "【腾讯云】"), (.signType, "公司"),
             (.documentType, "1"), (.documentFile, "documents/proof.png")],
            [(.ref, "neutral"), (.accountID, "acct-1"), (.signName, "验证码"), (.signType, "company"),
             (.documentType, "1"), (.documentFile, "documents/proof.png")],
            [(.ref, "no-remark"), (.accountID, "acct-1"), (.signName, "腾讯会议"), (.signType, "app"),
             (.documentType, "1"), (.documentFile, "documents/proof.png")],
            [(.ref, "bad-domain"), (.accountID, "acct-1"), (.signName, "腾讯网"), (.signType, "website"),
             (.remark, "not a domain"), (.documentType, "1"), (.documentFile, "documents/proof.png")],
            [(.ref, "individual-company"), (.accountID, "li.ming"), (.accountType, "个人"), (.signName, "李明工作室"),
             (.signType, "company"), (.documentType, "4"), (.documentFile, "documents/proof.png")],
            [(.ref, "not-found"), (.accountID, "acct-2"), (.signName, "腾讯视频"), (.signType, "official_account"),
             (.remark, "腾讯视频"), (.documentType, "1"), (.documentFile, "documents/missing.png")],
            [(.ref, "no-proof"), (.accountID, "acct-2"), (.signName, "微信读书"), (.signType, "company"),
             (.documentType, "1")],
            [(.ref, "no-commission"), (.accountID, "acct-2"), (.signName, "微信支付"), (.signType, "trademark"),
             (.signPurpose, "others"), (.documentType, "trademark_certificate"), (.documentFile, "documents/proof.png")],
            [(.ref, "full-width"), (.accountID, "acct-2"), (.signName, "【ＴＥＮＣＥＮＴ　ＣＬＯＵＤ】"),
             (.international, "global"), (.signType, "company"), (.documentType, "0"),
             (.documentFile, "documents/proof.png"), (.organizationName, "Tencent, \"Cloud\"\nInternational")],
            [(.ref, "bad-codes"), (.accountID, "acct-2"), (.signName, "腾讯地图"), (.signType, "website"),
             (.remark, "https://map.qq.com/"), (.icpNumber, "ICP12345"), (.creditCode, "91110000600037341A"),
             (.documentType, "1"), (.documentFile, "documents/proof.png")],
            [(.ref, "no-account"), (.signName, "腾讯文档"), (.signType, "company"), (.documentType, "1"),
             (.documentFile, "documents/proof.png")],
            [(.ref, "unreleased"), (.accountID, "acct-3"), (.signName, "新产品"), (.signType, "app"),
             (.remark, "https://example.com/app?a=1&b=<2>"), (.productReleased, "否"), (.documentType, "1"),
             (.documentFile, "documents/proof.png")],
            [(.ref, "spaces"), (.accountID, " acct-3 "), (.signName, "  腾讯 游戏  "), (.signType, "company"),
             (.documentType, " 1 "), (.documentFile, "documents/proof.png")],
        ]
        var csv = Field.allCases.map(\.name).joined(separator: ",") + "\n"
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<applications>\n"
        for row in rows {
            let values = Dictionary(uniqueKeysWithValues: row)
            csv += Field.allCases.map { field -> String in
                let value = values[field] ?? ""
                return value.contains(where: { ",\"\n".contains($0) })
                    ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
            }.joined(separator: ",") + "\n"
            // Reversed, so the XML also has its children in another order than the CSV columns.
            xml += "  <application>\n" + row.reversed().map { field, value in
                var escaped: [UInt8] = []
                XMLRow.appendEscaped(value, to: &escaped)
                return "    <\(field.name)>\(String(decoding: escaped, as: UTF8.self))</\(field.name)>\n"
            }.joined() + "  </application>\n"
        }
        xml += "</applications>\n"
        let csvPath = try scratch.write("batch.csv", csv)
        let xmlPath = try scratch.write("batch.xml", xml)

        let fromCSV = try Support.run([csvPath], output: scratch.path + "/out-csv", format: .jsonl)
        let fromXML = try Support.run([xmlPath], output: scratch.path + "/out-xml", format: .jsonl)
        #expect(fromCSV.reports.first?.failure == nil)
        #expect(fromXML.reports.first?.failure == nil)
        for outcome in Outcome.allCases {
            let csvRows = fromCSV.rows("batch", outcome).map { $0.filter { $0.key != "line" } }
            let xmlRows = fromXML.rows("batch", outcome).map { $0.filter { $0.key != "line" } }
            #expect(!csvRows.isEmpty, "no \(outcome) row")
            #expect(xmlRows == csvRows, "\(outcome)")
        }
        let csvSummary = try #require(fromCSV.reports.first?.summary)
        let xmlSummary = try #require(fromXML.reports.first?.summary)
        #expect(xmlSummary.rows == rows.count)
        #expect(xmlSummary.counts == csvSummary.counts)
        #expect(xmlSummary.reasons == csvSummary.reasons)
        #expect(xmlSummary.encoding == "utf-8")
    }
}
