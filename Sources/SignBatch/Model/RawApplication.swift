/// One application as a reader found it: field text exactly as given (decoded, not
/// normalized), the physical line where it starts, and any problem the reader
/// itself saw (a ragged CSV row, an XML element that breaks the schema).
///
/// The fields' UTF-8 bytes lie end to end in one buffer, each field a span of it: a row
/// costs one allocation however many fields it has, and the stages that only check or copy
/// a field read its bytes without making a `String` of it.
public struct RawApplication: Sendable {
    public var line: Int
    /// Valid UTF-8: readers replace what is not.
    private(set) var bytes: [UInt8]
    private var spans: InlineArray<15, TextSpan>
    /// Values of the batch's unknown columns, in the order of `BatchLayout.extraColumns`.
    public var extras: [String]
    public var problems: [Finding]
    /// Schema validation the XML reader left to the evaluating thread; its findings follow
    /// `problems`.
    var pendingSchemaCheck: PendingSchemaCheck?

    public init(line: Int, values: [String?] = [], extras: [String] = [], problems: [Finding] = []) {
        self.line = line
        bytes = []
        spans = InlineArray(repeating: .absent)
        self.extras = extras
        self.problems = problems
        for (index, value) in values.enumerated() {
            if let field = Field(rawValue: index) { self[field] = value }
        }
    }

    /// The fields at `ranges` (indexed by `Field.rawValue`, `nil` when absent) of `text`,
    /// which must be valid UTF-8 with every field starting and ending on a scalar boundary
    /// (`isValidText`): copied as they are.
    init(line: Int, validText text: UnsafeBufferPointer<UInt8>, ranges: borrowing InlineArray<15, Range<Int>?>,
         extras: [String] = [], problems: [Finding] = []) {
        self.line = line
        bytes = Array(text)
        spans = InlineArray(repeating: .absent)
        for index in 0..<15 {
            if let range = ranges[index] { spans[index] = TextSpan(range) }
        }
        self.extras = extras
        self.problems = problems
    }

    /// The fields at `ranges` of `text`, each decoded on its own (invalid UTF-8 replaced):
    /// for text that `init(line:validText:ranges:)` cannot take.
    init(line: Int, anyText text: UnsafeBufferPointer<UInt8>, ranges: borrowing InlineArray<15, Range<Int>?>,
         extras: [String] = [], problems: [Finding] = []) {
        self.init(line: line, extras: extras, problems: problems)
        for index in 0..<15 {
            if let range = ranges[index] {
                append(String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self), at: index)
            }
        }
    }

    /// Whether `init(line:validText:ranges:)` may take `text` and `ranges`: valid UTF-8, and
    /// no field starting or ending inside a multi-byte sequence.
    static func isValidText(_ text: UnsafeBufferPointer<UInt8>, ranges: borrowing InlineArray<15, Range<Int>?>) -> Bool {
        guard UTF8Census.firstInvalidOffset(in: text) == nil else { return false }
        for index in 0..<15 {
            guard let range = ranges[index] else { continue }
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
    public func has(_ field: Field) -> Bool { spans[field.rawValue].isPresent }

    /// The field's span of `bytes`; an empty span when absent.
    @inline(__always)
    func span(_ field: Field) -> TextSpan {
        let span = spans[field.rawValue]
        return span.isPresent ? span : TextSpan(0..<0)
    }

    /// `body` with the field's bytes (empty when absent).
    @inline(__always)
    func withBytes<R>(_ field: Field, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let span = span(field)
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[span.range])) }
    }

    public subscript(field: Field) -> String? {
        get { has(field) ? withBytes(field) { String(decoding: $0, as: UTF8.self) } : nil }
        set {
            if let newValue {
                append(newValue, at: field.rawValue)
            } else {
                spans[field.rawValue] = .absent
            }
        }
    }

    /// Indexed by `Field.rawValue`; `nil` when the batch has no such column or element.
    public var values: [String?] { Field.allCases.map { self[$0] } }

    private mutating func append(_ value: String, at index: Int) {
        let start = bytes.count
        bytes += value.utf8
        spans[index] = TextSpan(start..<bytes.count)
    }
}

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
    var isEmpty: Bool { start == end }
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
