/// What happened to one batch: `summary.json`, the `--json` output and the human report.
public struct BatchSummary: Sendable {
    public enum Status: String, Sendable { case processed, skipped, failed }

    public var batch: String
    public var path: String
    public var sha256: String
    public var status: Status
    public var encoding: String?
    public var rows = 0
    public var counts: [Outcome: Int] = [:]
    public var reasons: [ReasonCode: Int] = [:]
    public var accounts: [(id: String, usage: Admission.Usage)] = []
    public var warnings: [Finding] = []
    public var errors: [(line: Int, message: String)] = []
    public var dryRun: Bool
    /// Where the outputs are (or would have been).
    public var outputDirectory: String

    public init(batch: String, path: String, sha256: String, status: Status, dryRun: Bool, outputDirectory: String) {
        self.batch = batch
        self.path = path
        self.sha256 = sha256
        self.status = status
        self.dryRun = dryRun
        self.outputDirectory = outputDirectory
    }

    public func count(_ outcome: Outcome) -> Int { counts[outcome] ?? 0 }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("batch", .string(batch)),
            ("sha256", .string(sha256)),
            ("status", .string(status.rawValue)),
        ]
        if let encoding { members.append(("encoding", .string(encoding))) }
        members += [
            ("rows", .int(rows)),
            ("accepted", .int(count(.accepted))),
            ("rejected", .int(count(.rejected))),
            ("needs_documents", .int(count(.needsDocuments))),
            ("reasons", .object(reasons.keys.sorted().map { ($0.rawValue, .int(reasons[$0]!)) })),
            ("accounts", .object(accounts.map {
                ($0.id, .object([("used", .int($0.usage.used)), ("quota", .int($0.usage.quota))]))
            })),
            ("warnings", .array(warnings.map {
                .object([("code", .string($0.code.rawValue)), ("message", .string($0.message))])
            })),
            ("errors", .array(errors.map {
                .object([("line", .int($0.line)), ("message", .string($0.message))])
            })),
            ("dry_run", .bool(dryRun)),
        ]
        return .object(members)
    }

    /// The batch's warnings for stderr, one line each (`UNKNOWN_COLUMN` once per column).
    public var warningLines: [String] {
        warnings.map { "\(path): warning: \($0.code.rawValue): \($0.message)" }
    }

    /// One line for stderr.
    public var humanLine: String {
        switch status {
        case .processed:
            var line = "\(path): \(rows) row\(rows == 1 ? "" : "s"): \(count(.accepted)) accepted, \(count(.rejected)) rejected, \(count(.needsDocuments)) need documents -> \(outputDirectory)/"
            if let encoding, encoding != TextEncoding.utf8.rawValue { line += " (read as \(encoding))" }
            if dryRun { line += " (dry run: ledger unchanged)" }
            return line
        case .skipped:
            return "\(path): skipped, already processed (sha256 \(sha256.prefix(12))…); --reprocess to run it again"
        case .failed:
            let first = errors.first.map { $0.line > 0 ? "line \($0.line): \($0.message)" : $0.message } ?? "failed"
            return "\(path): failed: \(first)"
        }
    }
}
