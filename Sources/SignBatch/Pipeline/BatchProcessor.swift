/// Runs one batch through the stages: read → normalize → validate → documents → admission
/// → write, then commits the ledger only once the outputs are in place.
public final class BatchProcessor {
    private let rules: RuleSet
    private let validator: Validator
    private let configuration: Configuration
    private let ledger: LedgerSession
    private let progress: ProgressLine?

    public init(rules: RuleSet, configuration: Configuration, ledger: LedgerSession, progress: ProgressLine?) {
        self.rules = rules
        validator = Validator(rules: rules)
        self.configuration = configuration
        self.ledger = ledger
        self.progress = progress
    }

    /// Never throws: a batch that fails is a summary with status `failed` and its error.
    /// `last`: no batch of this run follows it.
    public func process(_ source: BatchSource, last: Bool = false) -> (BatchSummary, BatchError?) {
        let outputDirectory = "\(configuration.outputDirectory)/\(source.name)"
        var summary = BatchSummary(batch: source.fileName, path: source.path, sha256: "", status: .processed,
                                   dryRun: configuration.dryRun, outputDirectory: outputDirectory)
        do throws(BatchError) {
            let fingerprint = try BatchFingerprint.scan(path: source.path)
            summary.sha256 = fingerprint.sha256
            let alreadyProcessed = try ledger.isProcessed(sha256: fingerprint.sha256)
            if alreadyProcessed && !configuration.reprocess {
                summary.status = .skipped
                return (summary, nil)
            }
            try ledger.beginBatch(sha256: fingerprint.sha256, name: source.fileName, path: source.path,
                                  undoingEarlier: alreadyProcessed)
            do throws(BatchError) {
                try run(source, fingerprint: fingerprint, outputDirectory: outputDirectory, summary: &summary,
                        discardLedger: configuration.dryRun && last)
            } catch {
                ledger.rollbackBatch()
                throw error
            }
            return (summary, nil)
        } catch {
            summary.status = .failed
            summary.rows = 0
            summary.counts = [:]
            summary.reasons = [:]
            summary.accounts = []
            summary.errors = [(error.line, error.message)]
            summary.encoding = nil
            if error.kind != .cannotCreateOutput {
                // Only summary.json changes; earlier outputs and the ledger stay as they were.
                try? writeSummary(summary, to: outputDirectory)
            }
            return (summary, error)
        }
    }

    private func makeReader(_ source: BatchSource, _ fingerprint: BatchFingerprint,
                            _ summary: inout BatchSummary) throws(BatchError) -> BatchReader {
        let limits = rules.file.limits
        switch source.format {
        case .csv:
            let (encoding, bomLength) = TextEncoding.detect(fingerprint, requested: configuration.encoding)
            summary.encoding = encoding.rawValue
            let file = try FileInput(path: source.path, offset: bomLength)
            let input: ByteInput = encoding == .utf8
                ? file : try TranscodingInput(source: file, path: source.path, from: encoding)
            // A file that is valid UTF-8 throughout has every row valid: they are not checked
            // again. (Only its size is compared between the two reads; a file rewritten in
            // place between them would also be recorded under the wrong SHA-256.)
            return try CSVBatchReader(input: input, path: source.path, encoding: encoding,
                                      startOffset: encoding == .utf8 ? bomLength : 0,
                                      delimiter: configuration.delimiter,
                                      knownValidUTF8: encoding == .utf8 && fingerprint.utf8.isValid,
                                      limits: limits)
        case .xml:
            let reader = try XMLBatchReader(path: source.path, limits: limits, deferSchemaChecks: true)
            summary.encoding = reader.layout.encoding
            return reader
        }
    }

    /// `discardLedger`: the batch's ledger changes would be rolled back before anything
    /// reads them (the last batch of a dry run), so they are not made at all.
    private func run(_ source: BatchSource, fingerprint: BatchFingerprint, outputDirectory: String,
                     summary: inout BatchSummary, discardLedger: Bool) throws(BatchError) {
        let reader = try makeReader(source, fingerprint, &summary)
        summary.warnings = reader.warnings
        try AtomicFile.makeDirectory(outputDirectory)
        // Under the run lock no other run writes here: temporary files are a killed run's.
        AtomicFile.removeStaleTemporaries(in: outputDirectory)

        let documentsDirectory = configuration.documentsDirectory ?? source.directory
        let verdicts = DocumentChecker.SharedVerdicts()
        let makeStage = { [rules, validator] (render: @escaping (Evaluation, inout [UInt8]) -> Void) in
            EvaluationStage(normalizer: Normalizer(rules: rules), validator: validator,
                            documents: DocumentChecker(baseDirectory: documentsDirectory,
                                                       maxBytes: rules.file.certificate.maxBytes,
                                                       shared: verdicts),
                            render: render)
        }
        let admission = Admission(session: ledger, quota: rules.quota, records: !discardLedger)
        let format = configuration.format ?? (source.format == .xml ? .xml : .csv)
        let files = OutputFiles(directory: outputDirectory, ext: format.rawValue, batchPath: source.path,
                                extraColumns: reader.layout.extraColumns)
        switch format {
        case .csv: try write(CSVRow.self, reader, makeStage, admission, files, &summary)
        case .xml: try write(XMLRow.self, reader, makeStage, admission, files, &summary)
        case .jsonl: try write(JSONLRow.self, reader, makeStage, admission, files, &summary)
        }
        summary.accounts = admission.accountOrder.map { ($0, admission.usage(of: $0)) }
        try writeSummary(summary, to: outputDirectory)
        AtomicFile.syncDirectory(outputDirectory)

        // Only now, with every output in place, does the ledger learn of the batch.
        if discardLedger {
            ledger.rollbackBatch()
        } else {
            try ledger.commitBatch(rows: summary.rows)
        }
    }

