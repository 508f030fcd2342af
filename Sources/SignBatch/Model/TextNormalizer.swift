import Foundation

/// Text normalization of SPEC §3. Every function takes a fast path when the text holds only
/// characters that NFKC leaves alone and that are not Unicode whitespace (ASCII, CJK
/// ideographs, Hangul syllables and the common CJK brackets): then NFKC, zero-width removal
/// and Unicode whitespace cannot change anything, and the work is done on bytes.
public enum TextNormalizer {
    /// True when NFKC is the identity on `text` and its only whitespace is ASCII.
    @inline(__always)
    static func isSimple(_ text: String) -> Bool {
        text.withBytes { isSimple($0) }
    }

    /// `isSimple` on the UTF-8 bytes of valid text: ASCII is skipped eight bytes at a time
    /// and only multi-byte scalars are decoded.
    @inline(__always)
    static func isSimple(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        let count = bytes.count
        while index < count {
            index = UTF8Census.skipASCII(UnsafeRawPointer(base), from: index, to: count)
            guard index < count else { return true }
            let afterRun = skipCommonIdeographs(base, from: index, to: count)
            if afterRun > index {
                index = afterRun
                continue
            }
            guard let (value, length) = UTF8Scalars.decode(bytes, at: index), isSimpleScalar(value) else { return false }
            index += length
        }
        return true
    }

    /// The end of the run at `start` of ideographs U+4000–4DBF and U+4E00–9FFF (leads E4
    /// but not E4 B7, and E5–E9): most Chinese text, decided on its lead bytes instead of
    /// decoding each scalar.
    @inline(__always)
    static func skipCommonIdeographs(_ base: UnsafePointer<UInt8>, from start: Int, to count: Int) -> Int {
        var index = start
        while index + 2 < count {
            let lead = base[index]
            let second = base[index + 1]
            guard lead >= 0xE5 ? lead <= 0xE9 : (lead == 0xE4 && second != 0xB7),
                  second & 0xC0 == 0x80, base[index + 2] & 0xC0 == 0x80 else { break }
            index += 3
        }
        return index
    }

    @inline(__always)
    private static func isSimpleScalar(_ value: UInt32) -> Bool {
        switch value {
        case 0x3001, 0x3002, 0x3008...0x3011, 0x3014...0x301B,  // 、。〈〉《》「」『』【】〔〕〖〗〘〙〚〛
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x20000...0x2A6DF:
            true
        default:
            false
        }
    }

    /// NFKC, zero-width characters and BOMs removed, leading/trailing whitespace trimmed.
    public static func field(_ text: String) -> String {
        if isSimple(text) { return trimASCII(text) }
        if let folded = widthFolded(text) { return trimASCII(folded) }
        return compatibilityNormalized(text)
    }

    /// `field` without its fast paths: Foundation's NFKC (the reference the fast paths match).
    static func compatibilityNormalized(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isZeroWidth(scalar) {
            scalars.append(scalar)
        }
        let nfkc = String(scalars).precomposedStringWithCompatibilityMapping
        return trimUnicode(nfkc)
    }

    /// NFKC for the usual non-simple text: simple text with full-width ASCII forms
    /// (U+FF01–FF5E, NFKC maps each to the ASCII character 0xFEE0 below it), ideographic
    /// spaces (to U+0020) and zero-width characters (removed). Every scalar that results is
    /// simple, and simple scalars are starters that compose with nothing, so mapping one
    /// scalar at a time is exact. `nil` for any other scalar: Foundation decides those.
    static func widthFolded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                bytes.append(UInt8(value))
            } else if value >= 0xFF01 && value <= 0xFF5E {
                bytes.append(UInt8(value - 0xFEE0))
            } else if value == 0x3000 {
                bytes.append(0x20)
            } else if isZeroWidth(scalar) {
                continue
            } else if isSimpleScalar(value) {
                bytes.append(contentsOf: UTF8.encode(scalar)!)
            } else {
                return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An enum value folded for lookup: normalized, lower-cased, without spaces, `-` and `_`.
    public static func enumKey(_ text: String) -> String {
        let normalized = field(text).lowercased()
        var out = String.UnicodeScalarView()
        for scalar in normalized.unicodeScalars {
            if scalar == "-" || scalar == "_" || scalar.properties.isWhitespace { continue }
            out.append(scalar)
        }
        return String(out)
    }

    /// The signature folded for comparison: case-folded, all whitespace removed.
    public static func fold(_ text: String) -> String {
        let simple = text.withBytes { bytes in isSimple(bytes) ? fold(text, simple: bytes) : nil }
        if let simple { return simple }
        var out = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars where !scalar.properties.isWhitespace {
            out.append(scalar)
        }
        return String(out)
    }

    /// `fold` of `text`, whose bytes `bytes` are simple.
    @inline(__always)
    static func fold(_ text: String, simple bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Only ASCII letters have case here, and only ASCII bytes are whitespace.
        guard bytes.contains(where: { ($0 >= 0x41 && $0 <= 0x5A) || isASCIISpace($0) }) else { return text }
        return String(unsafeUninitializedCapacity: bytes.count) { foldSimple(bytes, into: $0) }
    }

    /// `sign_name`: one enclosing bracket pair removed, trimmed again, whitespace runs folded.
    public static func signName(_ text: String) -> String {
        simpleSignName(text) ?? signName(notSimple: text)
    }

    /// `signName` of text already known not to be simple (`SimpleSignName` gave `nil`).
    static func signName(notSimple text: String) -> String {
        var name = field(text)
        // Width folding often leaves simple text.
        if let simple = simpleSignName(name) { return simple }
        let scalars = name.unicodeScalars
        if let first = scalars.first, let last = scalars.last, scalars.count >= 2,
           bracketScalars.contains(where: { $0.open == first && $0.close == last }) {
            name = trimUnicode(String(scalars.dropFirst().dropLast()))
        }
        guard name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else { return name }
        var out = String.UnicodeScalarView()
        var inSpace = false
        for scalar in name.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
            } else {
                out.append(scalar)
                inSpace = false
            }
        }
        return String(out)
    }

    /// `signName` of simple text, on its bytes; `nil` when `text` is not simple.
    private static func simpleSignName(_ text: String) -> String? {
        text.withBytes { bytes in SimpleSignName(bytes).map { $0.name(of: bytes, original: text) } }
    }

    // ［］ become [] under NFKC; listed anyway so the table reads like the spec.
    static let bracketScalars: [(open: Unicode.Scalar, close: Unicode.Scalar)] = [
        ("【", "】"), ("[", "]"), ("〔", "〕"), ("〖", "〗"), ("［", "］"),
    ]

    static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E: true
        default: false
        }
    }

    /// ASCII whitespace trimmed from both ends, on bytes; the text itself when there is none.
    static func trimASCII(_ text: String) -> String {
        text.withBytes { bytes in
            let range = trimmedRange(bytes)
            if range == 0..<bytes.count { return text }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
    }

    /// Where `field` of `bytes` lies in them when they are simple text, which it only trims;
    /// `nil` when they are not.
    @inline(__always)
    static func simpleFieldRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        isSimple(bytes) ? trimmedRange(bytes) : nil
    }

    /// What `field` leaves of simple text (`isSimple`): its bytes without leading and
    /// trailing ASCII whitespace.
    @inline(__always)
    static func trimmedRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var start = 0
        var end = bytes.count
        while start < end, isASCIISpace(bytes[start]) { start += 1 }
        while end > start, isASCIISpace(bytes[end - 1]) { end -= 1 }
        return start..<end
    }

    /// `fold` of simple text (`isSimple`) on bytes: ASCII whitespace dropped, ASCII letters
    /// lower-cased, into `out` (room for `bytes.count`); the number of bytes written.
    @inline(__always)
    static func foldSimple(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in bytes where !isASCIISpace(byte) {
            out[count] = lowercasedASCII(byte)
            count += 1
        }
        return count
    }

    @inline(__always)
    static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    static func trimUnicode(_ text: String) -> String {
        if isSimple(text) { return trimASCII(text) }
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace {
            end = scalars.index(before: end)
        }
        return String(scalars[start..<end])
    }
}

