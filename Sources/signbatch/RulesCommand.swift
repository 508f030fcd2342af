import ArgumentParser
import Foundation
import SignBatch

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Print the effective rules as JSON.")

    @OptionGroup var rulesOptions: RulesOptions

    func run() throws {
        var configuration = Configuration()
        configuration.rulesPath = rulesOptions.rules
        configuration.quota = rulesOptions.quota
        do {
            let rules = try Runner.loadRules(configuration)
            var file = rules.file
            file.quota = rules.quota
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Standard.output(String(decoding: try encoder.encode(file), as: UTF8.self))
        } catch let error as RunError {
            Standard.error("signbatch: \(error)")
            throw ExitCode(ExitStatus.code(for: error))
        }
    }
}

struct ReasonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reasons", abstract: "Print the catalogue of reason codes.")

    @Flag(name: .long, help: "Print the catalogue as JSON.")
    var json = false

    func run() {
        if json {
            Standard.output(JSONValue.array(ReasonCode.allCases.map {
                .object([("code", .string($0.rawValue)), ("severity", .string($0.severity.rawValue)),
                         ("summary", .string($0.summary))])
            }).rendered(pretty: true))
            return
        }
        let width = ReasonCode.allCases.map(\.rawValue.count).max() ?? 0
        for code in ReasonCode.allCases {
            let padded = code.rawValue + String(repeating: " ", count: width - code.rawValue.count)
            let severity = code.severity.rawValue + String(repeating: " ", count: 15 - code.severity.rawValue.count)
            Standard.output("\(padded)  \(severity)  \(code.summary)")
        }
    }
}
