/// A finding's message, written as an interpolated literal and assembled as UTF-8 bytes,
/// then decoded once. `String`'s own interpolation appends each piece through its general
/// append path, several hundred instructions a piece; a rejected row's messages have a
/// dozen pieces, and a fifth of a batch's rows are rejected.
///
/// Only text and integers interpolate: anything else must be spelled out at the call, so
/// that no message depends on a type's `description`.
struct FindingMessage: ExpressibleByStringInterpolation {
    let string: String

    /// A message without interpolations is the literal itself: a constant, nothing to build.
    init(stringLiteral literal: String) {
        string = literal
    }

    init(stringInterpolation: Interpolation) {
        string = String(decoding: UnsafeBufferPointer(start: stringInterpolation.base, count: stringInterpolation.count),
                        as: UTF8.self)
        stringInterpolation.base.deallocate()
    }

    /// The pieces go into one buffer of their own, grown by doubling, and copied with
    /// `memcpy`: an `Array`'s generic append cost more than the copy of a short piece.
    /// `init(stringInterpolation:)` frees it.
    struct Interpolation: StringInterpolationProtocol {
        fileprivate var base: UnsafeMutablePointer<UInt8>
        fileprivate var count = 0
        private var capacity: Int

        init(literalCapacity: Int, interpolationCount: Int) {
            // Interpolated values are mostly names and paths of a few dozen bytes.
            capacity = max(literalCapacity + 32 * interpolationCount, 16)
            base = .allocate(capacity: capacity)
        }

        mutating func appendLiteral(_ literal: String) {
            append(literal)
        }

        mutating func appendInterpolation(_ text: String) {
            append(text)
        }

        /// Text already held as UTF-8 bytes (a field of the row), without decoding it first.
        mutating func appendInterpolation(utf8 text: UnsafeBufferPointer<UInt8>) {
            append(UnsafeRawBufferPointer(text))
        }

        mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) {
            var magnitude = number.magnitude
            // Digits from the last, then the sign, written backwards into the end of a
            // scratch run of 40 bytes: room for any 128-bit number's 39 digits and a sign.
            var digits: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &digits) { scratch in
                var start = scratch.count
                repeat {
                    start -= 1
                    scratch[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                    magnitude /= 10
                } while magnitude != 0
                if number < 0 {
                    start -= 1
                    scratch[start] = UInt8(ascii: "-")
                }
                append(UnsafeRawBufferPointer(rebasing: scratch[start...]))
            }
        }

        private mutating func append(_ text: String) {
            text.withBytes { append(UnsafeRawBufferPointer($0)) }
        }

        private mutating func append(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            if count + bytes.count > capacity {
                let grown = max(capacity * 2, count + bytes.count)
                let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
                larger.initialize(from: base, count: count)
                base.deallocate()
                base = larger
                capacity = grown
            }
            UnsafeMutableRawPointer(base + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            count += bytes.count
        }
    }
}
