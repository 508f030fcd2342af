import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §5 through the binary: quota and duplicates across runs, skip, reprocess, dry run,
/// the ledger commands, and the run lock.
@Suite("Ledger end to end")
struct LedgerEndToEndTests {
    static func batch(_ rows: [String]) -> String { ([Fixtures.header] + rows).joined(separator: "\n") + "\n" }

    static func newNames(_ count: Int, prefix: String = "新品牌") -> [String] {
        (0..<count).map { "\(prefix)\(Character(Unicode.Scalar(0x4E00 + 0x100 + $0)!))" }
    }

    @Test("198 imported + 5 new: 2 admitted, 3 QUOTA_EXCEEDED")
    func quotaAcrossImport() throws {
        let dir = try Fixtures.Directory()
        var existing = "account_id,sign_name,international\n"
        for index in 0..<198 { existing += "acct1,存量签名\(index),0\n" }
        try dir.write("existing.csv", existing)
        let imported = try CommandRunner.run(["ledger", "import", "existing.csv"], in: dir.url)
        #expect(imported.status == 0, "\(imported.stderr)")
        // A new ledger is made with 16 KiB pages (the big-endian page size at offset 16 of
        // the SQLite header).
        let header = [UInt8](try Data(contentsOf: dir.path("Output/ledger.sqlite")).prefix(18))
        #expect(header.count == 18 && Int(header[16]) << 8 | Int(header[17]) == 16_384)
        try dir.write("in/proof.png", Fixtures.png)
        let rows = Self.newNames(5).enumerated().map { Fixtures.companyRow("r\($0.offset)", account: "acct1", name: $0.element) }
        try dir.write("in/night1.csv", Self.batch(rows))
        #expect(try CommandRunner.run(["run", "in", "--quiet"], in: dir.url).status == 0)
        let summary = try JSONSummary(dir.path("Output/night1/summary.json"))
        #expect(summary.int("accepted") == 2)
        #expect(summary.int("rejected") == 3)
        #expect(summary.reasons()["QUOTA_EXCEEDED"] == 3)
        #expect(summary.usage("acct1")?.used == 200)
        #expect(summary.usage("acct1")?.quota == 200)
    }

    @Test("quota and duplicates carry across runs; forget frees quota")
    func acrossRuns() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        let names = Self.newNames(4)
        try dir.write("in/one.csv", Self.batch(names.prefix(3).enumerated().map {
            Fixtures.companyRow("a\($0.offset)", account: "acct1", name: $0.element)
        }))
        #expect(try CommandRunner.run(["run", "in/one.csv", "--quota", "3", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/one/summary.json")).int("accepted") == 3)

        // A later night: one repeat (spelled differently), one new beyond the quota.
        let repeatRow = Fixtures.companyRow("b0", account: "acct1", name: "【\(names[0])】")
        try dir.write("in/two.csv", Self.batch([repeatRow, Fixtures.companyRow("b1", account: "acct1", name: names[3])]))
        #expect(try CommandRunner.run(["run", "in/two.csv", "--quota", "3", "--quiet"], in: dir.url).status == 0)
        let two = try JSONSummary(dir.path("Output/two/summary.json"))
        #expect(two.reasons() == ["DUPLICATE_EXISTING": 1, "QUOTA_EXCEEDED": 1])

