import Foundation
import Testing
@testable import SignBatch

/// Nothing is lost silently: for any input the rows read equal accepted + rejected +
/// needs-documents, every row appears in exactly one output, and a batch that cannot be
/// read writes nothing but its failed summary.
@Suite("Row accounting")
struct RowAccountingTests {
    /// Every input the project keeps: the sample batches and the fuzzers' corpus and
    /// regressions (a CSV fuzz input's first byte only picks the fuzzer's set-up).
    static func inputs() throws -> [(name: String, bytes: [UInt8], format: BatchSource.Format)] {
        let root = Fixtures.packageRoot
        var inputs: [(String, [UInt8], BatchSource.Format)] = []
        for name in ["Input/sample.csv", "Input/partner-export.xml"] {
            inputs.append((name, Array(try Data(contentsOf: root.appendingPathComponent(name))),
                           name.hasSuffix(".xml") ? .xml : .csv))
        }
        for kind in ["Corpus", "Regressions"] {
            for (target, format) in [("csv", BatchSource.Format.csv), ("xml", .xml)] {
                let directory = root.appendingPathComponent("Tests/SignBatchTests/Fuzz/\(kind)/\(target)")
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
                for name in names.sorted() where !name.hasPrefix(".") {
                    var bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                    if format == .csv { bytes = Array(bytes.dropFirst()) }
                    inputs.append(("\(kind)/\(target)/\(name)", bytes, format))
                }
            }
        }
        return inputs
    }

    @Test("rows read = accepted + rejected + needs-documents, for every kept input")
    func everyInputAccountedFor() throws {
        let inputs = try Self.inputs()
        #expect(inputs.count >= 10)
        for input in inputs {
            let dir = try Fixtures.Directory()
            try dir.write("in/proof.png", Fixtures.png)
            let file = "in/batch.\(input.format.rawValue)"
            try dir.write(file, Data(input.bytes))
            var configuration = Configuration()
            configuration.paths = [dir.path(file).path]
            configuration.outputDirectory = dir.path("Output").path
            configuration.quiet = true
            let reports = try Runner(configuration: configuration, openStore: { _ in MemoryLedger() }).run()
            let summary = try #require(reports.first?.summary)
            let outputs = dir.path("Output/batch")
            switch summary.status {
            case .processed:
                #expect(summary.rows == summary.count(.accepted) + summary.count(.rejected) + summary.count(.needsDocuments),
                        "\(input.name)")
                #expect(summary.reasons.values.allSatisfy { $0 > 0 })
                let written = try Outcome.allCases.map { outcome in
                    try Self.rowsWritten(outputs.appendingPathComponent("\(outcome.fileStem).\(input.format.rawValue)"),
                                         format: input.format)
                }.reduce(0, +)
                #expect(written == summary.rows, "\(input.name): \(written) rows written, \(summary.rows) read")
            case .failed:
                #expect(summary.rows == 0)
                #expect(!summary.errors.isEmpty, "\(input.name): a failed batch says why")
                let files = try FileManager.default.contentsOfDirectory(atPath: outputs.path)
                #expect(files == ["summary.json"], "\(input.name): a failed batch writes only its summary")
            case .skipped:
                Issue.record("\(input.name) was skipped in a fresh ledger")
            }
        }
    }

    @Test("each outcome's position is its index among all outcomes (outputs are looked up by it)")
    func outcomePositions() {
        #expect(Outcome.allCases.map(\.position) == Array(Outcome.allCases.indices))
    }

    static func rowsWritten(_ url: URL, format: BatchSource.Format) throws -> Int {
        let text = try String(contentsOf: url, encoding: .utf8)
        switch format {
        case .csv: return Fixtures.csvRows(text).count - 1
        case .xml: return text.components(separatedBy: "<application>").count - 1
        }
    }
}
