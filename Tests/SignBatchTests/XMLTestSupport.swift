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
    /// Every file is read twice: with schema checks run while parsing, and with them left
    /// to another thread as the pipeline does; both must give the same applications.
    static func read(_ path: String, limits: RulesFile.InputLimits = limits,
                     sourceLocation: SourceLocation = #_sourceLocation) -> Result<Read, BatchError> {
        let immediate = readOnce(path, limits: limits, deferred: false)
        let deferred = readOnce(path, limits: limits, deferred: true)
        switch (immediate, deferred) {
        case (.success(let now), .success(let later)):
            #expect(now.applications.count == later.applications.count, sourceLocation: sourceLocation)
            for (one, other) in zip(now.applications, later.applications) {
                #expect(one.problems == other.problems, sourceLocation: sourceLocation)
                #expect(one.values == other.values && one.extras == other.extras && one.line == other.line, sourceLocation: sourceLocation)
            }
        case (.failure(let now), .failure(let later)):
            #expect(now.description == later.description, sourceLocation: sourceLocation)
        default:
            Issue.record("deferred schema checks changed whether the batch failed", sourceLocation: sourceLocation)
        }
        return immediate
    }

    private static func readOnce(_ path: String, limits: RulesFile.InputLimits, deferred: Bool) -> Result<Read, BatchError> {
        do throws(BatchError) {
            let reader = try XMLBatchReader(path: path, limits: limits, deferSchemaChecks: deferred)
            var applications: [RawApplication] = []
            while let application = try reader.next() { applications.append(application) }
            if deferred {
                // On another thread with its own validation context, as an evaluating thread.
                let checked = DispatchQueue.global().sync {
                    let validator = try! LibXMLSchemaValidator(LibXMLSchema.batch())
                    return applications.map { application in
                        var application = application
                        application.runPendingSchemaCheck(validator)
                        return application
                    }
                }
                applications = checked
            }
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
