import CLibXML2

/// The schema validation of one `<application>`, left by the XML reader for whichever
/// thread evaluates the application: the reader (the only thread that can parse) stays
/// free to parse. Owns the application's subtree, already unlinked from the document the
/// parser goes on building, and frees it when released: the pipeline releases written
/// rows on the reading thread, so the subtree goes back to the allocator arena it came
/// from instead of contending with the parser for it.
///
/// Safe on another thread: the subtree is detached, its strings are its own (the parser
/// runs without a dictionary), and the batch schema declares no IDs, so validation
/// reads only the subtree and its own validation context.
final class PendingSchemaCheck: @unchecked Sendable {
    private let node: xmlNodePtr?
    /// Start lines of the subtree's elements, in document order (libxml2 keeps lines in
    /// 16 bits); searched only for a diagnostic.
    private let lines: [(node: UnsafeMutableRawPointer, line: Int)]
    private let line: Int

    init(node: xmlNodePtr, lines: [(node: UnsafeMutableRawPointer, line: Int)], line: Int) {
        self.node = node
        self.lines = lines
        self.line = line
    }

    deinit {
        if let node { xmlFreeNode(node) }
    }

    /// `SCHEMA_INVALID` findings for the application.
    func run(_ validator: LibXMLSchemaValidator) -> [Finding] {
        guard let node else { return [] }
        return Self.findings(validator.validate(element: node), lines: lines, line: line)
    }

    /// Findings for diagnostics about a subtree, each with the line of its element.
    static func findings(_ diagnostics: [LibXMLDiagnostic], lines: [(node: UnsafeMutableRawPointer, line: Int)],
                         line: Int) -> [Finding] {
        diagnostics.map {
            Finding(.schemaInvalid, "line \(Self.line(of: $0, lines: lines, fallback: line)): \($0.message)")
        }
    }

    /// The line of the element a message is about, or of its nearest recorded ancestor.
    private static func line(of diagnostic: LibXMLDiagnostic, lines: [(node: UnsafeMutableRawPointer, line: Int)],
                             fallback: Int) -> Int {
        var node = diagnostic.node?.assumingMemoryBound(to: xmlNode.self)
        while let current = node {
            let key = UnsafeMutableRawPointer(current)
            if let entry = lines.first(where: { $0.node == key }) { return entry.line }
            node = current.pointee.parent
        }
        return diagnostic.line > 0 ? diagnostic.line : fallback
    }
}
