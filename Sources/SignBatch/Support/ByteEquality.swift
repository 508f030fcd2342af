import Foundation

extension String {
    /// `body` with the string's UTF-8 bytes: in place for native strings (no copy, and no
    /// retain of the storage), through a contiguous copy otherwise.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return copy.withUTF8(body)
    }

    /// Byte equality of the UTF-8 forms (not `==`, which compares canonical equivalence).
    @inline(__always)
    static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return lhs.withBytes { left in rhs.withBytes { left.sameBytes(as: $0) } }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether both hold the same bytes.
    @inline(__always)
    func sameBytes(as other: UnsafeBufferPointer<UInt8>) -> Bool {
        count == other.count && (isEmpty || memcmp(baseAddress!, other.baseAddress!, count) == 0)
    }
}

extension Hasher {
    /// The string's bytes, as `String`'s own hash would for ASCII text, without normalizing.
    @inline(__always)
    mutating func combineUTF8(of text: String) {
        text.withBytes { combine(bytes: UnsafeRawBufferPointer($0)) }
        combine(0xFF as UInt8)  // no UTF-8 byte: ends the string, so ("ab","c") ≠ ("a","bc")
    }
}
