#if canImport(Glibc)
import Glibc
#endif

/// Entry points for the fuzzers (`signbatch-fuzz`) and their regression corpus. Each one
/// drives a stage with arbitrary bytes and traps if an invariant breaks; a crash, a hang
/// or a trap is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case csv
    case xml
    case normalizer

    static let rules = RuleSet.embedded()

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .csv: Self.csv(bytes)
        case .xml: Self.xml(bytes)
        case .normalizer: Self.normalizer(bytes)
        }
    }

    /// The CSV reader with every delimiter and encoding a batch may use, then the rules.
    static func csv(_ bytes: [UInt8]) {
        // The first byte picks the set-up, so the fuzzer explores all of them.
        let selector = bytes.first ?? 0
        let body = Array(bytes.dropFirst())
        let delimiters: [UInt8?] = [nil, 0x2C, 0x3B, 0x09, 0x7C]
        let delimiter = delimiters[Int(selector % 5)]
        let encodings: [TextEncoding] = [.utf8, .utf16LE, .utf16BE, .gb18030]
        let encoding = encodings[Int(selector / 5 % 4)]
        // The selector's remaining range sets how many bytes each read of the replay returns.
        let step = 1 + Int(selector / 20) % 7
        let whole = readCSV(body, encoding, delimiter, step: nil, check: true)
        let pieces = readCSV(body, encoding, delimiter, step: step, check: false)
        precondition(pieces == whole, "reading in pieces of \(step) bytes must not change the rows")
    }

    /// What a reader made of a batch, for comparing two reads of the same bytes.
    struct ReadOutcome: Equatable {
        struct Row: Equatable {
            var line: Int
            var values: [String?]
            var extras: [String]
            var problems: [Finding]
        }
        var layout: BatchLayout?
        var rows: [Row] = []
        var error: BatchError?
    }

    static func readCSV(_ body: [UInt8], _ encoding: TextEncoding, _ delimiter: UInt8?, step: Int?,
                        check checking: Bool) -> ReadOutcome {
        var limits = rules.file.limits
        limits.maxFieldBytes = 64
        limits.maxRowBytes = 512
        let source = MemoryInput(body, maxRead: step ?? .max)
        return read(check: checking, strictlyIncreasing: true) { () throws(BatchError) -> BatchReader in
            let input: ByteInput = encoding == .utf8
                ? source : try TranscodingInput(source: source, path: "fuzz.csv", from: encoding)
            return try CSVBatchReader(input: input, path: "fuzz.csv", encoding: encoding,
                                      delimiter: delimiter, limits: limits)
        }
    }

    /// Drains a reader, checking the invariants every format shares: rows come in input
    /// order (a CSV row starts on a later line than the one before; XML applications may
    /// share a line), each with one value per unknown column, and only a batch-level
    /// failure is thrown.
    static func read(check checking: Bool, strictlyIncreasing: Bool,
                     schemaValidator: LibXMLSchemaValidator? = nil,
                     _ open: () throws(BatchError) -> BatchReader) -> ReadOutcome {
        var outcome = ReadOutcome()
        do throws(BatchError) {
            let reader = try open()
            outcome.layout = reader.layout
            var lastLine = strictlyIncreasing ? 1 : 0
            while var raw = try reader.next() {
                // A schema check the reader deferred runs here, as an evaluating thread runs it.
                if let schemaValidator { raw.runPendingSchemaCheck(schemaValidator) }
                precondition(strictlyIncreasing ? raw.line > lastLine : raw.line >= lastLine,
                             "rows must come in input order")
                lastLine = raw.line
                precondition(raw.extras.count == reader.layout.extraColumns.count)
                outcome.rows.append(.init(line: raw.line, values: raw.values, extras: raw.extras, problems: raw.problems))
                if checking { check(raw) }
            }
        } catch {
            precondition(error.kind == .malformed || error.kind == .io, "unexpected failure \(error)")
            outcome.error = error
        }
        return outcome
    }

    static func xml(_ bytes: [UInt8]) {
        let path = "/tmp/signbatch-fuzz-\(getpid()).xml"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        defer { unlink(path) }
        let whole = readXML(path, chunkSize: XMLBatchReader.chunkSize, check: true)
        // Fuzz inputs are shorter than one chunk: a second read in small pushes makes libxml2
        // stop and resume inside tags, references, CDATA and multi-byte characters. The push
        // size comes from the length, as every byte of an XML input is the document. That
        // read leaves schema checks to run after parsing, as the pipeline does.
        let pieces = readXML(path, chunkSize: 1 + bytes.count % 13, check: false, deferSchemaChecks: true)
        precondition(pieces.error?.kind == whole.error?.kind,
                     "pushing in pieces must not change whether the batch fails: \(String(describing: whole.error)) / \(String(describing: pieces.error))")
        // A failed batch writes no rows, so only a readable one must give the same rows.
        if whole.error == nil {
            precondition(pieces == whole, "pushing in pieces, schema checks deferred, must not change the applications")
        }
    }

    static func readXML(_ path: String, chunkSize: Int, check checking: Bool,
                        deferSchemaChecks: Bool = false) -> ReadOutcome {
        var limits = rules.file.limits
        limits.maxFieldBytes = 256
        let schemaValidator = deferSchemaChecks ? try? LibXMLSchemaValidator(LibXMLSchema.batch()) : nil
        return read(check: checking, strictlyIncreasing: false, schemaValidator: schemaValidator) { () throws(BatchError) -> BatchReader in
            try XMLBatchReader(path: path, limits: limits, chunkSize: chunkSize, deferSchemaChecks: deferSchemaChecks)
        }
    }

    /// Arbitrary text in every field, split on NUL bytes.
    static func normalizer(_ bytes: [UInt8]) {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        var raw = RawApplication(line: 2)
        for (index, field) in Field.allCases.enumerated() where index < parts.count {
            raw[field] = String(decoding: parts[index], as: UTF8.self)
        }
        check(raw)
        if let text = raw[.remark] {
            let once = TextNormalizer.field(text)
            precondition(TextNormalizer.field(once) == once, "field normalization must be idempotent: \(text.debugDescription)")
            _ = rules.isNeutral(folded: TextNormalizer.fold(once))
        }
    }

    /// Normalization, validation and every output format must take any application.
    static func check(_ raw: RawApplication) {
        let normalizer = Normalizer(rules: rules)
        let validator = Validator(rules: rules)
        let app = normalizer.normalize(raw)
        var reasons = raw.problems
        reasons += validator.validate(app)
        let evaluation = Evaluation(application: app, reasons: reasons)
        if evaluation.outcome == .accepted {
            for value in [app.signName, app.accountID] {
                precondition(!value.unicodeScalars.contains("\u{FFFD}"), "U+FFFD in an accepted row")
            }
        }
        for outcome in Outcome.allCases {
            let table = OutputTable(outcome: outcome, extraColumns: [], maxReasons: 32)
            let values = table.values(for: evaluation)
            precondition(values.count == table.columns.count + raw.extras.count)
            var line: [UInt8] = []
            for value in values { CSVRow.appendCell(value, to: &line) }
            XMLRow.appendEscaped(app.signName, to: &line)
        }
    }
}
