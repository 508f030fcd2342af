import ArgumentParser
import SignBatch

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Process batches into accepted, rejected and needs-documents files.")

    @Argument(help: ArgumentHelp("Batch files (.csv, .xml) or directories (default: Input/).", valueName: "path"))
    var paths: [String] = []

    @OptionGroup var location: LedgerLocation
    @OptionGroup var rulesOptions: RulesOptions

    @Option(name: .long, help: ArgumentHelp("Output format: csv, xml or jsonl (default: the input's).", valueName: "format"))
    var format: String?

    @Option(name: .long, help: ArgumentHelp("CSV encoding: utf-8, utf-16le, utf-16be, gb18030 (default: detected).", valueName: "encoding"))
    var encoding: String?

    @Option(name: .long, help: ArgumentHelp("CSV delimiter: , ; | or tab (default: sniffed from the header).", valueName: "c"))
    var delimiter: String?

    @Option(name: .long, help: ArgumentHelp("Directory that document paths are relative to (default: each batch's).", valueName: "dir"))
    var documents: String?

    @Flag(name: .long, help: "Read the ledger and write the outputs, but change nothing in the ledger.")
    var dryRun = false

    @Flag(name: .long, help: "Process batches that were processed before, undoing their earlier ledger entries.")
    var reprocess = false

    @Option(name: .long, help: ArgumentHelp("Wait up to this many seconds for another run's lock.", valueName: "seconds"))
    var wait: Double?

    @Flag(name: .long, help: "Print the run's summaries as JSON on stdout.")
    var json = false

    @Flag(name: .long, help: "Print nothing on stderr but failures.")
    var quiet = false

    func validate() throws {
        if let format, OutputFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be csv, xml or jsonl, not '\(format)'")
        }
        if let encoding, TextEncoding(option: encoding) == nil {
            throw ValidationError("--encoding must be utf-8, utf-16le, utf-16be or gb18030, not '\(encoding)'")
        }
        if let delimiter, Self.delimiterByte(delimiter) == nil {
            throw ValidationError("--delimiter must be one of , ; | or tab, not '\(delimiter)'")
        }
        if let wait, !(wait >= 0) { throw ValidationError("--wait must be 0 or more seconds") }
    }

    static func delimiterByte(_ text: String) -> UInt8? {
        switch text.lowercased() {
        case ",", "comma": 0x2C
        case ";", "semicolon": 0x3B
        case "|", "pipe": 0x7C
        case "\t", "\\t", "tab": 0x09
        default: nil
        }
    }

    func run() throws {
        var configuration = Configuration()
        configuration.paths = paths
        configuration.outputDirectory = location.output
        configuration.ledgerPath = location.ledger
        configuration.rulesPath = rulesOptions.rules
        configuration.quota = rulesOptions.quota
        configuration.format = format.flatMap { OutputFormat(rawValue: $0.lowercased()) }
        configuration.encoding = encoding.flatMap(TextEncoding.init(option:))
        configuration.delimiter = delimiter.flatMap(Self.delimiterByte)
        configuration.documentsDirectory = documents
        configuration.dryRun = dryRun
        configuration.reprocess = reprocess
        configuration.waitSeconds = wait
        configuration.quiet = quiet
        configuration.progress = ProgressLine.stderrIsTerminal

        let reports: [Runner.BatchReport]
        do {
            reports = try Runner(configuration: configuration).run { report in
                if report.failure != nil || !quiet { Standard.error(report.summary.humanLine) }
                if !quiet { report.summary.warningLines.forEach { Standard.error($0) } }
            }
        } catch {
            Standard.error("signbatch: \(error)")
            throw ExitCode(ExitStatus.code(for: error))
        }
        if json {
            Standard.output(JSONValue.array(reports.map(\.summary.json)).rendered(pretty: true))
        }
        let code = ExitStatus.code(for: reports)
        if code != 0 { throw ExitCode(code) }
    }
}
