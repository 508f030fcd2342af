import ArgumentParser
import SignBatch

@main
struct SignBatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signbatch",
        abstract: "Checks batches of SMS signature applications offline before they are submitted.",
        discussion: "Reads CSV or XML batches, normalizes and validates every application, "
            + "deduplicates against each account's ledger and quota, and writes accepted, rejected "
            + "and needs-documents files per batch. Exit codes: 0 done, 64 usage, 65 a batch could "
            + "not be read, 66 no input, 73 cannot create output, 74 I/O error, 75 locked.",
        subcommands: [RunCommand.self, LedgerCommand.self, RulesCommand.self, ReasonsCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// Options shared by every command that opens the ledger.
struct LedgerLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Output directory.", valueName: "dir"))
    var output: String = "Output"

    @Option(name: .long, help: ArgumentHelp("Ledger database (default: <output>/ledger.sqlite).", valueName: "path"))
    var ledger: String?

    var path: String { ledger ?? "\(output)/ledger.sqlite" }
}

struct RulesOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Rules file replacing the embedded rules.", valueName: "file"))
    var rules: String?

    @Option(name: .long, help: ArgumentHelp("Signatures an account may hold (overrides the rules file).", valueName: "n"))
    var quota: Int?

    func validate() throws {
        if let quota, quota < 0 { throw ValidationError("--quota must be 0 or more") }
    }
}
