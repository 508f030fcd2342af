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

/// A row's field text: its UTF-8 bytes (valid: readers replace what is not) and each
/// field's span of them, end to end in a `RowTextBlock` at `offset`. Never changed once made.
///
/// A reader puts the text of many rows into one block (`RowTextArena`): a row's text was
/// an allocation of its own, and its `malloc` and `free` cost more than copying its bytes.
struct RowText: @unchecked Sendable {
    private let block: RowTextBlock
    /// Where the row's header (`RowTextHeader`) starts; its bytes follow the header.
    private let offset: Int

    static let empty = make(UnsafeBufferPointer(start: nil, count: 0), spans: InlineArray(repeating: .absent))

    /// The bytes a row of `count` bytes takes in a block: its header, its bytes, and padding
    /// to keep the next header aligned.
    @inline(__always)
    static func footprint(_ count: Int) -> Int {
        let alignment = MemoryLayout<RowTextHeader>.alignment
        return (MemoryLayout<RowTextHeader>.stride + count + alignment - 1) & ~(alignment - 1)
    }

    /// Text in a block of its own.
    static func make(_ bytes: UnsafeBufferPointer<UInt8>, spans: FieldSpans) -> RowText {
        RowText(bytes, spans: spans, in: RowTextBlock(capacity: footprint(bytes.count)), at: 0)
    }

    /// Writes the row into `block` at `offset` (room for `footprint(bytes.count)`, aligned).
    init(_ bytes: UnsafeBufferPointer<UInt8>, spans: FieldSpans, in block: RowTextBlock, at offset: Int) {
        self.block = block
        self.offset = offset
        let header = block.base + offset
        header.initializeMemory(as: RowTextHeader.self, to: RowTextHeader(count: bytes.count, spans: spans))
        if let source = bytes.baseAddress {
            (header + MemoryLayout<RowTextHeader>.stride).copyMemory(from: source, byteCount: bytes.count)
        }
    }

    @inline(__always)
    private var header: UnsafePointer<RowTextHeader> {
        UnsafePointer((block.base + offset).assumingMemoryBound(to: RowTextHeader.self))
    }

    @inline(__always)
    func span(_ field: Field) -> TextSpan {
        header.pointee.spans[field.rawValue]
    }

    @inline(__always)
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let bytes = (block.base + offset + MemoryLayout<RowTextHeader>.stride).assumingMemoryBound(to: UInt8.self)
        return body(UnsafeBufferPointer(start: bytes + range.lowerBound, count: range.count))
    }

    /// A copy with field `index` set to `value` (appended) or absent (`nil`).
    func replacing(_ index: Int, with value: String?) -> RowText {
        let count = header.pointee.count
        var bytes = withBytes(0..<count) { Array($0) }
        var spans = header.pointee.spans
        if let value {
            let start = bytes.count
            bytes += value.utf8
            spans[index] = TextSpan(start..<bytes.count)
        } else {
            spans[index] = .absent
        }
        return bytes.withUnsafeBufferPointer { RowText.make($0, spans: spans) }
    }
}

struct RowTextHeader {
    var count: Int
    var spans: FieldSpans
}

/// Memory that holds the text of one or more rows; freed when the last of them is.
final class RowTextBlock: @unchecked Sendable {
    let base: UnsafeMutableRawPointer

    init(capacity: Int) {
        base = .allocate(byteCount: Swift.max(capacity, 1), alignment: MemoryLayout<RowTextHeader>.alignment)
    }

    deinit { base.deallocate() }
}

/// Where a reader puts the text of the rows it makes: blocks of 256 KiB, each filled with
/// rows one after another (about 900 of the benchmark's) and freed once all of them are.
/// Rows are freed in about the order they are read, so a block seldom outlives its rows
/// by long. A row too large for a sixteenth of a block gets a block of its own. One
/// reader's: used by one thread at a time.
final class RowTextArena {
    private static let blockSize = 1 << 18
    private var block: RowTextBlock?
    private var used = 0

    func make(_ bytes: UnsafeBufferPointer<UInt8>, spans: FieldSpans) -> RowText {
        let footprint = RowText.footprint(bytes.count)
        guard footprint <= Self.blockSize / 16 else { return RowText.make(bytes, spans: spans) }
        if block == nil || used + footprint > Self.blockSize {
            block = RowTextBlock(capacity: Self.blockSize)
            used = 0
        }
        let text = RowText(bytes, spans: spans, in: block!, at: used)
        used += footprint
        return text
    }
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