    /// Admission and output of every row, in input order, into the three output files.
    /// Generic over the format so this loop is compiled once per format.
    private func write<Format: RowFormat>(_ format: Format.Type, _ reader: BatchReader,
                                          _ makeStage: (@escaping (Evaluation, inout [UInt8]) -> Void) -> EvaluationStage,
                                          _ admission: Admission,
                                          _ files: OutputFiles, _ summary: inout BatchSummary) throws(BatchError) {
        let maxReasons = rules.file.limits.maxReasonsPerRow
        // Indexed by `Outcome.position`: looked up once per row, so no hashing.
        let tables = Outcome.allCases.map {
            OutputTable(outcome: $0, extraColumns: files.extraColumns, maxReasons: maxReasons)
        }
        var outputs: [RecordWriter<Format>] = []
        for table in tables {
            outputs.append(try RecordWriter<Format>(path: "\(files.directory)/\(table.outcome.fileStem).\(files.ext)", table: table))
        }
        // One renderer per thread (each reuses its row buffers).
        let stages = (0..<2).map { _ in
            let renderer = RowRenderer<Format>(tables: tables)
            return makeStage { renderer.render($0, into: &$1) }
        }
        let evaluator = RowEvaluator(reader: reader, workerStage: stages[0], callerStage: stages[1])
        progress?.start(files.batchPath)
        evaluator.start()
        var tally = RowTally()
        defer { tally.fold(into: &summary) }
        do throws(BatchError) {
            rows: while true {
                switch evaluator.next() {
                case .end:
                    break rows
                case .failed(let error):
                    throw error
                case .rows(let chunk):
                    // A batch that fails keeps no counts, so a chunk's can be added before
                    // its rows are written.
                    tally.add(chunk.tally)
                    admission.prefetch(chunk.evaluations)
                    for index in chunk.evaluations.indices {
                        try admitAndWrite(chunk, index, admission, outputs, &summary, &tally)
                    }
                    evaluator.recycle(chunk)
                }
            }
            evaluator.join()
        } catch {
            evaluator.cancel()
            throw error
        }
        progress?.finish()
        try RecordWriter.commit(outputs)
    }

    /// Admission and output, strictly in input order.
    @inline(__always)
    private func admitAndWrite<Format: RowFormat>(_ chunk: EvaluatedChunk, _ index: Int, _ admission: Admission,
                                                  _ outputs: [RecordWriter<Format>],
                                                  _ summary: inout BatchSummary,
                                                  _ tally: inout RowTally) throws(BatchError) {
        // The row is read in place: a copy of the `Evaluation` would retain and release its
        // application and reasons once more per row.
        let app = chunk.evaluations[index].application
        let outcome = chunk.evaluations[index].outcome
        if app.hasValidAccountID {
            try admission.note(app)
        }
        if outcome != .rejected, let refusal = try admission.admit(app, as: outcome) {
            let refused = Evaluation(application: app, reasons: [refusal] + chunk.evaluations[index].reasons)
            try outputs[refused.outcome.position].write(refused)
            // The chunk's tally, already added, counted the row as evaluated.
            tally.remove(chunk.evaluations[index])
            tally.add(refused)
        } else {
            try outputs[outcome.position].write(rendered: chunk.renderedRow(index))
        }
        summary.rows += 1
        progress?.tick(summary.rows)
    }

    private func writeSummary(_ summary: BatchSummary, to directory: String) throws(BatchError) {
        try AtomicFile.makeDirectory(directory)
        let file = try AtomicFile(path: "\(directory)/summary.json")
        try file.write(summary.json.rendered(pretty: true) + "\n")
        try file.commit()
    }
}

/// Where a batch's three output files go and what columns they carry beyond the fields.
private struct OutputFiles {
    let directory: String
    let ext: String
    let batchPath: String
    let extraColumns: [String]
}
