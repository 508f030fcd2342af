import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One streaming pass over a batch's bytes before it is parsed: its SHA-256 (the ledger's
/// identity for a batch), its leading bytes (BOM), and whether it reads as UTF-8.
public struct BatchFingerprint: Sendable {
    public var sha256: String
    public var size: Int
    public var leadingBytes: [UInt8]
    public var utf8: UTF8Census

    public static func scan(path: String) throws(BatchError) -> BatchFingerprint {
        try scan(path: path) { path throws(BatchError) in try FileInput(path: path) }
    }

    /// `open` gives each of the two reads of `path` its input (tests give them different ones).
    static func scan(path: String,
                     open: @escaping @Sendable (String) throws(BatchError) -> ByteInput) throws(BatchError) -> BatchFingerprint {
        // Hashing and the UTF-8 census each cost about as much as the other: they run on two
        // threads, each over its own read of the file (the second comes from the page cache).
        let hashing = BackgroundHash(path: path, open: open)
        var fingerprint = try scan(try open(path), hashing: false)
        let (sha256, size) = try hashing.result()
        guard size == fingerprint.size else {
            throw BatchError(.io, path: path, "the file changed while it was being read")
        }
        fingerprint.sha256 = sha256
        return fingerprint
    }

    public static func scan(_ input: ByteInput) throws(BatchError) -> BatchFingerprint {
        try scan(input, hashing: true)
    }

    /// Without `hashing`, `sha256` is left empty.
    private static func scan(_ input: ByteInput, hashing: Bool) throws(BatchError) -> BatchFingerprint {
        var hasher = SHA256()
        var census = UTF8Census()
        var leading = [UInt8]()
        let size = try forEachChunk(of: input) { chunk in
            if leading.count < 4 { leading += chunk.prefix(4 - leading.count) }
            if hashing { hasher.update(chunk) }
            census.scan(chunk)
        }
        census.finish()
        return BatchFingerprint(sha256: hashing ? SHA256.hex(hasher.finalize()) : "", size: size,
                                leadingBytes: leading, utf8: census)
    }

    /// Hands `input`'s bytes to `body` in chunks of up to 64 KiB (small enough to stay in the
    /// cache from the read to the scan); the number of bytes read.
    private static func forEachChunk(of input: ByteInput,
                                     _ body: (UnsafeRawBufferPointer) -> Void) throws(BatchError) -> Int {
        var size = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try input.read(into: buffer)
            if count == 0 { return size }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += count
        }
    }

    /// `path`'s SHA-256 and size, computed on a thread of its own.
    private final class BackgroundHash: @unchecked Sendable {
        // Written by the thread before it signals `done`; read only after waiting for it.
        private var outcome: Result<(String, Int), BatchError>?
        private let done = DispatchSemaphore(value: 0)

        init(path: String, open: @escaping @Sendable (String) throws(BatchError) -> ByteInput) {
            let thread = Thread { [self] in
                outcome = Result { () throws(BatchError) in try Self.hash(try open(path)) }
                done.signal()
            }
            thread.start()
        }

        func result() throws(BatchError) -> (String, Int) {
            done.wait()
            return try outcome!.get()
        }

        private static func hash(_ input: ByteInput) throws(BatchError) -> (String, Int) {
            var hasher = SHA256()
            let size = try forEachChunk(of: input) { hasher.update($0) }
            return (SHA256.hex(hasher.finalize()), size)
        }
    }
}

/// Counts of valid multi-byte and invalid UTF-8 sequences, carried across chunks.
public struct UTF8Census: Sendable {
    public private(set) var invalid = 0
    public private(set) var multibyte = 0
    /// Offset of the first byte of the first invalid sequence, counted over all chunks.
    public private(set) var firstInvalidOffset: Int?
    private var need = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// Bytes scanned before the current chunk.
    private var position = 0
    /// Offset of the lead byte of the sequence being completed.
    private var sequenceStart = 0

    public init() {}

    public var isValid: Bool { invalid == 0 }

