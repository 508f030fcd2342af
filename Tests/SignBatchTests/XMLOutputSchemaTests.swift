import CLibXML2
import Foundation
import Testing
@testable import SignBatch

/// The XML outputs are checked against the shipped `signbatch-output.xsd` through libxml2.
struct XMLOutputSchemaTests {
    typealias Support = XMLTestSupport

    private static func validateOutput(_ path: String) throws -> [String] {
        let data = try #require(FileManager.default.contents(atPath: path))
        let document = try LibXMLDocument.parse(Array(data), name: path)
        let validator = try LibXMLSchemaValidator(LibXMLSchema.output())
        return validator.validate(document: document.pointer).map { "line \($0.line): \($0.message)" }
    }

    private static func validateOutput(text: String) throws -> [String] {
        let document = try LibXMLDocument.parse(Array(text.utf8), name: "inline.xml")
        let validator = try LibXMLSchemaValidator(LibXMLSchema.output())
        return validator.validate(document: document.pointer).map(\.message)
    }

    /// The root's outcome and, per `<application>`, its children's names and `extra` names.
    private static func shape(of path: String) throws -> (outcome: String, rows: [[String]]) {
        let data = try #require(FileManager.default.contents(atPath: path))
        let document = try LibXMLDocument.parse(Array(data), name: path)
        let root = try #require(xmlDocGetRootElement(document.pointer))
        let outcome = LibXML.attribute(root, "outcome") ?? ""
        var rows: [[String]] = []
        var row = root.pointee.children
        while let application = row {
            row = application.pointee.next
            guard application.pointee.type == XML_ELEMENT_NODE else { continue }
            var names: [String] = []
            var child = application.pointee.children
            while let element = child {
                child = element.pointee.next
                guard element.pointee.type == XML_ELEMENT_NODE else { continue }
                var name = String(cString: element.pointee.name)
                if let extra = LibXML.attribute(element, "name") { name += "=" + extra }
                names.append(name)
            }
            rows.append(names)
        }
        return (outcome, rows)
    }

    /// A batch with rows for all three outcomes; CSV input carries two unknown columns, one
    /// whose name holds a tab and a line break.
    private static func writeBatch(_ format: BatchSource.Format, in scratch: XMLScratch) throws -> String {
        try scratch.writePNG("documents/proof.png")
        let accepted: [(String, String)] = [("ref", "A&1"), ("account_id", "acct-1"), ("sign_name", "【腾讯云】"),
            ("sign_type", "company"), ("document_type", "1"), ("document_file", "documents/proof.png"),
            ("organization_name", "腾讯 <Cloud> & \"Co\"\r\nLtd")]
        let rejected: [(String, String)] = [("ref", "R-1"), ("account_id", "acct-1"), ("sign_name", "验证码"),
            ("sign_type", "nonsense"), ("document_type", "1"), ("document_file", "/etc/passwd")]
        let needsDocuments: [(String, String)] = [("ref", "N-1"), ("account_id", "acct-1"), ("sign_name", "微信支付"),
            ("sign_type", "trademark"), ("sign_purpose", "others"), ("document_type", "7")]
        let rows = [accepted, rejected, needsDocuments]
        switch format {
        case .csv:
            let columns = Field.allCases.map(\.name) + ["note\tto\nself", "批次"]
            var text = columns.map(Self.csvCell).joined(separator: ",") + "\n"
            for (index, row) in rows.enumerated() {
                let values = Dictionary(uniqueKeysWithValues: row)
                let cells = Field.allCases.map { values[$0.name] ?? "" } + ["=cmd|' /C calc'!A0", "第\(index + 1)行"]
                text += cells.map(Self.csvCell).joined(separator: ",") + "\n"
            }
            return try scratch.write("batch.csv", text)
        case .xml:
            var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<applications>\n"
            for row in rows {
                text += "  <application>" + row.map { name, value in
                    var escaped: [UInt8] = []
                    XMLRow.appendEscaped(value, to: &escaped)
                    return "<\(name)>\(String(decoding: escaped, as: UTF8.self))</\(name)>"
                }.joined() + "</application>\n"
            }
            return try scratch.write("batch.xml", text + "</applications>\n")
        }
    }

