import CLibXML2

/// The SAX side of `XMLBatchReader`: a libxml2 push parser that builds one `<application>`
/// subtree at a time, validates it against the batch schema's global `application`
/// declaration, turns it into a `RawApplication` and frees it. The document never holds
/// more than its root and the application being read, so memory stays flat.
///
/// Why SAX rather than `xmlTextReader`: the reader only hands out its first node once the
/// root's start tag has been parsed, by which time the internal subset (and, within the
/// same chunk, references to its entities) has been processed. The `internalSubset`
/// callback fires right after `<!DOCTYPE name ExternalID`, before `[`: the parser is
/// stopped there, so no declaration is ever read, let alone expanded.
///
/// Why one validation per application rather than a schema plugged into the stream: an
/// error then belongs to exactly one application, and nothing an application does (an
/// unexpected element, a repeated one) can change how the next one is judged.
final class XMLApplicationParser {
    let path: String
    private let limits: RulesFile.InputLimits
    private let validator: LibXMLSchemaValidator
    private let context: LibXMLParserContext
    private var ctxt: xmlParserCtxtPtr { context.pointer }

    // The state below is read and written by every SAX callback, one at a time and never
    // across a call that could re-enter the parser: the per-access exclusivity checks of
    // class properties (a few percent of the parsing thread, the one that bounds an XML
    // run) are left out.

    /// Applications read but not yet handed out, oldest first.
    private var ready: [RawApplication] = []
    private var readyHead = 0
    @exclusivity(unchecked) private(set) var failure: BatchError?
    private(set) var rootSeen = false
    private(set) var encoding = "utf-8"
    private var bytesParsed = 0

    /// Element depth at the parser's position; the root is 1, applications 2, fields 3.
    @exclusivity(unchecked) private var depth = 0
    /// Open elements from the root down to this depth were handed to libxml2's tree builder.
    @exclusivity(unchecked) private var builtDepth = 0
    private var root: xmlNodePtr?
    @exclusivity(unchecked) private var current: Pending?
    /// The text of the current application's fields, kept here rather than as text nodes
    /// in its subtree (the schema types them `xs:string`: no text can break it, and
    /// building the nodes was most of the reader's allocations). Each field's span of it, as
    /// the application will keep it; a field's first element counts, as when reading the tree.
    @exclusivity(unchecked) private var fieldText: [UInt8] = []
    @exclusivity(unchecked) private var fieldSpans = FieldSpans(repeating: .absent)
    private let arena = RowTextArena()
    /// The field whose element is open at depth 3 and collects text, if any.
    @exclusivity(unchecked) private var textField: Field?

    private struct Pending {
        var node: xmlNodePtr
        var line: Int
        /// Start lines of the elements of the subtree (libxml2 keeps them in 16 bits), in
        /// document order; searched only for a diagnostic.
        var lines: [(node: UnsafeMutableRawPointer, line: Int)] = []
        /// Bytes of text, element names and attribute values kept so far (bounded by
        /// `maxRowBytes`; after that nothing more of the application is kept).
        var bytes = 0
        var truncated = false
        var fieldBytes = 0
        var overlongFields: [String] = []
    }

    /// Set: each application's schema validation is left to whoever evaluates it
    /// (`RawApplication.pendingSchemaCheck`) instead of being done while parsing.
    let deferSchemaChecks: Bool