/// `TextNormalizer.signName` of simple text, found on its bytes: the name is a part of the
/// text (trimmed, then inside one enclosing bracket pair, trimmed again) with its whitespace
/// runs folded. Simple text has only ASCII whitespace, and of the brackets only `[` `]` (one
/// byte each) and `【` `】`, `〔` `〕`, `〖` `〗` (three bytes each, `E3 80 xx`); `［` `］` are
/// not simple.
struct SimpleSignName {
    /// Where the name lies in the text, before whitespace folding.
    let range: Range<Int>
    /// Whether a whitespace run is longer than one byte or is not a plain space.
    let foldsSpaces: Bool

    /// `nil` when the text is not simple.
    @inline(__always)
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard var range = TextNormalizer.simpleFieldRange(bytes) else { return nil }
        if let inner = Self.insideBrackets(bytes, range) {
            let trimmed = TextNormalizer.trimmedRange(UnsafeBufferPointer(rebasing: bytes[inner]))
            range = (inner.lowerBound + trimmed.lowerBound)..<(inner.lowerBound + trimmed.upperBound)
        }
        var folds = false
        var afterSpace = false
        for index in range {
            let byte = bytes[index]
            guard TextNormalizer.isASCIISpace(byte) else {
                afterSpace = false
                continue
            }
            if byte != 0x20 || afterSpace {
                folds = true
                break
            }
            afterSpace = true
        }
        self.range = range
        foldsSpaces = folds
    }

    /// Whether the name is the text itself, byte for byte.
    func isWhole(of bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !foldsSpaces && range == 0..<bytes.count
    }

    /// The name; `original`, the text as a `String`, when it is the whole of it.
    func name(of bytes: UnsafeBufferPointer<UInt8>, original: String?) -> String {
        if isWhole(of: bytes), let original { return original }
        let part = UnsafeBufferPointer(rebasing: bytes[range])
        guard foldsSpaces else { return String(decoding: part, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: part.count) { out in
            var count = 0
            var inSpace = false
            for byte in part {
                if TextNormalizer.isASCIISpace(byte) {
                    if !inSpace { out[count] = 0x20; count += 1 }
                    inSpace = true
                } else {
                    out[count] = byte
                    count += 1
                    inSpace = false
                }
            }
            return count
        }
    }

    /// The range inside an enclosing bracket pair around `range`, if there is one.
    @inline(__always)
    private static func insideBrackets(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        let start = range.lowerBound
        let end = range.upperBound
        guard range.count >= 2 else { return nil }
        if bytes[start] == 0x5B { return bytes[end - 1] == 0x5D ? (start + 1)..<(end - 1) : nil }
        // 【】 E3 80 90/91, 〔〕 E3 80 94/95, 〖〗 E3 80 96/97: the closing byte is one more.
        guard range.count >= 6, bytes[start] == 0xE3, bytes[start + 1] == 0x80,
              bytes[end - 3] == 0xE3, bytes[end - 2] == 0x80 else { return nil }
        let open = bytes[start + 2]
        guard open == 0x90 || open == 0x94 || open == 0x96, bytes[end - 1] == open + 1 else { return nil }
        return (start + 3)..<(end - 3)
    }
}
