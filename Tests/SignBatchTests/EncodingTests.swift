import Foundation
import Testing

/// SPEC §2 encodings: the same batch written as Excel and WPS write it on Chinese Windows
/// gives identical outcomes, and the summary says which encoding was read.
@Suite("Encodings")
struct EncodingTests {
    static let batch = """
        ref,account_id,sign_name,sign_type,document_type,document_file,remark,organization_name
        e1,acct1,【腾讯云】,公司,营业执照,proof.png,,深圳市腾讯计算机系统有限公司
        e2,acct1,微信支付,企业,三证合一,proof.png,,
        e3,acct1,验证码通知,company,1,proof.png,,
        e4,acct1,ＱＱ音乐,应用,1,proof.png,https://apps.example.com/qq,
        e5,acct1,腾讯文档,网站,1,,docs.qq.com,
        e6,acct1,"逗号,名字",company,1,proof.png,,
        """

    static func encode(_ text: String, as encoding: String) -> Data {
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        switch encoding {
        case "utf-8": return Data(crlf.utf8)
        case "utf-8-bom": return Data([0xEF, 0xBB, 0xBF] + Array(crlf.utf8))
        case "utf-16le-tab":
            let tabbed = crlf.replacingOccurrences(of: ",", with: "\t").replacingOccurrences(of: "\"逗号\t名字\"", with: "\"逗号,名字\"")
            return Data([0xFF, 0xFE]) + tabbed.data(using: .utf16LittleEndian)!
        case "utf-16be": return Data([0xFE, 0xFF]) + crlf.data(using: .utf16BigEndian)!
        default: return GB18030.encode(crlf)
        }
    }

    @Test("every encoding gives the outputs of the UTF-8 batch", arguments: [
        ("utf-8-bom", [String](), "utf-8"),
        ("utf-16le-tab", [], "utf-16le"),
        ("utf-16be", [], "utf-16be"),
        ("gb18030", [], "gb18030"),
        ("gb18030", ["--encoding", "gbk"], "gb18030"),
    ])
    func sameOutcomes(encoding: String, options: [String], reported: String) throws {
        let dir = try Fixtures.Directory()
        try dir.write("ref/proof.png", Fixtures.png)
        try dir.write("ref/batch.csv", Self.encode(Self.batch, as: "utf-8"))
        try dir.write("enc/proof.png", Fixtures.png)
        try dir.write("enc/batch.csv", Self.encode(Self.batch, as: encoding))
        #expect(try CommandRunner.run(["run", "ref", "--output", "OutRef", "--ledger", "ref.sqlite", "--quiet"], in: dir.url).status == 0)
        let result = try CommandRunner.run(["run", "enc", "--output", "OutEnc", "--ledger", "enc.sqlite"] + options, in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["accepted.csv", "rejected.csv", "needs-documents.csv"] {
            #expect(try dir.read("OutEnc/batch/\(file)") == dir.read("OutRef/batch/\(file)"), "\(encoding): \(file)")
        }
        let summary = try JSONSummary(dir.path("OutEnc/batch/summary.json"))
        #expect(summary.string("encoding") == reported)
        #expect(summary.int("accepted") == 3)
        if reported != "utf-8" { #expect(result.stderr.contains(reported)) }
    }

    @Test("invalid bytes reject only their row, with the byte offset, and never reach an accepted row")
    func invalidBytes() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        var bytes = Array((Self.batch + "\n").utf8)
        // Damage e2's name: a lone continuation byte inside 微信支付.
        let marker = Array("微信支付".utf8)
        let start = bytes.firstRange(of: marker)!.lowerBound
        bytes[start + 1] = 0xFF
        try dir.write("batch.csv", Data(bytes))
        let result = try CommandRunner.run(["run", "batch.csv", "--quiet"], in: dir.url)
        #expect(result.status == 0)
        let rejected = Fixtures.records(try dir.read("Output/batch/rejected.csv"))
        let damaged = try #require(rejected.first { $0["ref"] == "e2" })
        #expect(damaged["reasons"]?.hasPrefix("ROW_MALFORMED") == true)
        #expect(damaged["messages"]?.contains("byte offset \(start)") == true)
        let accepted = try dir.read("Output/batch/accepted.csv")
        #expect(!accepted.contains("\u{FFFD}"))
        #expect(try JSONSummary(dir.path("Output/batch/summary.json")).string("encoding") == "utf-8")
    }

    @Test("invalid bytes in a GB18030 batch reject only their row")
    func invalidGB18030() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        var bytes = [UInt8](Self.encode(Self.batch, as: "gb18030"))
        let marker = [UInt8](GB18030.encode("微信支付"))
        let start = bytes.firstRange(of: marker)!.lowerBound
        bytes[start] = 0xFF  // never a GB18030 lead byte
        try dir.write("batch.csv", Data(bytes))
        let result = try CommandRunner.run(["run", "batch.csv", "--quiet", "--encoding", "gb18030"], in: dir.url)
        #expect(result.status == 0)
        let rejected = Fixtures.records(try dir.read("Output/batch/rejected.csv"))
        #expect(rejected.first { $0["ref"] == "e2" }?["reasons"]?.hasPrefix("ROW_MALFORMED") == true)
        // e2 was one of the three accepted rows; the other two are unharmed.
        #expect(Fixtures.records(try dir.read("Output/batch/accepted.csv")).map { $0["ref"] } == ["e1", "e4"])
        #expect(!(try dir.read("Output/batch/accepted.csv")).contains("\u{FFFD}"))
    }

    @Test("a batch read as GB18030 has its rows checked even when its bytes are valid UTF-8")
    func validUTF8ReadAsGB18030() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        // As GB18030, 中 (E4 B8 AD) is one character and a lead byte, AD, that the comma
        // after it cannot complete.
        try dir.write("batch.csv", Data("""
            ref,account_id,sign_name,sign_type,document_type,document_file,remark,organization_name
            e1,acct1,AcmeCloud,company,1,proof.png,,
            e2,acct1,中,company,1,proof.png,,

            """.utf8))
        let result = try CommandRunner.run(["run", "batch.csv", "--quiet", "--encoding", "gb18030"], in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        let rejected = Fixtures.records(try dir.read("Output/batch/rejected.csv"))
        #expect(rejected.first { $0["ref"] == "e2" }?["reasons"]?.hasPrefix("ROW_MALFORMED") == true)
        #expect(rejected.first { $0["ref"] == "e1" }?["reasons"]?.contains("ROW_MALFORMED") != true)
        #expect(try JSONSummary(dir.path("Output/batch/summary.json")).string("encoding") == "gb18030")
    }
}

/// GB18030 bytes written by the tests themselves, through glibc's iconv (the library's
/// own converter is the thing under test, so it is not used here).
enum GB18030 {
    static func encode(_ text: String) -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", "GB18030"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try! process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try! input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