    init(path: String, limits: RulesFile.InputLimits, deferSchemaChecks: Bool = false) throws(BatchError) {
        LibXML.initialize()
        self.path = path
        self.limits = limits
        self.deferSchemaChecks = deferSchemaChecks
        do {
            validator = try LibXMLSchemaValidator(LibXMLSchema.batch())
        } catch {
            throw BatchError(.io, path: path, "cannot load the batch schema: \(error.description)")
        }
        var handler = xmlSAXHandler()
        xmlSAXVersion(&handler, 2)
        Self.install(&handler)
        guard let raw = xmlCreatePushParserCtxt(&handler, nil, nil, 0, path) else {
            throw BatchError(.io, path: path, "libxml2 could not create a parser")
        }
        context = LibXMLParserContext(raw)
        // No option that reads beyond the batch (NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE).
        // NODICT: short texts would otherwise be interned for the whole run, so the
        // dictionary would grow with the file. NOCDATA: CDATA arrives as characters.
        let options = XML_PARSE_NONET.rawValue | XML_PARSE_NODICT.rawValue | XML_PARSE_NOCDATA.rawValue
        xmlCtxtUseOptions(raw, Int32(options))
        // The SAX callbacks get the parser context as user data (libxml2's tree builder
        // needs it); this object is found through its `_private` slot.
        raw.pointee._private = Unmanaged.passUnretained(self).toOpaque()
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> XMLApplicationParser {
        let ctxt = ctx!.assumingMemoryBound(to: xmlParserCtxt.self)
        return Unmanaged<XMLApplicationParser>.fromOpaque(ctxt.pointee._private!).takeUnretainedValue()
    }

    private static func install(_ handler: inout xmlSAXHandler) {
        handler.internalSubset = { ctx, name, _, _ in
            XMLApplicationParser.from(ctx).refuseDoctype(name)
        }
        // Unreachable once the DOCTYPE is refused. Their defaults are what loads an external
        // DTD subset or entity; nothing here may use them.
        handler.externalSubset = nil
        handler.resolveEntity = nil
        // Comments and processing instructions carry nothing and would otherwise pile up
        // in the tree between applications.
        handler.comment = nil
        handler.processingInstruction = nil
        handler.startElementNs = { ctx, localname, prefix, uri, nbNamespaces, namespaces,
                                   nbAttributes, nbDefaulted, attributes in
            XMLApplicationParser.from(ctx).startElement(localname, prefix, uri, nbNamespaces, namespaces,
                                   nbAttributes, nbDefaulted, attributes)
        }
        handler.endElementNs = { ctx, localname, prefix, uri in
            XMLApplicationParser.from(ctx).endElement(localname, prefix, uri)
        }
        handler.characters = { ctx, text, length in
            XMLApplicationParser.from(ctx).characters(text, Int(length))
        }
        handler.ignorableWhitespace = handler.characters
        handler.cdataBlock = handler.characters
        handler.serror = { ctx, error in
            guard let error else { return }
            XMLApplicationParser.from(ctx).parserDiagnostic(LibXMLDiagnostic(error.pointee))
        }
    }

    // MARK: Driving the parser

    /// Feeds the next bytes of the batch; `terminate` with the last (possibly empty) piece.
    func parse(_ bytes: UnsafeRawBufferPointer, terminate: Bool) throws(BatchError) {
        if let failure { throw failure }
        if terminate && bytesParsed == 0 {
            fail(line: 1, "the batch is empty: no <applications> element")
            throw failure!
        }
        bytesParsed += bytes.count
        // libxml2 raises the errors of a converter (a declared encoding, a UTF-16 BOM) without
        // the parser context, through its per-thread handler. Unheard, they are printed on
        // stderr, and the batch's fate depends on where the chunks end: some converters skip
        // the bad bytes and the document reads as well-formed, silently changed; with the
        // same bytes pushed in other pieces it fails as "libxml2 error -1". Heard here for
        // the length of the push, they fail the batch wherever they occur.
        let savedHandler = __xmlStructuredError().pointee
        let savedContext = __xmlStructuredErrorContext().pointee
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(self).toOpaque(), Self.unboundDiagnostic)
        defer { xmlSetStructuredErrorFunc(savedContext, savedHandler) }
        let result = xmlParseChunk(ctxt, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                                   Int32(bytes.count), terminate ? 1 : 0)
        if failure == nil && (result != 0 || ctxt.pointee.wellFormed == 0) {
            fail(line: currentLine, "the XML is not well-formed (libxml2 error \(result))")
        }
        if failure == nil && terminate && !rootSeen {
            fail(line: currentLine, "the batch holds no <applications> element")
        }
        if let failure { throw failure }
    }

