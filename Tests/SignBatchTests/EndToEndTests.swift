import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built binary on real batches: outputs against golden files, and exit codes.
@Suite("End to end")
struct EndToEndTests {
    static let outputFiles = ["accepted.csv", "rejected.csv", "needs-documents.csv", "summary.json"]

    @Test("the sample batch matches its golden outputs")
    func sampleGolden() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        let result = try CommandRunner.run(["run", "Input/sample.csv", "--output", "Output"], in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        // stderr is a file here, not a terminal: one report line per batch, no progress line.
        #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"))
        #expect(result.stderr.hasPrefix("Input/sample.csv: 33 rows"))
        try GoldenFiles.compare(dir.path("Output/sample"), with: "sample", files: Self.outputFiles)
    }

    @Test("the sample XML batch matches its golden outputs, in XML")
    func partnerExportGolden() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        let result = try CommandRunner.run(["run", "Input/partner-export.xml", "--output", "Output"], in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        try GoldenFiles.compare(dir.path("Output/partner-export"), with: "partner-export",
                                files: ["accepted.xml", "rejected.xml", "needs-documents.xml", "summary.json"])
    }

    @Test("make run's invocation processes every sample batch and shows all three outcomes")
    func sampleDirectory() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        let result = try CommandRunner.run(["run", "Input", "--output", "Output"], in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        for file in Self.outputFiles { #expect(dir.exists("Output/sample/\(file)")) }
        for file in ["accepted.xml", "rejected.xml", "needs-documents.xml", "summary.json"] {
            #expect(dir.exists("Output/partner-export/\(file)"))
        }
        for file in ["accepted.csv", "rejected.csv", "needs-documents.csv"] {
            #expect(Fixtures.csvRows(try dir.read("Output/sample/\(file)")).count > 1, "\(file) has no rows")
        }
        #expect(dir.exists("Output/ledger.sqlite"))
    }

    @Test("the default input directory is Input/ and the default output Output/")
    func defaults() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        let result = try CommandRunner.run(["run", "--quiet"], in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(dir.exists("Output/sample/summary.json"))
    }

    @Test("every row lands in exactly one output, in input order")
    func rowsAccountedFor() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        try CommandRunner.run(["run", "Input/sample.csv", "--quiet"], in: dir.url)
        var lines: [Int] = []
        for file in ["accepted.csv", "rejected.csv", "needs-documents.csv"] {
            let records = Fixtures.records(try dir.read("Output/sample/\(file)"))
            let fileLines = records.compactMap { Int($0["line"] ?? "") }
            #expect(fileLines == fileLines.sorted(), "\(file) is out of input order")
            lines += fileLines
        }
        let inputRows = Fixtures.csvRows(try dir.read("Input/sample.csv")).count - 1
        #expect(lines.sorted() == Array(2...(inputRows + 1)))
        let summary = try JSONSummary(dir.path("Output/sample/summary.json"))
        #expect(summary.int("rows") == inputRows)
        #expect(summary.int("accepted") + summary.int("rejected") + summary.int("needs_documents") == inputRows)
    }

