import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §6: a run killed at any instant leaves complete outputs, and the next run brings the
/// ledger and the outputs to exactly what an uninterrupted run gives.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    /// Three nightly batches over the same accounts: quota, duplicates and resubmissions
    /// all depend on the earlier batches' commits.
    static func writeBatches(into dir: Fixtures.Directory) throws {
        try dir.write("in/proof.png", Fixtures.png)
        var generator = SplitMix64(state: 7)
        for (batchIndex, name) in ["night-1", "night-2", "night-3"].enumerated() {
            var lines = [Fixtures.header]
            for row in 0..<5000 {
                let account = "acct\(generator.next() % 40)"
                let first = Character(Unicode.Scalar(0x4E00 + UInt32(generator.next() % 150))!)
                let second = Character(Unicode.Scalar(0x4E00 + UInt32(generator.next() % 150))!)
                let proof = generator.next() % 8 == 0 ? "" : "proof.png"
                lines.append("b\(batchIndex)-\(row),\(account),enterprise,品牌\(first)\(second),company,0,self,business_license,\(proof),,,,,,")
            }
            try dir.write("in/\(name).csv", lines.joined(separator: "\n") + "\n")
        }
    }

    static func state(of dir: Fixtures.Directory) throws -> [String: String] {
        var files: [String: String] = [:]
        for batch in ["night-1", "night-2", "night-3"] {
            for file in ["accepted.csv", "rejected.csv", "needs-documents.csv", "summary.json"] {
                files["\(batch)/\(file)"] = try dir.read("Output/\(batch)/\(file)")
            }
        }
        files["ledger"] = try CommandRunner.run(["ledger", "export"], in: dir.url).stdout
        return files
    }

    @Test("SIGKILL at a spread of instants, then a re-run, equals an uninterrupted run")
    func killAndRerun() throws {
        let reference = try Fixtures.Directory()
        try Self.writeBatches(into: reference)
        let started = ProcessInfo.processInfo.systemUptime
        #expect(try CommandRunner.run(["run", "in", "--quiet"], in: reference.url).status == 0)
        let duration = ProcessInfo.processInfo.systemUptime - started
        let expected = try Self.state(of: reference)
        #expect(Fixtures.records(expected["ledger"]!).count > 1000)

        // Kill points spread over the whole run, from before the first output to the end.
        let fractions = [0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.97]
        for fraction in fractions {
            let dir = try Fixtures.Directory()
            try Self.writeBatches(into: dir)
            let running = try CommandRunner.start(["run", "in", "--quiet"], in: dir.url)
            usleep(useconds_t(duration * fraction * 1_000_000))
            running.kill()
            _ = try running.finish()
            // Whatever the kill left must be complete files, never torn ones.
            for batch in ["night-1", "night-2", "night-3"] where dir.exists("Output/\(batch)/summary.json") {
                _ = try JSONSummary(dir.path("Output/\(batch)/summary.json"))
                for file in ["accepted.csv", "rejected.csv", "needs-documents.csv"] where dir.exists("Output/\(batch)/\(file)") {
                    #expect(try dir.read("Output/\(batch)/\(file)").hasSuffix("\n"), "torn \(batch)/\(file) at \(fraction)")
                }
            }
            let rerun = try CommandRunner.run(["run", "in", "--quiet"], in: dir.url)
            #expect(rerun.status == 0, "re-run after a kill at \(fraction): \(rerun.stderr)")
            let actual = try Self.state(of: dir)
            for key in expected.keys.sorted() {
                #expect(actual[key] == expected[key], "\(key) differs after a kill at \(fraction) of the run")
            }
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: dir.path("Output").path)
                .filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
        }
    }
}
