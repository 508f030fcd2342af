/// Reads an XML batch (SPEC §2): root `<applications>`, one `<application>` per row, its
/// children named like the CSV columns. The file is streamed through libxml2 in chunks and
/// each application is checked against the shipped schema on its own, so one broken
/// application is rejected (`SCHEMA_INVALID`) and the others go on. A document that is not
/// well-formed, has another root, a DOCTYPE, or nests deeper than the limit fails the batch.
public final class XMLBatchReader: BatchReader {
    public private(set) var layout: BatchLayout
    public let warnings: [Finding] = []
    private let input: FileInput
    private let parser: XMLApplicationParser
    private let buffer: UnsafeMutableRawBufferPointer
    private var finished = false

    public static let chunkSize = 1 << 16

    /// `chunkSize` is the most bytes handed to libxml2 at once; tests and the fuzzer make it
    /// tiny so that every construct of the document is split between two pushes somewhere.
    /// With `deferSchemaChecks`, applications come with their schema validation still to
    /// run (`RawApplication.pendingSchemaCheck`), for the pipeline's evaluating threads.
    public init(path: String, limits: RulesFile.InputLimits, chunkSize: Int = XMLBatchReader.chunkSize,
                deferSchemaChecks: Bool = false) throws(BatchError) {
        input = try FileInput(path: path)
        parser = try XMLApplicationParser(path: path, limits: limits, deferSchemaChecks: deferSchemaChecks)
        buffer = .allocate(byteCount: max(chunkSize, 1), alignment: 16)
        layout = BatchLayout()
        // Up to the root's start tag, so that a wrong root, a DOCTYPE or a broken prolog
        // fail here and the encoding is known.
        while !parser.rootSeen && !finished { try feed() }
        layout.encoding = parser.encoding
    }

    deinit { buffer.deallocate() }

    public func next() throws(BatchError) -> RawApplication? {
        while true {
            if let failure = parser.failure { throw failure }
            if let application = parser.nextReady() { return application }
            if finished { return nil }
            try feed()
        }
    }

    private func feed() throws(BatchError) {
        let count = try input.read(into: buffer)
        if count == 0 { finished = true }
        try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), terminate: count == 0)
    }
}