    @Test("output cells that a spreadsheet would run as formulas are defused")
    func formulaInjection() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        try dir.write("b.csv", """
            ref,account_id,sign_name,sign_type,document_type,document_file,note
            "=HYPERLINK(""x"")",acct1,腾讯云,company,1,proof.png,+SUM(A1)
            @cmd,acct1,!bad,company,1,proof.png,-1
            """)
        let result = try CommandRunner.run(["run", "b.csv", "--quiet"], in: dir.url)
        #expect(result.status == 0)
        let accepted = try dir.read("Output/b/accepted.csv")
        #expect(accepted.contains("\"'=HYPERLINK(\"\"x\"\")\""))
        #expect(accepted.contains(",'+SUM(A1)"))
        let rejected = try dir.read("Output/b/rejected.csv")
        #expect(rejected.contains("\n3,'@cmd,"))
        #expect(rejected.hasSuffix(",'-1\n"))
    }

    @Test("--format jsonl writes one JSON object per row")
    func jsonlFormat() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        try dir.write("b.csv", Fixtures.header + ",extra\n" + Fixtures.companyRow("r1", account: "a1", name: "腾讯云") + ",x\n"
                      + Fixtures.companyRow("r2", account: "a1", name: "测试") + ",y\n")
        let result = try CommandRunner.run(["run", "b.csv", "--format", "jsonl", "--quiet"], in: dir.url)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "--quiet prints only failures")
        // Without --quiet the unknown column is warned about on stderr, once.
        let loud = try CommandRunner.run(["run", "b.csv", "--reprocess", "--format", "jsonl"], in: dir.url)
        #expect(loud.stderr.components(separatedBy: "UNKNOWN_COLUMN").count - 1 == 1, "\(loud.stderr)")
        #expect(try JSONSummary(dir.path("Output/b/summary.json")).object["warnings"].map { "\($0)" }?
            .contains("UNKNOWN_COLUMN") == true)
        let accepted = try dir.read("Output/b/accepted.jsonl").split(separator: "\n")
        #expect(accepted.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(accepted[0].utf8)) as? [String: Any])
        #expect(object["line"] as? Int == 2)
        #expect(object["sign_type_code"] as? Int == 0)
        #expect(object["sign_name"] as? String == "腾讯云")
        #expect((object["extra"] as? [String: String])?["extra"] == "x")
        let rejected = try dir.read("Output/b/rejected.jsonl")
        #expect(rejected.contains("\"reasons\":\"SIGN_NEUTRAL\""))
        #expect(try dir.read("Output/b/needs-documents.jsonl").isEmpty)
    }

    @Test("--json prints the run's summaries on stdout")
    func jsonSummary() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        let result = try CommandRunner.run(["run", "Input/sample.csv", "--json"], in: dir.url)
        #expect(result.status == 0)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        #expect(array[0]["status"] as? String == "processed")
        #expect(array[0]["batch"] as? String == "sample.csv")
    }

    // MARK: - Exit codes

    @Test("64: a bad flag, a bad rules file, colliding batch names", arguments: [
        ["run", "--no-such-flag"],
        ["run", "--format", "pdf"],
        ["run", "--quota", "-1"],
        ["run", "--delimiter", "x"],
        ["run", "--rules", "bad-rules.json"],
        ["run", "x/a.csv", "y/a.csv"],
        ["run", "x/a.csv", "x/a.xml"],
    ])
    func usageErrors(arguments: [String]) throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        try dir.write("bad-rules.json", #"{"version": 1, "quota": "many"}"#)
        try dir.write("x/a.csv", Fixtures.header + "\n")
        try dir.write("y/a.csv", Fixtures.header + "\n")
        try dir.write("x/a.xml", "<applications/>\n")
        let result = try CommandRunner.run(arguments, in: dir.url)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(!dir.exists("Output/sample"), "nothing may be processed on a usage error")
        if arguments.contains("y/a.csv") {
            #expect(result.stderr.contains("x/a.csv") && result.stderr.contains("y/a.csv"))
        }
    }

    @Test("a bad rules file names the offending key")
    func badRulesKey() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        var rules = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Fixtures.packageRoot.appendingPathComponent("Sources/SignBatch/Resources/default-rules.json"))) as! [String: Any]
        var signName = rules["sign_name"] as! [String: Any]
        var mainland = signName["mainland"] as! [String: Any]
        mainland["max_length"] = 1
        signName["mainland"] = mainland
        rules["sign_name"] = signName
        try dir.write("rules.json", try JSONSerialization.data(withJSONObject: rules))
        let result = try CommandRunner.run(["run", "--rules", "rules.json"], in: dir.url)
        #expect(result.status == 64)
        #expect(result.stderr.contains("sign_name.mainland.max_length"))
    }

    @Test("65: an unreadable batch fails alone; the others are processed")
    func malformedBatch() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        try dir.write("in/a-good.csv", Fixtures.header + "\n" + Fixtures.companyRow("r1", account: "a1", name: "腾讯云") + "\n")
        try dir.write("in/b-bad.csv", Fixtures.header + "\n" + Fixtures.companyRow("r1", account: "a1", name: "微信") + "\n"
                      + "r2,a1,enterprise,\"unterminated,company\n" + Fixtures.companyRow("r3", account: "a1", name: "QQ") + "\n")
        try dir.write("in/c-noheader.csv", "ref,sign_name\nr1,腾讯云\n")
        try dir.write("in/d-good.csv", Fixtures.header + "\n" + Fixtures.companyRow("r1", account: "a1", name: "腾讯视频") + "\n")
        // Previous outputs of the bad batch must survive its failure.
        try dir.write("Output/b-bad/accepted.csv", "previous\n")
        let result = try CommandRunner.run(["run", "in"], in: dir.url)
        #expect(result.status == 65, "\(result.stderr)")
        #expect(try dir.read("Output/b-bad/accepted.csv") == "previous\n")
        #expect(!dir.exists("Output/b-bad/rejected.csv"))
        let bad = try JSONSummary(dir.path("Output/b-bad/summary.json"))
        #expect(bad.string("status") == "failed")
        let errors = try #require(bad.object["errors"] as? [[String: Any]])
        #expect(errors.first?["line"] as? Int == 3, "the unterminated quote opens on line 3")
        let noHeader = try JSONSummary(dir.path("Output/c-noheader/summary.json"))
        #expect(noHeader.string("status") == "failed")
        #expect((noHeader.object["errors"] as? [[String: Any]])?.first?["message"] as? String ?? "" != "")
        for good in ["a-good", "d-good"] {
            #expect(try JSONSummary(dir.path("Output/\(good)/summary.json")).int("accepted") == 1)
        }
        // The failed batch claimed nothing: its signature is still free.
        try dir.write("in2/proof.png", Fixtures.png)
        try dir.write("in2/e.csv", Fixtures.header + "\n" + Fixtures.companyRow("r1", account: "a1", name: "微信") + "\n")
        #expect(try CommandRunner.run(["run", "in2", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/e/summary.json")).int("accepted") == 1)
    }

    @Test("66: a named path that does not exist, or no batch at all", arguments: [
        ["run", "missing.csv"],
        ["run", "empty-dir"],
        ["run", "Input/sample.csv", "missing-dir"],
    ])
    func noInput(arguments: [String]) throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        try FileManager.default.createDirectory(at: dir.path("empty-dir"), withIntermediateDirectories: true)
        try dir.write("empty-dir/.hidden.csv", Fixtures.header + "\n")
        try dir.write("empty-dir/notes.txt", "x")
        let result = try CommandRunner.run(arguments, in: dir.url)
        #expect(result.status == 66, "\(arguments): \(result.stderr)")
        #expect(!dir.exists("Output/sample"))
    }

    @Test("73: an output that cannot be created")
    func cannotCreateOutput() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        try dir.write("Output/sample", "a file where the batch's directory should be")
        let result = try CommandRunner.run(["run", "Input/sample.csv", "--quiet"], in: dir.url)
        #expect(result.status == 73, "\(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test("batches run in the order named, directories expanded in byte order")
    func batchOrder() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        let row = Fixtures.companyRow("r1", account: "a1", name: "腾讯云")
        for name in ["B.csv", "a.csv", "c.csv"] { try dir.write("in/\(name)", Fixtures.header + "\n" + row + "\n") }
        try dir.write("in/.skip.csv", Fixtures.header + "\n" + row + "\n")
        let result = try CommandRunner.run(["run", "in", "--json"], in: dir.url)
        #expect(result.status == 0)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["batch"] as? String } == ["B.csv", "a.csv", "c.csv"])
        // Identical bytes: the later two are skipped as already processed.
        #expect(array.map { $0["status"] as? String } == ["processed", "skipped", "skipped"])
    }

    @Test("--documents: certificate paths are relative to that directory and must stay inside it")
    func documentsDirectory() throws {
        let dir = try Fixtures.Directory()
        try dir.write("certs/proof.png", Fixtures.png)
        try dir.write("outside.png", Fixtures.png)
        try dir.write("in/b.csv", Fixtures.header + "\n"
                      + Fixtures.companyRow("r1", account: "a1", name: "腾讯云") + "\n"
                      + "r2,a1,enterprise,微信,company,0,self,business_license,../outside.png,,,,,,\n")
        let result = try CommandRunner.run(["run", "in/b.csv", "--documents", "certs", "--quiet"], in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Fixtures.records(try dir.read("Output/b/accepted.csv")).map { $0["ref"] } == ["r1"])
        #expect(Fixtures.records(try dir.read("Output/b/rejected.csv")).map { $0["reasons"] } == ["DOCUMENT_PATH_INVALID"])
        // Without --documents the same path is looked for beside the batch.
        let plain = try CommandRunner.run(["run", "in/b.csv", "--output", "Plain", "--ledger", "plain.sqlite", "--quiet"],
                                          in: dir.url)
        #expect(plain.status == 0)
        #expect(Fixtures.records(try dir.read("Plain/b/needs-documents.csv")).map { $0["reasons"] } == ["PROOF_NOT_FOUND"])
    }

    @Test("--delimiter overrides the sniffed delimiter; --format csv writes CSV for an XML batch")
    func delimiterAndFormat() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        // The header holds more commas than semicolons; only --delimiter gets it right.
        try dir.write("b.csv", "account_id;sign_name;sign_type;document_type;document_file;a,b,c,d,e,f,g\n"
                      + "a1;腾讯云;company;1;proof.png;x,y,z\n")
        let sniffed = try CommandRunner.run(["run", "b.csv", "--quiet"], in: dir.url)
        #expect(sniffed.status == 65)
        let told = try CommandRunner.run(["run", "b.csv", "--delimiter", ";", "--quiet"], in: dir.url)
        #expect(told.status == 0, "\(told.stderr)")
        #expect(Fixtures.records(try dir.read("Output/b/accepted.csv")).first?["a,b,c,d,e,f,g"] == "x,y,z")

        try dir.write("c.xml", """
            <applications><application><account_id>a2</account_id><sign_name>微信</sign_name>\
            <sign_type>company</sign_type><document_type>1</document_type><document_file>proof.png</document_file>\
            </application></applications>
            """)
        let xml = try CommandRunner.run(["run", "c.xml", "--format", "csv", "--quiet"], in: dir.url)
        #expect(xml.status == 0, "\(xml.stderr)")
        #expect(Fixtures.records(try dir.read("Output/c/accepted.csv")).first?["sign_name"] == "微信")
        #expect(!dir.exists("Output/c/accepted.xml"))
    }

    @Test("reasons and rules print their catalogues")
    func catalogues() throws {
        let dir = try Fixtures.Directory()
        let reasons = try CommandRunner.run(["reasons"], in: dir.url)
        #expect(reasons.status == 0)
        for code in ["ROW_MALFORMED", "QUOTA_EXCEEDED", "COMMISSION_TOO_LARGE", "UNKNOWN_COLUMN"] {
            #expect(reasons.stdout.contains(code))
        }
        let rules = try CommandRunner.run(["rules", "--quota", "7"], in: dir.url)
        #expect(rules.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(rules.stdout.utf8)) as? [String: Any])
        #expect(object["quota"] as? Int == 7)
        #expect((object["neutral_words"] as? [String])?.contains("验证码") == true)
    }
}

