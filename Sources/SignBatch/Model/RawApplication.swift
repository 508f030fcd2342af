/// One application as a reader found it: field text exactly as given (decoded, not
/// normalized), the physical line where it starts, and any problem the reader
/// itself saw (a ragged CSV row, an XML element that breaks the schema).
///
/// The fields' UTF-8 bytes lie end to end in one buffer, each field a span of it (`RowText`):
/// a row costs at most one allocation however many fields it has, and the stages that only
/// check or copy a field read its bytes without making a `String` of it.
public struct RawApplication: Sendable {
    public var line: Int
    private(set) var text: RowText
    /// Values of the batch's unknown columns, in the order of `BatchLayout.extraColumns`.
    public var extras: [String]
    public var problems: [Finding]
    /// Schema validation the XML reader left to the evaluating thread; its findings follow
    /// `problems`.
    var pendingSchemaCheck: PendingSchemaCheck?

    public init(line: Int, values: [String?] = [], extras: [String] = [], problems: [Finding] = []) {
        self.line = line
        text = RowText.empty
        self.extras = extras
        self.problems = problems
        for (index, value) in values.enumerated() {
            if let field = Field(rawValue: index) { self[field] = value }
        }
    }

    /// The fields at `spans` (indexed by `Field.rawValue`) of `text`, which must be valid
    /// UTF-8 with every field starting and ending on a scalar boundary (`isValidText`):
    /// copied as they are.
    /// With an `arena`, the text goes into its current block.
    init(line: Int, validText text: UnsafeBufferPointer<UInt8>, spans: borrowing FieldSpans,
         extras: [String] = [], problems: [Finding] = [], arena: RowTextArena? = nil) {
        self.line = line
        if let arena {
            self.text = arena.make(text, spans: copy spans)
        } else {
            self.text = RowText.make(text, spans: copy spans)
        }
        self.extras = extras
        self.problems = problems
    }

    /// The fields at `spans` of `text`, each decoded on its own (invalid UTF-8 replaced):
    /// for text that `init(line:validText:spans:)` cannot take.
    init(line: Int, anyText text: UnsafeBufferPointer<UInt8>, spans: borrowing FieldSpans,
         extras: [String] = [], problems: [Finding] = []) {
        self.init(line: line, extras: extras, problems: problems)
        for index in spans.indices where spans[index].isPresent {
            self.text = self.text.replacing(index, with: String(decoding: UnsafeBufferPointer(rebasing: text[spans[index].range]),
                                                                 as: UTF8.self))
        }
    }

    /// Whether `init(line:validText:spans:)` may take `text` and `spans`: valid UTF-8, and
    /// no field starting or ending inside a multi-byte sequence.
    static func isValidText(_ text: UnsafeBufferPointer<UInt8>, spans: borrowing FieldSpans) -> Bool {
        guard UTF8Census.isValid(text) else { return false }
        for index in spans.indices where spans[index].isPresent {
            let range = spans[index].range
            if range.lowerBound < text.count, text[range.lowerBound] & 0xC0 == 0x80 { return false }
            if range.upperBound < text.count, text[range.upperBound] & 0xC0 == 0x80 { return false }
        }
        return true
    }

    /// Runs the schema check the XML reader left, if any: its findings join `problems`.
    mutating func runPendingSchemaCheck(_ validator: LibXMLSchemaValidator) {
        guard let check = pendingSchemaCheck else { return }
        problems += check.run(validator)
        pendingSchemaCheck = nil
    }

    /// Whether the batch gives the field at all (a column or element, even if empty).
    @inline(__always)
    public func has(_ field: Field) -> Bool { text.span(field).isPresent }

    /// The field's span of the row's bytes; an empty span when absent.
    @inline(__always)
    func span(_ field: Field) -> TextSpan {
        let span = text.span(field)
        return span.isPresent ? span : TextSpan(0..<0)
    }

    /// `body` with the field's bytes (empty when absent).
    @inline(__always)
    func withBytes<R>(_ field: Field, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        text.withBytes(span(field).range, body)
    }

    public subscript(field: Field) -> String? {
        get { has(field) ? withBytes(field) { String(decoding: $0, as: UTF8.self) } : nil }
        set { text = text.replacing(field.rawValue, with: newValue) }
    }

    /// Indexed by `Field.rawValue`; `nil` when the batch has no such column or element.
    public var values: [String?] { Field.allCases.map { self[$0] } }
}

/// Each field's span of a row's bytes, indexed by `Field.rawValue`.
typealias FieldSpans = InlineArray<15, TextSpan>

/// Where a field's text lies in a row's byte buffer (32-bit: rows are far smaller).
struct TextSpan: Sendable {
    var start: Int32
    var end: Int32

    /// A field the batch does not give.
    static let absent = TextSpan(start: -1, end: -1)

    init(start: Int32, end: Int32) {
        self.start = start
        self.end = end
    }

    init(_ range: Range<Int>) {
        start = Int32(truncatingIfNeeded: range.lowerBound)
        end = Int32(truncatingIfNeeded: range.upperBound)
    }

    var isPresent: Bool { start >= 0 }
    var range: Range<Int> { Int(start)..<Int(end) }
}

/// What a reader knows about a batch as a whole once its header (or first element) is read.
public struct BatchLayout: Sendable, Equatable {
    /// Names of columns that are not fields, carried through to every output.
    public var extraColumns: [String]
    public var encoding: String

    public init(extraColumns: [String] = [], encoding: String = "utf-8") {
        self.extraColumns = extraColumns
        self.encoding = encoding
    }
}
