/// A whole run: rules, batches, lock and ledger decided up front (exits 64, 66, 75 before
/// any batch is processed), then every batch in order, each committed before the next.
public final class Runner {
    public struct BatchReport: Sendable {
        public var summary: BatchSummary
        public var failure: BatchError?
    }

    public let configuration: Configuration
    private let openStore: (String) throws(RunError) -> LedgerStore

    /// - Parameter openStore: opens the persistent ledger at a path (tests may pass an
    ///   in-memory one).
    public init(configuration: Configuration,
                openStore: @escaping (String) throws(RunError) -> LedgerStore = Runner.openSQLiteLedger) {
        self.configuration = configuration
        self.openStore = openStore
    }

    public static func openSQLiteLedger(_ path: String) throws(RunError) -> LedgerStore {
        try SQLiteLedger(path: path)
    }

    public static func loadRules(_ configuration: Configuration) throws(RunError) -> RuleSet {
        do {
            if let path = configuration.rulesPath {
                let bytes: [UInt8]
                do { bytes = try FileBytes.read(path) } catch { throw RunError.usage("\(path): cannot read the rules file: \(error.message)") }
                return try RuleSet(json: bytes, origin: path, quotaOverride: configuration.quota)
            }
            return try RuleSet(json: RuleSet.embeddedJSON, origin: "embedded rules", quotaOverride: configuration.quota)
        } catch let error as RulesError {
            throw RunError.usage("bad rules file: \(error)")
        } catch let error as RunError {
            throw error
        } catch {
            throw RunError.usage("\(error)")
        }
    }

    public func run(report: (BatchReport) -> Void = { _ in }) throws(RunError) -> [BatchReport] {
        let rules = try Self.loadRules(configuration)
        let batches = try BatchSource.locate(configuration.effectivePaths)
        if let documents = configuration.documentsDirectory {
            var isDirectory = false
            if !FileBytes.exists(documents, isDirectory: &isDirectory) || !isDirectory {
                throw RunError.usage("--documents \(documents): no such directory")
            }
        }
        let ledgerPath = configuration.effectiveLedgerPath
        do {
            try AtomicFile.makeDirectory(DocumentChecker.parent(of: ledgerPath.hasPrefix("/") ? ledgerPath : "./" + ledgerPath))
            try AtomicFile.makeDirectory(configuration.outputDirectory)
        } catch {
            throw RunError.cannotCreate(error.description)
        }
        let lock = try RunLock(path: ledgerPath + ".lock", wait: configuration.waitSeconds)
        defer { withExtendedLifetime(lock) {} }
        let store = try openStore(ledgerPath)
        let progress = configuration.progress && !configuration.quiet ? ProgressLine() : nil
        var reports: [BatchReport] = []
        do {
            try store.session(persist: !configuration.dryRun) { session in
                let processor = BatchProcessor(rules: rules, configuration: configuration, ledger: session,
                                               progress: progress)
                for (index, batch) in batches.enumerated() {
                    let (summary, failure) = processor.process(batch, last: index == batches.count - 1)
                    let entry = BatchReport(summary: summary, failure: failure)
                    report(entry)
                    reports.append(entry)
                }
            }
        } catch {
            throw RunError.io("\(ledgerPath): \(error)")
        }
        return reports
    }
}