/// A parsed summary.json.
struct JSONSummary {
    let object: [String: Any]
    init(_ url: URL) throws {
        object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }
    func int(_ key: String) -> Int { object[key] as? Int ?? -1 }
    func string(_ key: String) -> String? { object[key] as? String }
    func reasons() -> [String: Int] { object["reasons"] as? [String: Int] ?? [:] }
    func usage(_ account: String) -> (used: Int, quota: Int)? {
        guard let accounts = object["accounts"] as? [String: [String: Int]], let entry = accounts[account] else { return nil }
        return (entry["used"] ?? -1, entry["quota"] ?? -1)
    }
}

/// Golden-file comparison; `SIGNBATCH_UPDATE_GOLDEN=1` rewrites them from the actual output.
enum GoldenFiles {
    static func compare(_ actualDirectory: URL, with name: String, files: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expectedDirectory = Fixtures.golden.appendingPathComponent(name)
        let update = ProcessInfo.processInfo.environment["SIGNBATCH_UPDATE_GOLDEN"] == "1"
        for file in files {
            let actual = try Data(contentsOf: actualDirectory.appendingPathComponent(file))
            let expectedURL = expectedDirectory.appendingPathComponent(file)
            if update {
                try FileManager.default.createDirectory(at: expectedDirectory, withIntermediateDirectories: true)
                try actual.write(to: expectedURL)
                continue
            }
            let expected = try Data(contentsOf: expectedURL)
            #expect(actual == expected, "\(name)/\(file) differs from its golden file", sourceLocation: sourceLocation)
        }
    }
}
