/// Eight bytes of a buffer tested at once, for the scans that skip plain runs (CSV fields,
/// ASCII rows, UTF-8 census).
extension UInt64 {
    static let everyByteOne: UInt64 = 0x0101_0101_0101_0101
    static let everyByteHigh: UInt64 = 0x8080_8080_8080_8080

    /// The top bit of each byte below `bound` (at most 0x80). The lowest such byte is
    /// always flagged; a borrow may flag or hide bytes above it, so ask only whether any
    /// byte is flagged and which is the lowest.
    @inline(__always)
    func bytesBelow(_ bound: UInt8) -> UInt64 {
        (self &- (Self.everyByteOne &* UInt64(bound))) & ~self & Self.everyByteHigh
    }

    /// The top bit of each byte equal to `byte` (a zero byte of `self ^ byte…byte`), with
    /// the same guarantee as `bytesBelow`.
    @inline(__always)
    func bytes(equalTo byte: UInt8) -> UInt64 {
        (self ^ (Self.everyByteOne &* UInt64(byte))).bytesBelow(1)
    }

    /// The 1 to 7 bytes at `bytes` as one word without a copy through `memmove`: two
    /// overlapping halves from four bytes on, else the first, middle and last byte in the
    /// low lanes and `filler` in every other. Every byte is in it, each at a place fixed by
    /// `count`: for one count, two runs of bytes give equal words exactly when they are
    /// equal, and a lane test asks about the bytes themselves (and `filler`).
    @inline(__always)
    init(shortBytes bytes: UnsafeRawPointer, count: Int, filler: UInt8) {
        if count >= 4 {
            self = UInt64(bytes.loadUnaligned(as: UInt32.self))
                | UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32
        } else {
            self = UInt64(bytes.load(as: UInt8.self)) | UInt64(bytes.load(fromByteOffset: count / 2, as: UInt8.self)) << 8
                | UInt64(bytes.load(fromByteOffset: count - 1, as: UInt8.self)) << 16
                | (Self.everyByteOne &* UInt64(filler)) << 24
        }
    }

    /// Whether any byte is 0x80 or above.
    @inline(__always)
    var hasNonASCII: Bool { self & Self.everyByteHigh != 0 }
}