        // Forgetting one signature frees one slot.
        let forget = try CommandRunner.run(["ledger", "forget", "--account", "acct1", "--sign", names[1]], in: dir.url)
        #expect(forget.status == 0, "\(forget.stderr)")
        try dir.write("in/three.csv", Self.batch([Fixtures.companyRow("c1", account: "acct1", name: names[3])]))
        #expect(try CommandRunner.run(["run", "in/three.csv", "--quota", "3", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/three/summary.json")).int("accepted") == 1)
        let export = try CommandRunner.run(["ledger", "export"], in: dir.url)
        let records = Fixtures.records(export.stdout)
        #expect(records.count == 3)
        #expect(Set(records.map { $0["sign_name"] ?? "" }) == [names[0], names[2], names[3]])
        #expect(export.stdout.hasPrefix("account_id,sign_name,international,status"))
    }

    @Test("an admitted signature is recorded under its name as given and its folded key")
    func recordsNameAndKey() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        try dir.write("in/one.csv", Self.batch([Fixtures.companyRow("a0", account: "acct1", name: "TencentCloud")]))
        #expect(try CommandRunner.run(["run", "in/one.csv", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/one/summary.json")).int("accepted") == 1)
        let records = Fixtures.records(try CommandRunner.run(["ledger", "export"], in: dir.url).stdout)
        #expect(records.map { $0["sign_name"] ?? "" } == ["TencentCloud"])
        #expect(records.map { $0["status"] ?? "" } == ["accepted"])
        // The key is the folded name: another spelling of it is a duplicate.
        try dir.write("in/two.csv", Self.batch([Fixtures.companyRow("b0", account: "acct1", name: "TENCENTCLOUD")]))
        #expect(try CommandRunner.run(["run", "in/two.csv", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/two/summary.json")).reasons() == ["DUPLICATE_EXISTING": 1])
    }

    /// Admitted rows reach the ledger in groups: two full groups and a partial one, with
    /// names of different lengths (so each row's text starts at a different place).
    @Test("seventy admitted rows are all recorded, each with its own name, line and status")
    func recordsManyRows() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        let names = (0..<70).map { "Br" + String(repeating: "x", count: $0 % 7) + "\($0)" }
        try dir.write("in/many.csv", Self.batch(names.enumerated().map {
            Fixtures.companyRow("m\($0.offset)", account: "acct\($0.offset % 3)", name: $0.element)
        }))
        #expect(try CommandRunner.run(["run", "in/many.csv", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/many/summary.json")).int("accepted") == 70)
        let records = Fixtures.records(try CommandRunner.run(["ledger", "export"], in: dir.url).stdout)
        #expect(records.count == 70)
        for (index, name) in names.enumerated() {
            let record = records.first { $0["sign_name"] == name }
            #expect(record?["account_id"] == "acct\(index % 3)", "\(name)")
            #expect(record?["status"] == "accepted")
            #expect(record?["line"] == String(index + 2))
        }
    }

    /// summary.json lists the batch's accounts; a row whose account_id is missing or not an
    /// account ID's form names no account (and is rejected for it).
    @Test("the summary lists only well-formed accounts")
    func summaryAccounts() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        try dir.write("in/mixed.csv", Self.batch([
            Fixtures.companyRow("a0", account: "acct1", name: "腾讯云"),
            Fixtures.companyRow("a1", account: "bad id", name: "微信支付"),
            Fixtures.companyRow("a2", account: "", name: "腾讯视频"),
            Fixtures.companyRow("a3", account: "-dash", name: "QQ音乐"),
        ]))
        #expect(try CommandRunner.run(["run", "in/mixed.csv", "--quiet"], in: dir.url).status == 0)
        let summary = try JSONSummary(dir.path("Output/mixed/summary.json"))
        #expect((summary.object["accounts"] as? [String: Any]).map { Set($0.keys) } == ["acct1"])
        #expect(summary.reasons() == ["ACCOUNT_ID_INVALID": 2, "ACCOUNT_ID_MISSING": 1])
    }

    @Test("DUPLICATE_EXISTING after import, for existing and accepted entries alike")
    func duplicateAfterImport() throws {
        let dir = try Fixtures.Directory()
        try dir.write("existing.csv", "account_id,sign_name,international,status\nacct1,Tencent Cloud,0,existing\nacct1,微信支付,0,accepted\nacct1,Tencent Cloud,1,existing\n")
        #expect(try CommandRunner.run(["ledger", "import", "existing.csv"], in: dir.url).status == 0)
        try dir.write("in/proof.png", Fixtures.png)
        try dir.write("in/b.csv", Self.batch([
            Fixtures.companyRow("r1", account: "acct1", name: "tencentcloud"),
            Fixtures.companyRow("r2", account: "acct1", name: "【微信支付】"),
            Fixtures.companyRow("r3", account: "acct2", name: "TencentCloud"),
        ]))
        #expect(try CommandRunner.run(["run", "in", "--quiet"], in: dir.url).status == 0)
        let rejected = Fixtures.records(try dir.read("Output/b/rejected.csv"))
        #expect(rejected.map { $0["reasons"] ?? "" } == ["DUPLICATE_EXISTING", "DUPLICATE_EXISTING"])
        #expect(Fixtures.records(try dir.read("Output/b/accepted.csv")).map { $0["ref"] } == ["r3"])
    }

    @Test("a bad import row is reported with its line and nothing is imported")
    func importAllOrNothing() throws {
        let dir = try Fixtures.Directory()
        try dir.write("existing.csv", "account_id,sign_name,international\nacct1,腾讯云,0\nbad id,微信,0\nacct1,QQ,maybe\n")
        let result = try CommandRunner.run(["ledger", "import", "existing.csv"], in: dir.url)
        #expect(result.status == 65)
        #expect(result.stderr.contains("existing.csv:3:"))
        #expect(result.stderr.contains("existing.csv:4:"))
        let export = try CommandRunner.run(["ledger", "export"], in: dir.url)
        #expect(Fixtures.records(export.stdout).isEmpty)
    }

    @Test("a needs-documents signature resubmitted takes no new slot and replaces the entry")
    func resubmission() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        let withoutProof = "r1,acct1,enterprise,腾讯云,company,0,self,business_license,,,,,,,"
        try dir.write("in/one.csv", Self.batch([withoutProof, Fixtures.companyRow("r2", account: "acct1", name: "微信")]))
        #expect(try CommandRunner.run(["run", "in/one.csv", "--quota", "2", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/one/summary.json")).int("needs_documents") == 1)
        // The account is full, yet the resubmission with its proof is admitted.
        try dir.write("in/two.csv", Self.batch([Fixtures.companyRow("s1", account: "acct1", name: "腾讯云")]))
        #expect(try CommandRunner.run(["run", "in/two.csv", "--quota", "2", "--quiet"], in: dir.url).status == 0)
        let two = try JSONSummary(dir.path("Output/two/summary.json"))
        #expect(two.int("accepted") == 1)
        #expect(two.usage("acct1")?.used == 2)
        let records = Fixtures.records(try CommandRunner.run(["ledger", "export"], in: dir.url).stdout)
        #expect(records.first { $0["sign_name"] == "腾讯云" }?["status"] == "accepted")
        // A second resubmission is now a duplicate.
        try dir.write("in/three.csv", Self.batch([Fixtures.companyRow("t1", account: "acct1", name: "腾讯云")]))
        #expect(try CommandRunner.run(["run", "in/three.csv", "--quota", "2", "--quiet"], in: dir.url).status == 0)
        #expect(try JSONSummary(dir.path("Output/three/summary.json")).reasons() == ["DUPLICATE_EXISTING": 1])
    }

    @Test("an identical re-run skips the batch and touches nothing; --reprocess gives the same result")
    func skipAndReprocess() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        #expect(try CommandRunner.run(["run", "--quiet"], in: dir.url).status == 0)
        let before = try snapshot(dir)
        let ledgerBefore = try CommandRunner.run(["ledger", "export"], in: dir.url).stdout
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.path("Output/sample/summary.json").path)

        let again = try CommandRunner.run(["run", "--json"], in: dir.url)
        #expect(again.status == 0)
        #expect(again.stderr.contains("skipped"))
        #expect(again.stdout.contains("\"status\": \"skipped\""))
        #expect(try snapshot(dir) == before)
        let attributesAfter = try FileManager.default.attributesOfItem(atPath: dir.path("Output/sample/summary.json").path)
        #expect(attributes[.modificationDate] as? Date == attributesAfter[.modificationDate] as? Date)
        #expect(try CommandRunner.run(["ledger", "export"], in: dir.url).stdout == ledgerBefore)

        let reprocessed = try CommandRunner.run(["run", "--reprocess", "--quiet"], in: dir.url)
        #expect(reprocessed.status == 0)
        #expect(try snapshot(dir) == before, "reprocessing undoes the batch's own entries first")
        #expect(try CommandRunner.run(["ledger", "export"], in: dir.url).stdout == ledgerBefore)
    }

    @Test("--dry-run writes the outputs of a real run and nothing to the ledger")
    func dryRun() throws {
        let dir = try Fixtures.Directory()
        try dir.write("in/proof.png", Fixtures.png)
        try dir.write("in/a.csv", Self.batch([Fixtures.companyRow("r1", account: "acct1", name: "腾讯云")]))
        try dir.write("in/b.csv", Self.batch([Fixtures.companyRow("r1", account: "acct1", name: "腾讯云"),
                                              Fixtures.companyRow("r2", account: "acct1", name: "微信"),
                                              Fixtures.companyRow("r3", account: "acct1", name: "微信")]))
        let dry = try CommandRunner.run(["run", "in", "--dry-run", "--output", "Dry", "--ledger", "Output/ledger.sqlite", "--quiet"], in: dir.url)
        #expect(dry.status == 0, "\(dry.stderr)")
        // Later batches see earlier ones' effects, exactly as in a real run; the last batch,
        // whose ledger changes nothing reads, still dedupes within itself.
        #expect(try JSONSummary(dir.path("Dry/b/summary.json")).reasons() == ["DUPLICATE_EXISTING": 1, "DUPLICATE_IN_BATCH": 1])
        #expect(try JSONSummary(dir.path("Dry/b/summary.json")).object["dry_run"] as? Bool == true)
        #expect(Fixtures.records(try CommandRunner.run(["ledger", "export"], in: dir.url).stdout).isEmpty)

        #expect(try CommandRunner.run(["run", "in", "--quiet"], in: dir.url).status == 0)
        for batch in ["a", "b"] {
            for file in ["accepted.csv", "rejected.csv", "needs-documents.csv"] {
                #expect(try dir.read("Dry/\(batch)/\(file)") == dir.read("Output/\(batch)/\(file)"))
            }
        }
        // Nothing of the dry run persisted: the real run processed both batches.
        #expect(try JSONSummary(dir.path("Output/a/summary.json")).string("status") == "processed")
    }

    @Test("ledger list shows entries for people, per account")
    func ledgerList() throws {
        let dir = try Fixtures.Directory()
        try dir.write("existing.csv", "account_id,sign_name,international\nacct1,腾讯云,0\nacct2,Acme,1\n")
        #expect(try CommandRunner.run(["ledger", "import", "existing.csv"], in: dir.url).status == 0)
        let all = try CommandRunner.run(["ledger", "list"], in: dir.url)
        #expect(all.stdout.contains("acct1") && all.stdout.contains("acct2"))
        let one = try CommandRunner.run(["ledger", "list", "--account", "acct2"], in: dir.url)
        #expect(one.stdout.contains("Acme") && !one.stdout.contains("腾讯云"))
    }

    @Test("75: another run holds the lock; --wait waits for it")
    func lock() throws {
        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        try FileManager.default.createDirectory(at: dir.path("Output"), withIntermediateDirectories: true)
        let fd = open(dir.path("Output/ledger.sqlite.lock").path, O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX) == 0)
        let locked = try CommandRunner.run(["run", "--quiet"], in: dir.url)
        #expect(locked.status == 75)
        #expect(!dir.exists("Output/sample"))
        // Changing the ledger needs the lock; reading it does not.
        try dir.write("existing.csv", "account_id,sign_name,international\nacct1,腾讯云,0\n")
        #expect(try CommandRunner.run(["ledger", "import", "existing.csv"], in: dir.url).status == 75)
        #expect(try CommandRunner.run(["ledger", "forget", "--account", "acct1"], in: dir.url).status == 75)

        let waiting = try CommandRunner.start(["run", "--quiet", "--wait", "20"], in: dir.url)
        usleep(300_000)
        flock(fd, LOCK_UN)
        close(fd)
        let result = try waiting.finish()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(dir.exists("Output/sample/summary.json"))

        // While another run holds the lock, the ledger can still be read.
        let again = open(dir.path("Output/ledger.sqlite.lock").path, O_RDWR)
        #expect(flock(again, LOCK_EX) == 0)
        let export = try CommandRunner.run(["ledger", "export"], in: dir.url)
        #expect(export.status == 0, "\(export.stderr)")
        let admitted = try ["sample", "partner-export"].map { batch in
            let summary = try JSONSummary(dir.path("Output/\(batch)/summary.json"))
            return summary.int("accepted") + summary.int("needs_documents")
        }.reduce(0, +)
        #expect(Fixtures.records(export.stdout).count == admitted)
        close(again)
    }

    @Test("two runs started together: one wins, the other exits 75, the ledger is as after one run")
    func concurrentRuns() throws {
        let reference = try Fixtures.Directory()
        try reference.copySampleInput()
        #expect(try CommandRunner.run(["run", "--quiet"], in: reference.url).status == 0)
        let expected = try CommandRunner.run(["ledger", "export"], in: reference.url).stdout

        let dir = try Fixtures.Directory()
        try dir.copySampleInput()
        let first = try CommandRunner.start(["run", "--quiet"], in: dir.url)
        let second = try CommandRunner.start(["run", "--quiet"], in: dir.url)
        let statuses = [try first.finish().status, try second.finish().status].sorted()
        // Both may succeed only if one finished before the other took the lock; then the
        // second skipped the already-processed batch.
        #expect(statuses == [0, 75] || statuses == [0, 0])
        #expect(try CommandRunner.run(["ledger", "export"], in: dir.url).stdout == expected)
    }

    private func snapshot(_ dir: Fixtures.Directory) throws -> [String: String] {
        var files: [String: String] = [:]
        for file in ["accepted.csv", "rejected.csv", "needs-documents.csv", "summary.json"] {
            files[file] = try dir.read("Output/sample/\(file)")
        }
        return files
    }
}
