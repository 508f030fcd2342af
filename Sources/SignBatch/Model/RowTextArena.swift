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
