/// Reads `ledger import` files: CSV with `account_id`, `sign_name`, `international` and an
/// optional `status` (default existing). Every bad row is reported with its line; one bad
/// row means nothing is imported.
public struct LedgerImporter {
    public let rules: RuleSet

    public init(rules: RuleSet) { self.rules = rules }

    public struct Problems: Error, Sendable {
        public var path: String
        public var lines: [(line: Int, message: String)]
    }

    public func read(path: String) throws -> [LedgerEntry] {
        let fingerprint = try BatchFingerprint.scan(path: path)
        let (encoding, bom) = TextEncoding.detect(fingerprint, requested: nil)
        let file = try FileInput(path: path, offset: bom)
        let input: ByteInput = encoding == .utf8 ? file : try TranscodingInput(source: file, path: path, from: encoding)
        let tokenizer = CSVTokenizer(input: input, path: path, maxFieldBytes: rules.file.limits.maxFieldBytes,
                                     maxRowBytes: rules.file.limits.maxRowBytes)
        tokenizer.delimiter = CSVBatchReader.sniffDelimiter(try tokenizer.peekFirstLine())
        var record = CSVRecord()
        repeat {
            guard try tokenizer.next(into: &record) else {
                throw BatchError(.malformed, path: path, line: 1, "the file is empty: no header row")
            }
        } while record.isBlank
        var columns: [String: Int] = [:]
        for index in 0..<record.storedFieldCount {
            let name = TextNormalizer.field(String(decoding: record.field(index), as: UTF8.self)).lowercased()
            columns[name] = columns[name] ?? index
        }
        let required = ["account_id", "sign_name", "international"]
        let missing = required.filter { columns[$0] == nil }
        if !missing.isEmpty {
            throw BatchError(.malformed, path: path, line: record.line,
                             "the header lacks the column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
        let headerCount = record.fieldCount
        var entries: [LedgerEntry] = []
        var problems: [(Int, String)] = []
        while try tokenizer.next(into: &record) {
            if record.isBlank { continue }
            if let problem = record.problem { problems.append((record.line, problem)); continue }
            if record.fieldCount != headerCount {
                problems.append((record.line, "the row has \(record.fieldCount) fields, the header has \(headerCount)"))
                continue
            }
            func value(_ name: String) -> String? {
                guard let index = columns[name] else { return nil }
                return String(validating: record.field(index), as: UTF8.self).map(TextNormalizer.field)
            }
            guard let account = value("account_id"), let rawName = value("sign_name"),
                  let internationalText = value("international") else {
                problems.append((record.line, "the row holds bytes that are not valid text"))
                continue
            }
            var rowProblems: [String] = []
            if !Validator.isValidAccountID(account) { rowProblems.append("account_id '\(account)' is not valid") }
            let name = TextNormalizer.signName(rawName)
            if name.isEmpty { rowProblems.append("sign_name is empty") }
            let international = internationalText.isEmpty ? false : rules.international(internationalText)
            if international == nil { rowProblems.append("international '\(internationalText)' is unknown") }
            var status = HeldStatus.existing
            if let text = value("status"), !text.isEmpty {
                if let parsed = HeldStatus(rawValue: TextNormalizer.enumKey(text) == "needsdocuments"
                                           ? "needs_documents" : TextNormalizer.enumKey(text)) {
                    status = parsed
                } else {
                    rowProblems.append("status '\(text)' is not existing, accepted or needs_documents")
                }
            }
            if !rowProblems.isEmpty {
                problems.append((record.line, rowProblems.joined(separator: "; ")))
                continue
            }
            entries.append(LedgerEntry(accountID: account,
                                       key: SignatureKey(international: international!, folded: TextNormalizer.fold(name)),
                                       signName: name, status: status))
        }
        if !problems.isEmpty { throw Problems(path: path, lines: problems) }
        return entries
    }
}