    private static func csvCell(_ value: String) -> String {
        value.contains(where: { ",\"\n\r\t".contains($0) })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    @Test(arguments: [BatchSource.Format.csv, .xml])
    func outputsOfAllThreeOutcomesMatchTheOutputSchema(_ input: BatchSource.Format) throws {
        let scratch = try XMLScratch()
        let batch = try Self.writeBatch(input, in: scratch)
        let output = scratch.path + "/out"
        let run = try Support.run([batch], output: output, format: .xml)
        #expect(run.reports.first?.failure == nil)
        #expect(run.reports.first?.summary.rows == 3)
        let extras = input == .csv ? ["extra=note\tto\nself", "extra=批次"] : []
        for outcome in Outcome.allCases {
            let path = "\(output)/batch/\(outcome.fileStem).xml"
            #expect(try Self.validateOutput(path) == [], "\(outcome.fileStem).xml")
            let shape = try Self.shape(of: path)
            #expect(shape.outcome == outcome.rawValue)
            let table = OutputTable(outcome: outcome, extraColumns: [])
            #expect(shape.rows == [table.columns + extras], "\(outcome.fileStem).xml")
        }
    }

    @Test func emptyOutputsMatchTheOutputSchema() throws {
        let scratch = try XMLScratch()
        let batch = try scratch.write("none.xml", "<applications/>")
        let output = scratch.path + "/out"
        _ = try Support.run([batch], output: output)
        for outcome in Outcome.allCases {
            let path = "\(output)/none/\(outcome.fileStem).xml"
            #expect(try Self.validateOutput(path) == [])
            let shape = try Self.shape(of: path)
            #expect(shape.outcome == outcome.rawValue)
            #expect(shape.rows.isEmpty)
        }
    }

    @Test func textAndColumnNamesSurviveTheRoundTrip() throws {
        let scratch = try XMLScratch()
        let batch = try Self.writeBatch(.csv, in: scratch)
        let output = scratch.path + "/out"
        _ = try Support.run([batch], output: output, format: .xml)
        let data = try #require(FileManager.default.contents(atPath: "\(output)/batch/accepted.xml"))
        let document = try LibXMLDocument.parse(Array(data), name: "accepted.xml")
        let root = try #require(xmlDocGetRootElement(document.pointer))
        var texts: [String: String] = [:]
        var child = root.pointee.children
        while let node = child {
            child = node.pointee.next
            guard node.pointee.type == XML_ELEMENT_NODE else { continue }
            var field = node.pointee.children
            while let element = field {
                field = element.pointee.next
                guard element.pointee.type == XML_ELEMENT_NODE else { continue }
                let name = LibXML.attribute(element, "name") ?? String(cString: element.pointee.name)
                texts[name] = LibXML.text(from: element.pointee.children)
            }
        }
        #expect(texts["ref"] == "A&1")
        #expect(texts["sign_name"] == "腾讯云")
        #expect(texts["organization_name"] == "腾讯 <Cloud> & \"Co\"\r\nLtd")
        // XML carries text as it is: no formula-injection quote.
        #expect(texts["note\tto\nself"] == "=cmd|' /C calc'!A0")
        #expect(texts["批次"] == "第1行")
    }

    @Test(arguments: [
        ("no outcome", "<applications/>"),
        ("unknown outcome", "<applications outcome=\"maybe\"/>"),
        ("accepted row without its codes",
         "<applications outcome=\"accepted\"><application><line>2</line><ref/><account_id>a</account_id><account_type>enterprise</account_type><sign_name>腾讯云</sign_name><sign_type>company</sign_type><international>0</international><sign_purpose>self</sign_purpose><document_type>three_in_one</document_type><document_file/><commission_file/><remark/><product_released>yes</product_released><organization_name/><credit_code/><icp_number/><warnings/></application></applications>"),
        ("rejected row without reasons",
         "<applications outcome=\"rejected\"><application><line>2</line><ref/><reasons></reasons><messages/><account_id/><account_type/><sign_name/><sign_type/><international/><sign_purpose/><document_type/><document_file/><commission_file/><remark/><product_released/><organization_name/><credit_code/><icp_number/><warnings/></application></applications>"),
        ("line zero",
         "<applications outcome=\"rejected\"><application><line>0</line><ref/><reasons>SIGN_NEUTRAL</reasons><messages/><account_id/><account_type/><sign_name/><sign_type/><international/><sign_purpose/><document_type/><document_file/><commission_file/><remark/><product_released/><organization_name/><credit_code/><icp_number/><warnings/></application></applications>"),
        ("extra without a name",
         "<applications outcome=\"rejected\"><application><line>2</line><ref/><reasons>SIGN_NEUTRAL</reasons><messages/><account_id/><account_type/><sign_name/><sign_type/><international/><sign_purpose/><document_type/><document_file/><commission_file/><remark/><product_released/><organization_name/><credit_code/><icp_number/><warnings/><extra>x</extra></application></applications>"),
        ("columns out of order",
         "<applications outcome=\"rejected\"><application><ref/><line>2</line><reasons>SIGN_NEUTRAL</reasons><messages/><account_id/><account_type/><sign_name/><sign_type/><international/><sign_purpose/><document_type/><document_file/><commission_file/><remark/><product_released/><organization_name/><credit_code/><icp_number/><warnings/></application></applications>"),
    ])
    func theOutputSchemaRejectsWhatSignbatchNeverWrites(_ name: String, _ text: String) throws {
        #expect(try !Self.validateOutput(text: text).isEmpty, "\(name)")
    }

    @Test func theOutputSchemaAcceptsBothRowLayouts() throws {
        let accepted = "<applications outcome=\"accepted\"><application><line>2</line><ref/><account_id>a</account_id><account_type>individual</account_type><sign_name>腾讯云</sign_name><sign_type>app</sign_type><sign_type_code>1</sign_type_code><international>1</international><sign_purpose>others</sign_purpose><document_type>app_admin_screenshot</document_type><document_type_code>4</document_type_code><document_file/><commission_file/><remark/><product_released>no</product_released><organization_name/><credit_code/><icp_number/><warnings>SIGN_NORMALIZED;SIGN_ORG_MISMATCH</warnings><extra name=\"x\"/></application></applications>"
        let rejected = "<applications outcome=\"needs_documents\"><application><line>7</line><ref>r</ref><reasons>PROOF_MISSING</reasons><messages>m</messages><account_id/><account_type/><sign_name/><sign_type/><international/><sign_purpose/><document_type/><document_file/><commission_file/><remark/><product_released/><organization_name/><credit_code/><icp_number/><warnings/></application></applications>"
        #expect(try Self.validateOutput(text: accepted) == [])
        #expect(try Self.validateOutput(text: rejected) == [])
    }

    @Test func theSampleBatchMatchesTheInputSchema() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Input/partner-export.xml").path
        let data = try #require(FileManager.default.contents(atPath: path))
        let document = try LibXMLDocument.parse(Array(data), name: path)
        let validator = try LibXMLSchemaValidator(LibXMLSchema.batch())
        #expect(validator.validate(document: document.pointer).map(\.message) == [])
    }
}
