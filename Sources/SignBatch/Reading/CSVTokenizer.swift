import CByteScan

/// A byte-level streaming RFC 4180 tokenizer. It scans a chunk buffer with a tight loop,
/// copies runs of plain bytes in bulk, counts physical lines (LF, CRLF and lone CR), and
/// reports stray quotes and size overruns on the record instead of throwing: only an
/// unterminated quoted field at the end of input (or a read error) fails the batch.
public final class CSVTokenizer {
    public var delimiter: UInt8
    public let maxFieldBytes: Int
    public let maxRowBytes: Int
    private let input: ByteInput
    private let path: String
    private var buffer: UnsafeMutableRawBufferPointer
    private var position = 0
    private var end = 0
    private var atEOF = false
    private var readError: BatchError?
    /// Bytes of the input consumed before `buffer[0]`.
    private var consumedBefore: Int
    private var line = 1
    /// The previous record ended on a CR that was the last byte of a chunk.
    private var pendingCR = false
    /// Inside a quoted field, the previous byte was a CR (so an LF adds no line).
    private var lastWasCR = false
    /// The current record passed a size limit: keep scanning to its end, store nothing more.
    private var overflow = false

    static let quote: UInt8 = 0x22
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A

    public init(input: ByteInput, path: String, delimiter: UInt8 = 0x2C, startOffset: Int = 0,
                chunkSize: Int = 1 << 20, maxFieldBytes: Int = 65_536, maxRowBytes: Int = 1 << 20) {
        self.input = input
        self.path = path
        self.delimiter = delimiter
        self.maxFieldBytes = maxFieldBytes
        self.maxRowBytes = maxRowBytes
        consumedBefore = startOffset
        buffer = .allocate(byteCount: max(chunkSize, 16), alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The first line of the input that is not blank (at most `limit` bytes), read ahead
    /// without consuming anything, to sniff the delimiter from the header. Blank lines
    /// (empty or only spaces and tabs) are skipped like the reader skips them: the header
    /// comes after them.
    public func peekFirstLine(limit: Int = 65_536) throws(BatchError) -> [UInt8] {
        var lineStart = 0
        while true {
            let available = UnsafeRawBufferPointer(rebasing: buffer[position..<end])
            if let breakIndex = available[lineStart...].firstIndex(where: { $0 == Self.lf || $0 == Self.cr }) {
                let line = available[lineStart..<breakIndex]
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return Array(line.prefix(limit)) }
                lineStart = breakIndex + 1
                continue
            }
            if available.count >= limit || !fill() {
                if let readError { throw readError }
                return Array(available[lineStart...].prefix(limit))
            }
        }
    }

    /// Moves unread bytes to the front and reads more; false at end of input.
    private func fill() -> Bool {
        guard !atEOF else { return false }
        if position > 0 {
            let remaining = end - position
            if remaining > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + position, byteCount: remaining)
            }
            consumedBefore += position
            end = remaining
            position = 0
        }
        // Inputs need room to make progress (a converter cannot emit half a character), so
        // never offer a nearly full buffer.
        if buffer.count - end < min(4096, buffer.count / 2 + 1) {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        do {
            let count = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if count == 0 { atEOF = true; return false }
            end += count
            return true
        } catch {
            readError = error
            atEOF = true
            return false
        }
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Reads the next record into `record`; false at the end of input.
    public func next(into record: inout CSVRecord) throws(BatchError) -> Bool {
        if pendingCR {
            pendingCR = false
            if position == end { _ = fill() }
            if position < end, buffer[position] == Self.lf { position += 1 }
        }
        if position == end, !fill() {
            if let readError { throw readError }
            return false
        }
        if nextPlain(into: &record) { return true }
        record.reset(line: line, offset: consumedBefore + position)
        overflow = false
        var state = State.fieldStart
        var fieldStart = 0
        var quoteLine = line
        var rowBytes = 0
        let delimiter = self.delimiter

        while true {
            if position == end, !fill() {
                if let readError { throw readError }
                if state == .quoted {
                    throw BatchError(.malformed, path: path, line: quoteLine,
                                     "unterminated quoted field: the quote opened on line \(quoteLine) is never closed")
                }
                endField(&record, &fieldStart)
                return true
            }
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let byte = base[position]
            position += 1
            rowBytes += 1
            if rowBytes > maxRowBytes { markOverflow(&record, "row is longer than \(maxRowBytes) bytes") }

            switch state {
            case .fieldStart, .unquoted:
                if byte == delimiter {
                    endField(&record, &fieldStart)
                    state = .fieldStart
                } else if byte == Self.lf || byte == Self.cr {
                    line += 1
                    if byte == Self.cr { swallowLF() }
                    endField(&record, &fieldStart)
                    return true
                } else if byte == Self.quote {
                    if state == .fieldStart {
                        state = .quoted
                        quoteLine = line
                        lastWasCR = false
                        record.anyQuoted = true
                    } else {
                        if record.problem == nil {
                            record.problem = "stray quote in unquoted field \(record.fieldCount + 1)"
                        }
                        store(&record, fieldStart, base + position - 1, 1)
                    }
                } else {
                    state = .unquoted
                    // The byte and the rest of its plain run, copied in one go.
                    var runEnd = Self.plainRunEnd(base, from: position, to: end, delimiter: delimiter)
                    while runEnd < end {
                        let next = base[runEnd]
                        if next == delimiter || next == Self.lf || next == Self.cr || next == Self.quote { break }
                        runEnd += 1
                    }
                    storeRun(&record, fieldStart, base + position - 1, runEnd - position + 1, &rowBytes)
                    position = runEnd
                }
            case .quoted:
                if byte == Self.quote {
                    state = .quoteInQuoted
                } else if byte == Self.lf || byte == Self.cr {
                    if byte == Self.cr || !lastWasCR { line += 1 }
                    lastWasCR = byte == Self.cr
                    store(&record, fieldStart, base + position - 1, 1)
                } else {
                    lastWasCR = false
                    var runEnd = position
                    while runEnd < end {
                        let next = base[runEnd]
                        if next == Self.quote || next == Self.lf || next == Self.cr { break }
                        runEnd += 1
                    }
                    storeRun(&record, fieldStart, base + position - 1, runEnd - position + 1, &rowBytes)
                    position = runEnd
                }
            case .quoteInQuoted:
                if byte == Self.quote {
                    store(&record, fieldStart, base + position - 1, 1)
                    state = .quoted
                    lastWasCR = false
                } else if byte == delimiter {
                    endField(&record, &fieldStart)
                    state = .fieldStart
                } else if byte == Self.lf || byte == Self.cr {
                    line += 1
                    if byte == Self.cr { swallowLF() }
                    endField(&record, &fieldStart)
                    return true
                } else {
                    if record.problem == nil {
                        record.problem = "stray quote: text after the closing quote of field \(record.fieldCount + 1)"
                    }
                    store(&record, fieldStart, base + position - 1, 1)
                    state = .unquoted
                }
            }
        }
    }

    /// Most records: no quote, within the size limits, ending (LF, or a CR with the byte
    /// after it buffered) before the buffered bytes do. Such a record is found in one scan
    /// of its bytes, 64 at a time while that many are buffered (then eight), and copied in
    /// one go with its delimiters between the fields (`CSVRecord.delimitersKept`). `false`
    /// when the record is not one of these: nothing was consumed, and the byte-by-byte scan
    /// takes it, which decides every case.
    @inline(__always)
    private func nextPlain(into record: inout CSVRecord) -> Bool {
        let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
        let start = position
        let end = self.end
        let delimiter = self.delimiter
        let maxFieldBytes = self.maxFieldBytes
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.plainMaxFields) { ends -> Bool in
            var fieldStart = start
            var fields = 0
            /// Ends the field at `index` (a delimiter or line break); `false` when the record
            /// cannot be plain.
            @inline(__always) func endField(at index: Int) -> Bool {
                guard base[index] != Self.quote, fields < Self.plainMaxFields,
                      index - fieldStart <= maxFieldBytes else { return false }
                ends[fields] = index - start
                fields += 1
                fieldStart = index + 1
                return true
            }
            // Each block's special bytes as a bit mask, taken lowest first: a field costs one
            // step, not a scan of its own.
            var lineEnd: Int?
            var block = start
            blocks: while block + 64 <= end {
                var specials = cbytescan_csv_specials64(base + block, delimiter)
                while specials != 0 {
                    let index = block + specials.trailingZeroBitCount
                    specials &= specials &- 1
                    guard endField(at: index) else { return false }
                    if base[index] != delimiter {
                        lineEnd = index
                        break blocks
                    }
                }
                block += 64
            }
            var index = fieldStart
            while lineEnd == nil {
                index = Self.plainRunEnd(base, from: index, to: end, delimiter: delimiter)
                while index < end {
                    let byte = base[index]
                    if byte == delimiter || byte == Self.lf || byte == Self.cr || byte == Self.quote { break }
                    index += 1
                }
                guard index < end, endField(at: index) else { return false }
                if base[index] != delimiter { lineEnd = index }
                index += 1
            }
            index = lineEnd!
            // The line break counts toward the row's size, as in the byte-by-byte scan.
            guard index - start + 1 <= maxRowBytes else { return false }
            var next = index + 1
            if base[index] == Self.cr {
                guard next < end else { return false }
                if base[next] == Self.lf { next += 1 }
            }
            record.reset(line: line, offset: consumedBefore + start)
            record.bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: index - start))
            record.ends.append(contentsOf: UnsafeBufferPointer(rebasing: ends[0..<fields]))
            record.fieldCount = fields
            record.delimitersKept = true
            line += 1
            position = next
            return true
        }
    }

    /// Records with more fields take the byte-by-byte scan.
    private static var plainMaxFields: Int { 64 }

    /// How far a plain run certainly goes, eight bytes at a time: the start of the first word
    /// holding a delimiter, quote or line break (the byte loop finds which), or of the last
    /// partial word.
    @inline(__always)
    static func plainRunEnd(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, delimiter: UInt8) -> Int {
        var index = start
        while index + 8 <= end {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let found = word.bytes(equalTo: delimiter) | word.bytes(equalTo: lf) | word.bytes(equalTo: cr)
                | word.bytes(equalTo: quote)
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        return index
    }

    @inline(__always)
    private func store(_ record: inout CSVRecord, _ fieldStart: Int, _ source: UnsafePointer<UInt8>, _ count: Int) {
        if overflow { return }
        let room = maxFieldBytes - (record.bytes.count - fieldStart)
        if count <= room {
            record.bytes.append(contentsOf: UnsafeBufferPointer(start: source, count: count))
        } else {
            markOverflow(&record, "field \(record.fieldCount + 1) is longer than \(maxFieldBytes) bytes")
        }
    }

    /// Stores a run of plain bytes whose first byte `rowBytes` already counts. A run may pass
    /// both size limits; the one a byte-by-byte scan would pass first is reported, so the
    /// message does not depend on where the input's chunks happen to end.
    @inline(__always)
    private func storeRun(_ record: inout CSVRecord, _ fieldStart: Int, _ source: UnsafePointer<UInt8>,
                          _ count: Int, _ rowBytes: inout Int) {
        let rowRoom = maxRowBytes - rowBytes + 1
        rowBytes += count - 1
        if overflow { return }
        let fieldRoom = maxFieldBytes - (record.bytes.count - fieldStart)
        if count <= rowRoom && count <= fieldRoom {
            record.bytes.append(contentsOf: UnsafeBufferPointer(start: source, count: count))
        } else if rowRoom <= fieldRoom {
            markOverflow(&record, "row is longer than \(maxRowBytes) bytes")
        } else {
            markOverflow(&record, "field \(record.fieldCount + 1) is longer than \(maxFieldBytes) bytes")
        }
    }

    @inline(__always)
    private func endField(_ record: inout CSVRecord, _ fieldStart: inout Int) {
        record.fieldCount += 1
        if !overflow { record.ends.append(record.bytes.count) }
        fieldStart = record.bytes.count
    }

    private func markOverflow(_ record: inout CSVRecord, _ message: String) {
        if overflow { return }
        overflow = true
        // A size overrun outranks an earlier stray quote: it is why the row lost bytes.
        record.problem = message
    }

    /// After a CR ends a record, an LF right behind it is part of the same line break.
    private func swallowLF() {
        if position < end {
            if buffer[position] == Self.lf { position += 1 }
        } else {
            pendingCR = true
        }
    }
}
