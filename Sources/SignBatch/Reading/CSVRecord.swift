/// One CSV record as the tokenizer found it: unescaped field bytes laid end to end, or, for a
/// record without quotes, its bytes as they were, one delimiter between fields
/// (`delimitersKept`). Reused from row to row, so reading a batch allocates nothing per row.
public struct CSVRecord {
    /// Physical line on which the record starts (the header is line 1).
    public var line = 0
    /// Byte offset of the record's first byte in the (decoded) input.
    public var offset = 0
    public var bytes: [UInt8] = []
    /// `ends[i]` is where field i ends in `bytes`.
    public var ends: [Int] = []
    /// Fields counted, including any past the storage limit.
    public var fieldCount = 0
    public var anyQuoted = false
    /// A delimiter byte follows each field but the last: field `i` starts one byte after
    /// `ends[i - 1]`.
    public var delimitersKept = false
    /// The first structural problem (stray quote, size limit); the row is `ROW_MALFORMED`.
    public var problem: String?

    public init() {
        bytes.reserveCapacity(4096)
        ends.reserveCapacity(64)
    }

    mutating func reset(line: Int, offset: Int) {
        self.line = line
        self.offset = offset
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        fieldCount = 0
        anyQuoted = false
        delimitersKept = false
        problem = nil
    }

    /// Fields whose bytes were kept (all of them unless the row passed a size limit).
    public var storedFieldCount: Int { ends.count }

    public func fieldRange(_ index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1] + (delimitersKept ? 1 : 0))..<ends[index]
    }

    public func field(_ index: Int) -> ArraySlice<UInt8> { bytes[fieldRange(index)] }

    /// A line holding nothing but spaces and tabs: not a row, not counted. A line past a
    /// size limit is never blank: its bytes were not all kept, so they cannot vouch for it.
    public var isBlank: Bool {
        guard fieldCount == 1, !anyQuoted, problem == nil else { return false }
        return bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}