    public mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        let base = bytes.baseAddress!
        while index < count {
            if need == 0 {
                index = Self.skipASCII(UnsafeRawPointer(base), from: index, to: count)
                if index >= count { break }
            }
            if need == 0 {
                let runEnd = Self.skipThreeByteRun(UnsafeRawPointer(base), from: index, to: count)
                multibyte += (runEnd - index) / 3
                index = runEnd
                if index >= count { break }
            }
            let byte = bytes[index]
            // A two- or three-byte sequence whose continuation bytes may be any of 80-BF,
            // whole in this chunk (most Chinese text), decided without the state machine.
            if need == 0, byte >= 0xC2 {
                if byte <= 0xDF {
                    if index + 1 < count, bytes[index + 1] & 0xC0 == 0x80 {
                        multibyte += 1
                        index += 2
                        continue
                    }
                } else if byte >= 0xE1, byte <= 0xEF, byte != 0xED, index + 2 < count,
                          bytes[index + 1] & 0xC0 == 0x80, bytes[index + 2] & 0xC0 == 0x80 {
                    multibyte += 1
                    index += 3
                    continue
                }
            }
            index += 1
            if need == 0 {
                start(byte, at: position + index - 1)
            } else if byte >= lower && byte <= upper {
                need -= 1
                lower = 0x80
                upper = 0xBF
                if need == 0 { multibyte += 1 }
            } else {
                noteInvalid(at: sequenceStart)
                need = 0
                lower = 0x80
                upper = 0xBF
                start(byte, at: position + index - 1)
            }
        }
        position += count
    }

    /// The offset of the first non-ASCII byte at or after `start`, or `count`: eight bytes at
    /// a time, then straight to the first high byte of the word holding one (text that mixes
    /// ASCII and Chinese would otherwise take its ASCII a byte at a time).
    @inline(__always)
    static func skipASCII(_ base: UnsafeRawPointer, from start: Int, to count: Int) -> Int {
        var index = start
        while index + 8 <= count {
            let high = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) & UInt64.everyByteHigh
            if high != 0 { return index + high.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < count, base.load(fromByteOffset: index, as: UInt8.self) < 0x80 { index += 1 }
        return index
    }

    /// The end of the run of three-byte sequences at `start` whose lead is E1-EC, EE or EF
    /// (their two continuation bytes may be any of 80-BF): most Chinese text, taken in one
    /// loop instead of going back to the ASCII scan between sequences.
    @inline(__always)
    static func skipThreeByteRun(_ base: UnsafeRawPointer, from start: Int, to count: Int) -> Int {
        var index = start
        while index + 2 < count {
            let lead = base.load(fromByteOffset: index, as: UInt8.self)
            guard lead >= 0xE1, lead <= 0xEF, lead != 0xED,
                  base.load(fromByteOffset: index + 1, as: UInt8.self) & 0xC0 == 0x80,
                  base.load(fromByteOffset: index + 2, as: UInt8.self) & 0xC0 == 0x80 else { break }
            index += 3
        }
        return index
    }

    private mutating func start(_ byte: UInt8, at offset: Int) {
        switch byte {
        case 0x00...0x7F: return
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: need = 2
        case 0xED: need = 2; upper = 0x9F
        case 0xF0: need = 3; lower = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; upper = 0x8F
        default: noteInvalid(at: offset); return
        }
        sequenceStart = offset
    }

    private mutating func noteInvalid(at offset: Int) {
        invalid += 1
        if firstInvalidOffset == nil { firstInvalidOffset = offset }
    }

    /// A sequence cut off by the end of input is invalid.
    public mutating func finish() {
        if need > 0 { noteInvalid(at: sequenceStart); need = 0 }
    }

    /// Whether `bytes` are valid UTF-8 (RFC 3629: no overlong forms, surrogates or scalars
    /// past U+10FFFF). The census's answer without its counts, for a row's text: ASCII
    /// eight bytes at a time, each sequence checked in one step.
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            index = Self.skipASCII(UnsafeRawPointer(base), from: index, to: count)
            index = Self.skipThreeByteRun(UnsafeRawPointer(base), from: index, to: count)
            guard index < count else { return true }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            @inline(__always) func continuation(_ offset: Int) -> UInt8? {
                guard index + offset < count, base[index + offset] & 0xC0 == 0x80 else { return nil }
                return base[index + offset]
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) != nil else { return false }
                index += 2
            case 0xE0...0xEF:
                guard let second = continuation(1), continuation(2) != nil else { return false }
                if lead == 0xE0, second < 0xA0 { return false }  // overlong
                if lead == 0xED, second > 0x9F { return false }  // surrogate
                index += 3
            case 0xF0...0xF4:
                guard let second = continuation(1), continuation(2) != nil, continuation(3) != nil else { return false }
                if lead == 0xF0, second < 0x90 { return false }  // overlong
                if lead == 0xF4, second > 0x8F { return false }  // past U+10FFFF
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// Offset of the first byte of the first invalid sequence in `bytes`, or `nil` when
    /// they are valid UTF-8.
    public static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var census = UTF8Census()
        census.scan(UnsafeRawBufferPointer(bytes))
        census.finish()
        return census.firstInvalidOffset
    }
}
