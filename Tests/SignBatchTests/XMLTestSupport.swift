import Foundation
import Testing
@testable import SignBatch

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory for one test's batches and outputs, removed when released.
final class XMLScratch {
    let path: String

    init() throws {
        var template = Array("\(NSTemporaryDirectory())/signbatch-xml-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mkdtemp failed"])
        }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let full = "\(path)/\(name)"
        let directory = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// A file whose first bytes make it a PNG, as far as the document check is concerned.
    @discardableResult
    func writePNG(_ name: String) throws -> String {
        try write(name, bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 32))
    }

    /// Every regular file below `directory`, with its text.
    func files(under directory: String) -> [(path: String, text: String)] {
        guard let names = FileManager.default.subpaths(atPath: directory) else { return [] }
        return names.sorted().compactMap { name in
            let full = "\(directory)/\(name)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: full) else { return nil }
            return (full, String(decoding: data, as: UTF8.self))
        }
    }
}

enum XMLTestSupport {
    static let limits = RuleSet.embedded().file.limits

    struct Read {
        var layout: BatchLayout
        var warnings: [Finding]
        var applications: [RawApplication]
    }

    /// Everything an `XMLBatchReader` gives for a file, or the error that failed the batch.
    static func read(_ path: String, limits: RulesFile.InputLimits = limits) -> Result<Read, BatchError> {
        do throws(BatchError) {
            let reader = try XMLBatchReader(path: path, limits: limits)
            var applications: [RawApplication] = []
            while let application = try reader.next() { applications.append(application) }
            return .success(Read(layout: reader.layout, warnings: reader.warnings, applications: applications))
        } catch {
            return .failure(error)
        }
    }

    static func applications(_ path: String, limits: RulesFile.InputLimits = limits,
                             sourceLocation: SourceLocation = #_sourceLocation) -> [RawApplication] {
        switch read(path, limits: limits) {
        case .success(let read): return read.applications
        case .failure(let error):
            Issue.record("the batch failed: \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    static func failure(_ path: String, limits: RulesFile.InputLimits = limits,
                        sourceLocation: SourceLocation = #_sourceLocation) -> BatchError? {
        switch read(path, limits: limits) {
        case .success(let read):
            Issue.record("the batch was read (\(read.applications.count) applications) but should have failed",
                         sourceLocation: sourceLocation)
            return nil
        case .failure(let error): return error
        }
    }

    static func document(_ applications: [String], prolog: String = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") -> String {
        prolog + "<applications>\n" + applications.joined() + "</applications>\n"
    }

    /// One `<application>` with `fields` as children in the order given, on one line.
    static func application(_ fields: KeyValuePairs<String, String>) -> String {
        "  <application>" + fields.map { "<\($0.key)>\($0.value)</\($0.key)>" }.joined() + "</application>\n"
    }

    /// The result of a whole run through the library, with an in-memory ledger.
    struct Run {
        var reports: [Runner.BatchReport]
        var outputDirectory: String

        func rows(_ batch: String, _ outcome: Outcome) -> [[String: String]] {
            let path = "\(outputDirectory)/\(batch)/\(outcome.fileStem).jsonl"
            guard let data = FileManager.default.contents(atPath: path) else { return [] }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
                let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
                return object.mapValues { "\($0)" }
            }
        }
    }

    static func run(_ paths: [String], output: String, format: OutputFormat? = nil) throws -> Run {
        var configuration = Configuration()
        configuration.paths = paths
        configuration.outputDirectory = output
        configuration.format = format
        configuration.quiet = true
        let runner = Runner(configuration: configuration, openStore: { _ in MemoryLedger() })
        return Run(reports: try runner.run(), outputDirectory: output)
    }
}
