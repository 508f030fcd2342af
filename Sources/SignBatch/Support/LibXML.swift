import CLibXML2

/// Process-wide libxml2 setup and the small owners of libxml2 pointers. Every diagnostic
/// is taken from the handler of the context that raised it: libxml2's global "last
/// error" is shared by every thread and would mix up batches processed side by side.
enum LibXML {
    /// Neither initialiser is safe to race; a static let runs them exactly once. libxml2
    /// 2.9 builds the XML Schema built-in types lazily, on the first schema parsed, without
    /// a lock: batches read side by side would race there.
    private static let initialized: Bool = {
        xmlInitParser()
        xmlSchemaInitTypes()
        return true
    }()

    static func initialize() { _ = initialized }

    /// Bytes libxml2 owns, as a Swift string (libxml2 hands out UTF-8 only).
    static func string(_ text: UnsafePointer<xmlChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text)
    }

    /// The value of an attribute without a namespace, or nil.
    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let attribute = xmlHasNsProp(node, name, nil) else { return nil }
        return text(from: attribute.pointee.children)
    }

    /// The text of a node list (text and CDATA nodes; others skipped), without allocating
    /// in libxml2.
    static func text(from first: xmlNodePtr?) -> String {
        // Usually one text node and nothing else: its bytes become the string directly.
        if let only = first, only.pointee.next == nil {
            guard only.pointee.type == XML_TEXT_NODE || only.pointee.type == XML_CDATA_SECTION_NODE,
                  let content = only.pointee.content else { return "" }
            return String(decoding: UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))), as: UTF8.self)
        }
        var bytes: [UInt8] = []
        var child = first
        while let piece = child {
            child = piece.pointee.next
            guard piece.pointee.type == XML_TEXT_NODE || piece.pointee.type == XML_CDATA_SECTION_NODE,
                  let content = piece.pointee.content else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func equals(_ text: UnsafePointer<xmlChar>?, _ name: StaticString) -> Bool {
        guard let text else { return false }
        return name.withUTF8Buffer { expected in
            var index = 0
            while index < expected.count {
                if text[index] != expected[index] { return false }
                index += 1
            }
            return text[index] == 0
        }
    }
}

/// One message of libxml2, copied out of the `xmlError` that only lives during the callback.
struct LibXMLDiagnostic {
    var isError: Bool
    /// libxml2's error code (`xmlParserErrors`), 0 for messages made here.
    var code: Int32 = 0
    var line: Int
    var message: String
    /// The node the message is about (schema validation of a tree), for finding its line.
    var node: UnsafeMutableRawPointer?

    init(_ error: xmlError) {
        isError = error.level.rawValue >= XML_ERR_ERROR.rawValue
        code = error.code
        line = Int(error.line)
        var text = error.message.map { String(cString: $0) } ?? "unknown libxml2 error (code \(error.code))"
        while let last = text.unicodeScalars.last, last == "\n" || last == " " { text.unicodeScalars.removeLast() }
        message = text
        node = error.node
    }

    init(line: Int, message: String) {
        isError = true
        self.line = line
        self.message = message
    }
}

/// Where the structured error handlers of one libxml2 context put their messages.
final class LibXMLDiagnostics {
    var items: [LibXMLDiagnostic] = []

    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ context: UnsafeMutableRawPointer) -> LibXMLDiagnostics {
        Unmanaged<LibXMLDiagnostics>.fromOpaque(context).takeUnretainedValue()
    }

    /// For handlers whose user data is this object.
    static let handler: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        LibXMLDiagnostics.from(context).items.append(LibXMLDiagnostic(error.pointee))
    }

    var errors: [LibXMLDiagnostic] { items.filter(\.isError) }
}

struct LibXMLError: Error, CustomStringConvertible {
    var description: String
}

/// A compiled XML Schema. Read-only once parsed.
final class LibXMLSchema {
    let pointer: xmlSchemaPtr

    /// Parses an in-memory XSD; nothing outside these bytes is read.
    init(_ bytes: [UInt8], name: String) throws(LibXMLError) {
        LibXML.initialize()
        let sink = LibXMLDiagnostics()
        let parsed: xmlSchemaPtr? = withExtendedLifetime(sink) {
            bytes.withUnsafeBytes { buffer -> xmlSchemaPtr? in
                guard let base = buffer.baseAddress,
                      let parser = xmlSchemaNewMemParserCtxt(base.assumingMemoryBound(to: CChar.self),
                                                             Int32(buffer.count)) else { return nil }
                defer { xmlSchemaFreeParserCtxt(parser) }
                xmlSchemaSetParserStructuredErrors(parser, LibXMLDiagnostics.handler, sink.context)
                return xmlSchemaParse(parser)
            }
        }
        guard let parsed else {
            let messages = sink.items.map { "line \($0.line): \($0.message)" }.joined(separator: "; ")
            throw LibXMLError(description: "\(name) is not a usable XML Schema: \(messages)")
        }
        pointer = parsed
    }

