import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Input from outside the team may be malicious: every case ends with a clear result, and
/// the rows read always equal accepted + rejected + needs-documents.
@Suite("Hostile input")
struct HostileInputTests {
    static let header = "ref,account_id,sign_name,sign_type,document_type,document_file"

    /// Runs one batch and checks that every row is accounted for.
    @discardableResult
    static func run(_ dir: Fixtures.Directory, _ name: String = "batch.csv", expectRows: Int? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONSummary {
        let result = try CommandRunner.run(["run", name, "--quiet"], in: dir.url)
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        let stem = String(name.split(separator: ".").first!)
        let summary = try JSONSummary(dir.path("Output/\(stem)/summary.json"))
        var written = 0
        for file in ["accepted.csv", "rejected.csv", "needs-documents.csv"] {
            written += Fixtures.csvRows(try dir.read("Output/\(stem)/\(file)")).count - 1
        }
        #expect(summary.int("rows") == written, sourceLocation: sourceLocation)
        #expect(summary.int("accepted") + summary.int("rejected") + summary.int("needs_documents") == summary.int("rows"),
                sourceLocation: sourceLocation)
        if let expectRows { #expect(summary.int("rows") == expectRows, sourceLocation: sourceLocation) }
        return summary
    }

    @Test("NUL and other control bytes reject their row")
    func controlBytes() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        try dir.write("batch.csv", Self.header + "\nr1,acct1,腾讯\u{0}云,company,1,proof.png\nr2,acct1,微信\u{1B}[31m,company,1,proof.png\nr3,acct1,QQ音乐,company,1,proof.png\n")
        let summary = try Self.run(dir, expectRows: 3)
        #expect(summary.int("accepted") == 1)
        let rejected = try dir.read("Output/batch/rejected.csv")
        #expect(rejected.contains("U+0000"))
        #expect(rejected.contains("U+001B"))
    }

