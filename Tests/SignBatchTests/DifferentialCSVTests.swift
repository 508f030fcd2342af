import Foundation
import Testing

/// SPEC §2 says RFC 4180; Python's csv module is an independent reading of it. The script
/// generates valid but awkward files (quoted delimiters, doubled quotes, quoted CR/LF,
/// empty and delimiter-only lines, unicode, all four delimiters, mixed line ends) and
/// compares the tokenizer's records, fields and start lines with Python's.
@Suite("Differential CSV")
struct DifferentialCSVTests {
    static let script = Fixtures.packageRoot.appendingPathComponent("Scripts/difftest/csv_diff.py")
    static let count = 2000

    @Test("the tokenizer reads generated RFC 4180 files exactly as Python's csv module does",
          .timeLimit(.minutes(1)))
    func agreesWithPython() throws {
        let fuzzer = CommandRunner.binary.deletingLastPathComponent().appendingPathComponent("signbatch-fuzz")
        #expect(FileManager.default.isExecutableFile(atPath: fuzzer.path), "\(fuzzer.path) is not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script.path, "--seed", "4180", "--count", "\(Self.count)",
                             "--binary", fuzzer.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting: a report of many disagreements can fill the pipe.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let report = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(report)")

        let match = report.firstMatch(of: /compared (\d+) files, (\d+) rows, (\d+) fields .*: (\d+) files disagree/)
        let figures = try #require(match, "no summary line in: \(report)")
        #expect(Int(figures.1) == Self.count)
        // The generator averages several records a file; far fewer means it lost its way.
        #expect(Int(figures.2)! > Self.count * 3)
        #expect(Int(figures.3)! > Int(figures.2)!)
        #expect(Int(figures.4) == 0)
    }
}
