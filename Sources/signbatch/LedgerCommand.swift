import ArgumentParser
import SignBatch

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Inspect and maintain the ledger of signatures each account holds.",
        subcommands: [Import.self, List.self, Export.self, Forget.self])

    /// Opens the ledger, under the run lock when it is to be changed (readers see the last
    /// committed state, so `list` and `export` work while a run is going), mapping failures
    /// to exit codes.
    static func withLedger<T>(_ location: LedgerLocation, changing: Bool, wait: Double? = nil,
                              _ body: (SQLiteLedger) throws -> T) throws -> T {
        do {
            let directory = location.path.contains("/")
                ? String(location.path[..<location.path.lastIndex(of: "/")!]) : "."
            do { try AtomicFile.makeDirectory(directory.isEmpty ? "/" : directory) } catch {
                throw RunError.cannotCreate(error.description)
            }
            let lock = changing ? try RunLock(path: location.path + ".lock", wait: wait) : nil
            defer { withExtendedLifetime(lock) {} }
            return try body(try SQLiteLedger(path: location.path, readOnly: !changing))
        } catch let error as RunError {
            Standard.error("signbatch: \(error)")
            throw ExitCode(ExitStatus.code(for: error))
        } catch let error as BatchError {
            Standard.error("signbatch: \(error)")
            throw ExitCode(ExitStatus.code(for: error))
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load signatures the accounts already hold (account_id, sign_name, international[, status]).")

        @Argument(help: ArgumentHelp("CSV file to import.", valueName: "file"))
        var file: String

        @OptionGroup var location: LedgerLocation
        @OptionGroup var rulesOptions: RulesOptions

        @Option(name: .long, help: ArgumentHelp("Wait up to this many seconds for another run's lock.", valueName: "seconds"))
        var wait: Double?

        func run() throws {
            var configuration = Configuration()
            configuration.rulesPath = rulesOptions.rules
            let rules: RuleSet
            do { rules = try Runner.loadRules(configuration) } catch {
                Standard.error("signbatch: \(error)")
                throw ExitCode(ExitStatus.code(for: error))
            }
            var isDirectory = false
            guard FileBytes.exists(file, isDirectory: &isDirectory), !isDirectory else {
                Standard.error("signbatch: \(file): no such file")
                throw ExitCode(ExitStatus.noInput)
            }
            let entries: [LedgerEntry]
            do {
                entries = try LedgerImporter(rules: rules).read(path: file)
            } catch let problems as LedgerImporter.Problems {
                for (line, message) in problems.lines { Standard.error("\(problems.path):\(line): \(message)") }
                Standard.error("signbatch: \(problems.lines.count) bad row\(problems.lines.count == 1 ? "" : "s"); nothing was imported")
                throw ExitCode(ExitStatus.dataError)
            } catch let error as BatchError {
                Standard.error("signbatch: \(error)")
                throw ExitCode(ExitStatus.code(for: error))
            }
            try LedgerCommand.withLedger(location, changing: true, wait: wait) { ledger in
                try ledger.importEntries(entries)
            }
            Standard.error("imported \(entries.count) signature\(entries.count == 1 ? "" : "s") into \(location.path)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List held signatures for people.")

        @OptionGroup var location: LedgerLocation

        @Option(name: .long, help: ArgumentHelp("Only this account.", valueName: "id"))
        var account: String?

        func run() throws {
            let entries = try LedgerCommand.withLedger(location, changing: false) { try $0.allEntries(account: account) }
            var current: String?
            for entry in entries {
                if entry.accountID != current {
                    current = entry.accountID
                    let count = entries.lazy.filter { $0.accountID == entry.accountID }.count
                    Standard.output("\(entry.accountID)  (\(count) held)")
                }
                let region = entry.key.international ? "international" : "mainland"
                let origin = entry.batch.map { " batch \($0.prefix(12)) line \(entry.line ?? 0)" } ?? ""
                Standard.output("  \(entry.signName)  [\(region), \(entry.status.rawValue)]\(origin)")
            }
            if entries.isEmpty { Standard.error("the ledger holds no signatures\(account.map { " for \($0)" } ?? "")") }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every entry as CSV on stdout.")

        @OptionGroup var location: LedgerLocation

        func run() throws {
            let entries = try LedgerCommand.withLedger(location, changing: false) { try $0.allEntries() }
            var out: [UInt8] = Array("account_id,sign_name,international,status,batch_sha256,line\n".utf8)
            for entry in entries {
                let cells = [entry.accountID, entry.signName, entry.key.international ? "1" : "0",
                             entry.status.rawValue, entry.batch ?? "", entry.line.map(String.init) ?? ""]
                for (index, cell) in cells.enumerated() {
                    if index > 0 { out.append(0x2C) }
                    CSVRow.appendCell(cell, to: &out)
                }
                out.append(0x0A)
            }
            Standard.output(String(decoding: out, as: UTF8.self), newline: false)
        }
    }

    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an account's entries, or one signature.")

        @OptionGroup var location: LedgerLocation

        @Option(name: .long, help: ArgumentHelp("The account.", valueName: "id"))
        var account: String

        @Option(name: .long, help: ArgumentHelp("Only this signature (normalized like sign_name).", valueName: "name"))
        var sign: String?

        func run() throws {
            let key = sign.map { TextNormalizer.fold(TextNormalizer.signName($0)) }
            let removed = try LedgerCommand.withLedger(location, changing: true) { try $0.forget(account: account, signKey: key) }
            Standard.error("removed \(removed) entr\(removed == 1 ? "y" : "ies") of \(account)")
        }
    }
}
