#if canImport(Glibc)
import Glibc
#endif

/// Converts another input to UTF-8 with glibc's iconv, chunk by chunk. A byte that is not
/// valid in the source encoding becomes 0xFF, which is never valid UTF-8: the reader then
/// rejects that row as `ROW_MALFORMED` instead of writing a replacement character.
public final class TranscodingInput: ByteInput {
    private let source: ByteInput
    private let path: String
    private let converter: iconv_t
    private let inBuffer: UnsafeMutableRawBufferPointer
    private var inStart = 0
    private var inEnd = 0
    private var sourceDone = false
    /// Bytes skipped past an invalid sequence: one code unit. Skipping a single byte of a
    /// UTF-16 unit would read every later unit across a unit boundary, turning the rest of
    /// the batch into garbage instead of rejecting one row.
    private let unitWidth: Int

    public init(source: ByteInput, path: String, from encoding: TextEncoding) throws(BatchError) {
        self.source = source
        self.path = path
        let handle = iconv_open("UTF-8", encoding.iconvName)
        if handle == iconv_t(bitPattern: -1) {
            throw BatchError(.io, path: path, "cannot convert from \(encoding.rawValue): \(SystemError.text(errno))")
        }
        converter = handle!
        unitWidth = encoding == .utf16LE || encoding == .utf16BE ? 2 : 1
        inBuffer = .allocate(byteCount: 1 << 18, alignment: 16)
    }

    deinit {
        iconv_close(converter)
        inBuffer.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(BatchError) -> Int {
        // Callers offer room for at least one converted character; 0 would mean end of input.
        precondition(buffer.count >= 8, "TranscodingInput needs at least 8 bytes of room")
        var produced = 0
        while produced == 0 {
            if inStart == inEnd || (inEnd - inStart < 4 && !sourceDone) {
                try refill()
                if inStart == inEnd { return 0 }
            }
            var inLeft = inEnd - inStart
            var outLeft = buffer.count - produced
            var inPointer: UnsafeMutablePointer<CChar>? = (inBuffer.baseAddress! + inStart).assumingMemoryBound(to: CChar.self)
            var outPointer: UnsafeMutablePointer<CChar>? = (buffer.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
            let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            let consumed = (inEnd - inStart) - inLeft
            inStart += consumed
            produced = buffer.count - outLeft
            if result == -1 {
                switch errno {
                case E2BIG:
                    break
                case EINVAL where !sourceDone:
                    // A sequence cut by the chunk boundary: read more before converting it.
                    if produced == 0 { try refill() }
                case EILSEQ, EINVAL:
                    if produced < buffer.count {
                        buffer[produced] = 0xFF
                        produced += 1
                        inStart += min(unitWidth, inEnd - inStart)
                    }
                default:
                    throw BatchError(.io, path: path, "conversion failed: \(SystemError.text(errno))")
                }
            }
        }
        return produced
    }

    private func refill() throws(BatchError) {
        if inStart > 0 {
            let remaining = inEnd - inStart
            if remaining > 0 {
                inBuffer.baseAddress!.copyMemory(from: inBuffer.baseAddress! + inStart, byteCount: remaining)
            }
            inEnd = remaining
            inStart = 0
        }
        guard !sourceDone else { return }
        let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: inBuffer[inEnd...]))
        if count == 0 { sourceDone = true }
        inEnd += count
    }
}
