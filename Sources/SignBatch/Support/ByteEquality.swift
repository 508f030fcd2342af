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
        let count = lhs.utf8.count
        guard count == rhs.utf8.count else { return false }
        // Native strings are contiguous: compared in place, without copying either.
        if let equal = lhs.utf8.withContiguousStorageIfAvailable({ left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                count == 0 || memcmp(left.baseAddress!, right.baseAddress!, count) == 0
            }
        }), let equal {
            return equal
        }
        return lhs.utf8.elementsEqual(rhs.utf8)
    }
}

extension Hasher {
    /// The string's bytes, as `String`'s own hash would for ASCII text, without normalizing.
    @inline(__always)
    mutating func combineUTF8(of text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            var text = text
            text.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        }
        combine(0xFF as UInt8)  // no UTF-8 byte: ends the string, so ("ab","c") ≠ ("a","bc")
    }
}