    @Test("a 10 MB field is cut off and rejects its row; the rest of the batch goes on")
    func hugeField() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        let huge = String(repeating: "腾", count: 3_500_000)
        try dir.write("batch.csv", Self.header + "\nr1,acct1,\(huge),company,1,proof.png\nr2,acct1,腾讯云,company,1,proof.png\n")
        let summary = try Self.run(dir, expectRows: 2)
        #expect(summary.int("accepted") == 1)
        let rejected = try dir.read("Output/batch/rejected.csv")
        #expect(rejected.contains("ROW_MALFORMED"))
        #expect(rejected.utf8.count < 200_000, "the rejected output must not carry the whole field")
    }

    @Test("a row of a million columns is rejected quickly")
    func millionColumns() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        let wide = "r1,acct1,腾讯云,company,1,proof.png" + String(repeating: ",x", count: 1_000_000)
        try dir.write("batch.csv", Self.header + "\n" + wide + "\nr2,acct1,微信,company,1,proof.png\n")
        let summary = try Self.run(dir, expectRows: 2)
        #expect(summary.reasons()["ROW_MALFORMED"] == 1)
        #expect(summary.int("accepted") == 1)
    }

    @Test("a million-column header is refused with a clear error")
    func millionColumnHeader() throws {
        let dir = try Fixtures.Directory()
        try dir.write("batch.csv", Self.header + String(repeating: ",c", count: 1_000_000) + "\n")
        let result = try CommandRunner.run(["run", "batch.csv", "--quiet"], in: dir.url)
        #expect(result.status == 65)
        #expect(result.stderr.contains("batch.csv"))
    }

    @Test("lone CR line endings are line breaks")
    func loneCR() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        try dir.write("batch.csv", Self.header + "\rr1,acct1,腾讯云,company,1,proof.png\r\rr2,acct1,测试,company,1,proof.png\r")
        try Self.run(dir, expectRows: 2)
        let rejected = Fixtures.records(try dir.read("Output/batch/rejected.csv"))
        #expect(rejected.first?["line"] == "4")
    }

    @Test("invalid UTF-8 in the header fails the batch with its line")
    func invalidHeader() throws {
        let dir = try Fixtures.Directory()
        var bytes = Array("ref,account_id,sign_name,sign_type,document_type,\u{00E9}x\n".utf8)
        bytes[bytes.count - 4] = 0xC3
        bytes[bytes.count - 3] = 0x28
        bytes += Array("r1,a,b,company,1,x\n".utf8)
        try dir.write("batch.csv", Data(bytes))
        let result = try CommandRunner.run(["run", "batch.csv", "--encoding", "utf-8"], in: dir.url)
        #expect(result.status == 65)
        #expect(result.stderr.contains("header"))
        let summary = try JSONSummary(dir.path("Output/batch/summary.json"))
        #expect((summary.object["errors"] as? [[String: Any]])?.first?["line"] as? Int == 1)
    }

    @Test("path traversal and symlink escapes are refused and never read", arguments: [
        "/etc/passwd", "../outside.png", "docs/../../outside.png", "docs/link-out.png", "docs/dir-link/outside.png",
    ])
    func pathEscapes(path: String) throws {
        let dir = try Fixtures.Directory()
        try dir.write("outside.png", Fixtures.png)
        try dir.write("batch/docs/inside.png", Fixtures.png)
        try FileManager.default.createSymbolicLink(atPath: dir.path("batch/docs/link-out.png").path,
                                                   withDestinationPath: dir.path("outside.png").path)
        try FileManager.default.createSymbolicLink(atPath: dir.path("batch/docs/dir-link").path,
                                                   withDestinationPath: dir.url.path)
        try dir.write("batch/b.csv", Self.header + "\nr1,acct1,腾讯云,company,1,\(path)\nr2,acct1,微信,company,1,docs/sub/../inside.png\n")
        let result = try CommandRunner.run(["run", "batch/b.csv", "--quiet"], in: dir.url)
        #expect(result.status == 0)
        let rejected = Fixtures.records(try dir.read("Output/b/rejected.csv"))
        #expect(rejected.map { $0["reasons"] } == ["DOCUMENT_PATH_INVALID"], "\(path)")
        // A `..` that ends up inside is fine (docs/sub does not even exist).
        let needs = Fixtures.records(try dir.read("Output/b/needs-documents.csv"))
        let accepted = Fixtures.records(try dir.read("Output/b/accepted.csv"))
        #expect(accepted.count + needs.count == 1)
    }

    @Test("a batch of only a header, and an empty file")
    func emptyBatches() throws {
        let dir = try Fixtures.Directory()
        try dir.write("batch.csv", Self.header + "\n")
        try Self.run(dir, expectRows: 0)
        for file in ["accepted.csv", "rejected.csv", "needs-documents.csv"] {
            #expect(Fixtures.csvRows(try dir.read("Output/batch/\(file)")).count == 1, "header only")
        }
        try dir.write("empty.csv", "")
        let result = try CommandRunner.run(["run", "empty.csv", "--quiet"], in: dir.url)
        #expect(result.status == 65)
    }

    @Test("a half-written last line is a ragged row, not a lost one")
    func truncatedLastLine() throws {
        let dir = try Fixtures.Directory()
        try dir.write("proof.png", Fixtures.png)
        try dir.write("batch.csv", Self.header + "\nr1,acct1,腾讯云,company,1,proof.png\nr2,acct1,微")
        let summary = try Self.run(dir, expectRows: 2)
        #expect(summary.reasons()["ROW_MALFORMED"] == 1)
    }

    @Test("the fuzzers' regression inputs run clean")
    func fuzzRegressions() throws {
        let root = Fixtures.packageRoot.appendingPathComponent("Tests/SignBatchTests/Fuzz")
        for kind in ["Regressions", "Corpus"] {
            for target in ["csv", "xml", "normalizer"] {
                let directory = root.appendingPathComponent("\(kind)/\(target)")
                let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
                for file in files.sorted() where !file.hasPrefix(".") {
                    let fuzzer = CommandRunner.binary.deletingLastPathComponent().appendingPathComponent("signbatch-fuzz")
                    let process = Process()
                    process.executableURL = fuzzer
                    process.arguments = [target, directory.appendingPathComponent(file).path]
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    process.waitUntilExit()
                    #expect(process.terminationStatus == 0, "\(kind)/\(target)/\(file)")
                }
            }
        }
    }
}