    deinit { xmlSchemaFree(pointer) }

    /// The batch input schema shipped in the package.
    static func batch() throws(LibXMLError) -> LibXMLSchema {
        try LibXMLSchema(PackageResources.signbatch_xsd, name: "signbatch.xsd")
    }

    /// The schema of the XML outputs (accepted, rejected, needs-documents).
    static func output() throws(LibXMLError) -> LibXMLSchema {
        try LibXMLSchema(PackageResources.signbatch_output_xsd, name: "signbatch-output.xsd")
    }
}

/// A validation context of one schema; messages go to this object only.
final class LibXMLSchemaValidator {
    private let schema: LibXMLSchema
    private let pointer: xmlSchemaValidCtxtPtr
    private let sink = LibXMLDiagnostics()

    init(_ schema: LibXMLSchema) throws(LibXMLError) {
        guard let pointer = xmlSchemaNewValidCtxt(schema.pointer) else {
            throw LibXMLError(description: "libxml2 could not create a schema validation context")
        }
        self.schema = schema
        self.pointer = pointer
        xmlSchemaSetValidStructuredErrors(pointer, LibXMLDiagnostics.handler, sink.context)
    }

    deinit { xmlSchemaFreeValidCtxt(pointer) }

    /// Validates `element` as if it were a document's root, against the schema's global
    /// declaration of its name. The errors only: warnings never make an instance invalid.
    func validate(element: xmlNodePtr) -> [LibXMLDiagnostic] {
        sink.items.removeAll(keepingCapacity: true)
        let result = xmlSchemaValidateOneElement(pointer, element)
        return outcome(result)
    }

    func validate(document: xmlDocPtr) -> [LibXMLDiagnostic] {
        sink.items.removeAll(keepingCapacity: true)
        let result = xmlSchemaValidateDoc(pointer, document)
        return outcome(result)
    }

    private func outcome(_ result: Int32) -> [LibXMLDiagnostic] {
        let errors = sink.errors
        if result != 0 && errors.isEmpty {
            // A negative result is an internal failure that reports nothing of its own.
            return [LibXMLDiagnostic(line: 0, message: "libxml2 could not validate the element (code \(result))")]
        }
        return errors
    }
}

/// A parser context; frees a document it still holds.
final class LibXMLParserContext {
    let pointer: xmlParserCtxtPtr

    init(_ pointer: xmlParserCtxtPtr) { self.pointer = pointer }

    deinit {
        if let document = pointer.pointee.myDoc {
            pointer.pointee.myDoc = nil
            xmlFreeDoc(document)
        }
        xmlFreeParserCtxt(pointer)
    }
}

/// A whole document in memory: only for small files (the outputs' schema check, shells
/// built for one element). Batches are never read this way.
final class LibXMLDocument {
    let pointer: xmlDocPtr

    init() {
        LibXML.initialize()
        pointer = xmlNewDoc("1.0")
    }

    private init(taking pointer: xmlDocPtr) { self.pointer = pointer }

    deinit { xmlFreeDoc(pointer) }

    /// Parses without network access, DTD loading or entity substitution.
    static func parse(_ bytes: [UInt8], name: String) throws(LibXMLError) -> LibXMLDocument {
        LibXML.initialize()
        guard let raw = xmlNewParserCtxt() else {
            throw LibXMLError(description: "libxml2 could not create a parser context")
        }
        let context = LibXMLParserContext(raw)
        let sink = LibXMLDiagnostics()
        raw.pointee._private = sink.context
        // Parser errors carry the context itself as user data; the sink hangs off `_private`.
        raw.pointee.sax.pointee.serror = { userData, error in
            guard let userData, let error,
                  let sink = userData.assumingMemoryBound(to: xmlParserCtxt.self).pointee._private else { return }
            LibXMLDiagnostics.from(sink).items.append(LibXMLDiagnostic(error.pointee))
        }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NODICT.rawValue)
        let document: xmlDocPtr? = withExtendedLifetime(sink) {
            bytes.withUnsafeBytes { buffer in
                xmlCtxtReadMemory(context.pointer, buffer.baseAddress?.assumingMemoryBound(to: CChar.self),
                                  Int32(buffer.count), name, nil, options)
            }
        }
        let errors = sink.errors
        guard let document, errors.isEmpty else {
            if let document { xmlFreeDoc(document) }
            let messages = errors.map { "line \($0.line): \($0.message)" }.joined(separator: "; ")
            throw LibXMLError(description: "\(name) is not well-formed XML: \(messages)")
        }
        return LibXMLDocument(taking: document)
    }
}
