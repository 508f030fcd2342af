/// The scalars of valid UTF-8 bytes, for checks that walk a field's scalars without making
/// a `String` of it. A byte that does not decode ends the walk.
struct UTF8Scalars: IteratorProtocol {
    private var bytes: UnsafeBufferPointer<UInt8>.Iterator
    private var decoder = UTF8()

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes.makeIterator()
    }

    mutating func next() -> Unicode.Scalar? {
        switch decoder.decode(&bytes) {
        case .scalarValue(let scalar): scalar
        case .emptyInput, .error: nil
        }
    }
}

extension UTF8Scalars {
    /// The length of the sequence that `lead` starts, in valid UTF-8.
    @inline(__always)
    static func length(lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// The scalar value at `index` of valid UTF-8 and its sequence's length, decoded without
    /// the standard library's validating decoder; `nil` when the bytes end inside it.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (value: UInt32, length: Int)? {
        // One comparison per width, no length computed first: this decides every non-ASCII
        // scalar of every field's simplicity check.
        let lead = bytes[index]
        let count = bytes.count
        if lead < 0x80 { return (UInt32(lead), 1) }
        if lead < 0xE0 {
            guard index + 1 < count else { return nil }
            return (UInt32(lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), 2)
        }
        if lead < 0xF0 {
            guard index + 2 < count else { return nil }
            return (UInt32(lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F), 3)
        }
        guard index + 3 < count else { return nil }
        return (UInt32(lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
            | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F), 4)
    }
}
