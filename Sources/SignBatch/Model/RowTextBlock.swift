/// Memory that holds the text of one or more rows; freed when the last of them is.
final class RowTextBlock: @unchecked Sendable {
    let base: UnsafeMutableRawPointer

    init(capacity: Int) {
        base = .allocate(byteCount: Swift.max(capacity, 1), alignment: MemoryLayout<RowTextHeader>.alignment)
    }

    deinit { base.deallocate() }
}
