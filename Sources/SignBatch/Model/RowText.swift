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

    /// The row's first byte, right after its header.
    @inline(__always)
    private var bytes: UnsafePointer<UInt8> {
        UnsafeRawPointer(header + 1).assumingMemoryBound(to: UInt8.self)
    }

    @inline(__always)
    func span(_ field: Field) -> TextSpan {
        header.pointee.spans[field.rawValue]
    }

    @inline(__always)
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: bytes + range.lowerBound, count: range.count))
    }

    /// A copy with field `index` set to `value` (appended) or absent (`nil`).
    func replacing(_ index: Int, with value: String?) -> RowText {
        var copy = Array(UnsafeBufferPointer(start: bytes, count: header.pointee.count))
        var spans = header.pointee.spans
        if let value {
            let start = copy.count
            copy += value.utf8
            spans[index] = TextSpan(start..<copy.count)
        } else {
            spans[index] = .absent
        }
        return copy.withUnsafeBufferPointer { RowText.make($0, spans: spans) }
    }
}

struct RowTextHeader {
    var count: Int
    var spans: FieldSpans
}
