import Foundation

/// Text normalization of SPEC §3. Every function takes the ASCII fast path when it can:
/// NFKC, zero-width removal and Unicode whitespace only matter for non-ASCII text.
public enum TextNormalizer {
    /// NFKC, zero-width characters and BOMs removed, leading/trailing whitespace trimmed.
    public static func field(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return trimASCII(text)
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isZeroWidth(scalar) {
            scalars.append(scalar)
        }
        let nfkc = String(scalars).precomposedStringWithCompatibilityMapping
        return trimUnicode(nfkc)
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
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes = [UInt8]()
            bytes.reserveCapacity(text.utf8.count)
            for byte in text.utf8 where byte != 0x20 && byte != 0x09 {
                bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars where !scalar.properties.isWhitespace {
            out.append(scalar)
        }
        return String(out)
    }

    /// `sign_name`: one enclosing bracket pair removed, trimmed again, whitespace runs folded.
    public static func signName(_ text: String) -> String {
        var name = field(text)
        for (open, close) in bracketPairs where name.count >= 2 && name.first == open && name.last == close {
            name = trimUnicode(String(name.dropFirst().dropLast()))
            break
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

    // ［］ become [] under NFKC; listed anyway so the table reads like the spec.
    static let bracketPairs: [(Character, Character)] = [
        ("【", "】"), ("[", "]"), ("〔", "〕"), ("〖", "〗"), ("［", "］"),
    ]

    static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E: true
        default: false
        }
    }

    static func trimASCII(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last,
              isASCIISpace(first) || isASCIISpace(last) else { return text }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isASCIISpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isASCIISpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(text[start..<end])
    }

    static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    static func trimUnicode(_ text: String) -> String {
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