    func nextReady() -> RawApplication? {
        guard readyHead < ready.count else { return nil }
        let application = ready[readyHead]
        readyHead += 1
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
        }
        return application
    }

    private var currentLine: Int { Int(xmlSAX2GetLineNumber(ctxt)) }

    /// `stop: false` from inside libxml2's input conversion: stopping there frees the input
    /// buffer the converter is still writing to. The callbacks ignore the rest of the chunk
    /// once `failure` is set, and `parse` refuses any further one.
    private func fail(line: Int, _ message: String, stop: Bool = true) {
        guard failure == nil else { return }
        failure = BatchError(.malformed, path: path, line: line, message)
        if stop { xmlStopParser(ctxt) }
    }

    // MARK: Callbacks

    private func parserDiagnostic(_ diagnostic: LibXMLDiagnostic) {
        // Warnings (a relative namespace URI, say) do not make a document unreadable.
        guard diagnostic.isError else { return }
        if diagnostic.code == Int32(XML_ERR_DOCUMENT_END.rawValue) && depth > 0 {
            // libxml2 words a file cut short inside the root as "Extra content at the end".
            fail(line: diagnostic.line, "the XML is not well-formed: the file ends before </applications> (\(depth) element\(depth == 1 ? " is" : "s are") still open)")
            return
        }
        if diagnostic.code == Int32(XML_ERR_DOCUMENT_EMPTY.rawValue) {
            // Said of any text where the first element should be, not only of an empty file.
            fail(line: diagnostic.line, "the XML is not well-formed: text where the root element should begin (libxml2: \(diagnostic.message))")
            return
        }
        fail(line: diagnostic.line, "the XML is not well-formed: \(diagnostic.message)")
    }

    /// Errors libxml2 raises outside the parser context while this parser pushes a chunk.
    private static let unboundDiagnostic: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let parser = Unmanaged<XMLApplicationParser>.fromOpaque(context).takeUnretainedValue()
        let diagnostic = LibXMLDiagnostic(error.pointee)
        guard diagnostic.isError else { return }
        let domain = error.pointee.domain
        if domain == Int32(XML_FROM_I18N.rawValue) || domain == Int32(XML_FROM_IO.rawValue) {
            // Conversion runs ahead of parsing, so the bytes are at or after the current line.
            let declared = parser.ctxt.pointee.input?.pointee.encoding.map { LibXML.string($0) }
            parser.fail(line: parser.currentLine,
                        "the XML is not well-formed: at or after this line it holds bytes that are not valid \(declared ?? "text in its encoding") (libxml2: \(diagnostic.message))",
                        stop: false)
        } else {
            parser.fail(line: parser.currentLine, "the XML could not be read: \(diagnostic.message)", stop: false)
        }
    }

    private func refuseDoctype(_ name: UnsafePointer<xmlChar>?) {
        fail(line: currentLine,
             "the batch has a DOCTYPE (<!DOCTYPE \(LibXML.string(name).prefix(64))>): DTDs and entity declarations are refused, nothing they name is read")
    }

    private func startElement(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
                              _ uri: UnsafePointer<xmlChar>?, _ nbNamespaces: Int32,
                              _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                              _ nbAttributes: Int32, _ nbDefaulted: Int32,
                              _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        depth += 1
        guard failure == nil else { return }
        let line = currentLine
        if depth > limits.maxXMLDepth {
            fail(line: line, "elements are nested deeper than \(limits.maxXMLDepth) levels")
            return
        }
        func build() {
            xmlSAX2StartElementNs(ctxt, localname, prefix, uri, nbNamespaces, namespaces,
                                  nbAttributes, nbDefaulted, attributes)
            builtDepth = depth
        }
        switch depth {
        case 1:
            guard LibXML.equals(localname, "applications"), uri == nil else {
                let name = LibXML.string(localname)
                let space = uri.map { " in namespace \(LibXML.string($0))" } ?? ""
                fail(line: line, "the root element is <\(name)>\(space); a batch's root must be <applications> (no namespace)")
                return
            }
            if let encoder = ctxt.pointee.input?.pointee.buf?.pointee.encoder,
               encoder.pointee.input == nil, encoder.pointee.iconv_in == nil {
                // Neither built in nor known to iconv: libxml2 fell back on ICU, and with ICU
                // it drops a bad or cut sequence without a word when it ends a chunk.
                let name = encoder.pointee.name.map { String(cString: $0) } ?? ""
                fail(line: line, "the declared encoding '\(name.prefix(64))' is not supported: declare UTF-8, UTF-16 or a name iconv knows (GB18030, GBK, Big5, ...)")
                return
            }
            build()
            root = ctxt.pointee.node
            rootSeen = true
            encoding = documentEncoding()
            if nbAttributes > 0, let root {
                // Attributes of the root belong to no application: the batch as a whole breaks
                // the schema.
                let shell = LibXMLDocument()
                let copy = xmlDocCopyNode(root, shell.pointer, 2)
                xmlDocSetRootElement(shell.pointer, copy)
                if let error = validator.validate(document: shell.pointer).first {
                    fail(line: line, "the batch breaks the schema: \(error.message)")
                }
            }
        case 2:
            build()
            // libxml2 reports its own failure (out of memory) when no node was made.
            guard failure == nil, let node = ctxt.pointee.node, node != root else { return }
            var pending = Pending(node: node, line: line)
            pending.lines.append((UnsafeMutableRawPointer(node), line))
            pending.bytes = Self.size(localname, nbAttributes, attributes)
            current = pending
            fieldText.removeAll(keepingCapacity: true)
            fieldSpans = FieldSpans(repeating: .absent)
        default:
            guard current != nil, !current!.truncated else { return }
            current!.bytes += Self.size(localname, nbAttributes, attributes)
            if depth == 3 { current!.fieldBytes = 0 }
            if current!.bytes > limits.maxRowBytes {
                current!.truncated = true
                return
            }
            guard builtDepth == depth - 1 else { return }
            build()
            if let node = ctxt.pointee.node { current!.lines.append((UnsafeMutableRawPointer(node), line)) }
            if depth == 3, uri == nil, let localname,
               let field = Field.byName.value(for: UnsafeBufferPointer(start: localname, count: Int(xmlStrlen(localname)))),
               !fieldSpans[field.rawValue].isPresent {
                textField = field
                fieldSpans[field.rawValue] = TextSpan(fieldText.count..<fieldText.count)
            }
        }
    }

    private func endElement(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
                            _ uri: UnsafePointer<xmlChar>?) {
        defer { depth -= 1 }
        guard failure == nil else { return }
        if depth == 3 { textField = nil }
        if depth == builtDepth {
            xmlSAX2EndElementNs(ctxt, localname, prefix, uri)
            builtDepth -= 1
        }
        if depth == 2, let pending = current {
            current = nil
            finish(pending)
        }
    }

    private func characters(_ text: UnsafePointer<xmlChar>?, _ length: Int) {
        guard failure == nil, let text, length > 0 else { return }
        if depth <= 1 {
            let buffer = UnsafeBufferPointer(start: text, count: length)
            // Between applications only layout whitespace may appear (element-only content).
            if let index = buffer.firstIndex(where: { !Self.isXMLSpace($0) }) {
                rootText(String(decoding: buffer[index...].prefix(64), as: UTF8.self))
            }
            return
        }
        guard current != nil, !current!.truncated, builtDepth == depth else { return }
        var count = length
        if depth == 3 {
            let room = limits.maxFieldBytes - current!.fieldBytes
            if count > room {
                count = Self.utf8Prefix(text, max(room, 0))
                // Text at depth 3 is only taken while its element is built: it is the parser's node.
                if room >= 0 { current!.overlongFields.append(LibXML.string(ctxt.pointee.node?.pointee.name)) }
                current!.fieldBytes = limits.maxFieldBytes + 1
            } else {
                current!.fieldBytes += count
            }
        }
        current!.bytes += count
        if current!.bytes > limits.maxRowBytes {
            current!.truncated = true
            return
        }
        // Layout whitespace between an application's fields is element-only content, which
        // the schema ignores (it still counts towards the size limit above). Not building
        // it saves a text node for every field.
        if depth == 2, UnsafeBufferPointer(start: text, count: count).allSatisfy(Self.isXMLSpace) { return }
        if depth == 3 {
            if let field = textField, count > 0 {
                fieldText.append(contentsOf: UnsafeBufferPointer(start: text, count: count))
                // At most `limits.maxRowBytes` (64 MiB): a 32-bit offset.
                fieldSpans[field.rawValue].end = Int32(fieldText.count)
            }
            return
        }
        if count > 0 { xmlSAX2Characters(ctxt, text, Int32(count)) }
    }

    /// Text directly inside `<applications>` belongs to no application: the batch fails,
    /// with the message libxml2 gives for it.
    private func rootText(_ sample: String) {
        let line = currentLine
        let shell = LibXMLDocument()
        let copy = xmlNewDocNode(shell.pointer, nil, "applications", nil)
        xmlDocSetRootElement(shell.pointer, copy)
        xmlAddChild(copy, xmlNewDocText(shell.pointer, sample))
        let message = validator.validate(document: shell.pointer).first?.message
            ?? "text is not allowed directly inside <applications>"
        fail(line: line, "the batch breaks the schema: \(message)")
    }

    // MARK: One application

    private func finish(_ pending: Pending) {
        let node = pending.node
        var problems: [Finding] = []
        for field in pending.overlongFields {
            problems.append(Finding(.rowMalformed,
                "element \(field) holds more than \(limits.maxFieldBytes) bytes of text; it was cut there"))
        }
        if pending.truncated {
            problems.append(Finding(.rowMalformed,
                "the application is longer than \(limits.maxRowBytes) bytes; the rest of it was not read"))
        }
        let isApplication = LibXML.equals(node.pointee.name, "application") && node.pointee.ns == nil
        if !isApplication {
            let diagnostics = validateInShell(node).map {
                var diagnostic = $0
                diagnostic.node = UnsafeMutableRawPointer(node)
                return diagnostic
            }
            problems += PendingSchemaCheck.findings(diagnostics, lines: pending.lines, line: pending.line)
        }
        var application = fieldText.withUnsafeBufferPointer { text in
            // A field cut at the size limit may end inside a sequence: decoded on its own.
            RawApplication.isValidText(text, spans: fieldSpans)
                ? RawApplication(line: pending.line, validText: text, spans: fieldSpans, problems: problems, arena: arena)
                : RawApplication(line: pending.line, anyText: text, spans: fieldSpans, problems: problems)
        }
        // Detached before validation: the parser goes on adding siblings to the root.
        xmlUnlinkNode(node)
        if isApplication {
            application.pendingSchemaCheck = PendingSchemaCheck(node: node, lines: pending.lines, line: pending.line)
            if !deferSchemaChecks { application.runPendingSchemaCheck(validator) }
        } else {
            xmlFreeNode(node)
        }
        ready.append(application)
    }

    /// An element other than `<application>` where an application belongs is judged as a
    /// child of a bare root, so libxml2 says what it expected there.
    private func validateInShell(_ node: xmlNodePtr) -> [LibXMLDiagnostic] {
        let shell = LibXMLDocument()
        let shellRoot = xmlNewDocNode(shell.pointer, nil, "applications", nil)
        xmlDocSetRootElement(shell.pointer, shellRoot)
        xmlAddChild(shellRoot, xmlDocCopyNode(node, shell.pointer, 1))
        return validator.validate(document: shell.pointer)
    }

    // MARK: Helpers

    /// The declared encoding, else the one libxml2 detected from a byte-order mark, in
    /// lower case; UTF-8 when nothing says otherwise.
    private func documentEncoding() -> String {
        if let declared = ctxt.pointee.input?.pointee.encoding ?? ctxt.pointee.encoding {
            return LibXML.string(declared).lowercased()
        }
        if let detected = ctxt.pointee.input?.pointee.buf?.pointee.encoder?.pointee.name {
            return String(cString: detected).lowercased()
        }
        return "utf-8"
    }

    private static func size(_ localname: UnsafePointer<xmlChar>?, _ nbAttributes: Int32,
                             _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) -> Int {
        var size = localname.map { Int(xmlStrlen($0)) } ?? 0
        if let attributes {
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            for index in 0..<Int(nbAttributes) {
                if let name = attributes[index * 5] { size += Int(xmlStrlen(name)) }
                if let start = attributes[index * 5 + 3], let end = attributes[index * 5 + 4] {
                    size += end - start
                }
            }
        }
        return size
    }

    private static func isXMLSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The longest prefix of at most `limit` bytes that does not split a UTF-8 sequence.
    private static func utf8Prefix(_ text: UnsafePointer<xmlChar>, _ limit: Int) -> Int {
        var count = limit
        while count > 0 && (text[count] & 0xC0) == 0x80 { count -= 1 }
        return count
    }
}
