/// GB 32100-2015 Unified Social Credit Code: 18 characters from `0-9A-Z` without
/// I O Z S V, positions 3–8 digits, and a mod-31 check character at the end.
public enum CreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    static let values: [UInt8: Int] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })

    /// Spaces and `-` removed, letters upper-cased.
    public static func normalize(_ text: String) -> String {
        String(text.filter { $0 != " " && $0 != "-" }).uppercased()
    }

    /// `nil` when valid, else why not (for the message).
    public static func problem(_ code: String) -> String? {
        let bytes = Array(code.utf8)
        guard bytes.count == 18, code.unicodeScalars.count == 18 else {
            return "has \(code.count) characters, a Unified Social Credit Code has 18"
        }
        var sum = 0
        for (index, byte) in bytes.enumerated() {
            guard let value = values[byte] else {
                return "holds '\(Character(Unicode.Scalar(byte)))' at position \(index + 1); only 0-9 and A-Z without I, O, Z, S, V are used"
            }
            if (2...7).contains(index), value > 9 {
                return "position \(index + 1) must be a digit (positions 3-8 are the administrative division)"
            }
            if index < 17 { sum += value * weights[index] }
        }
        let expected = alphabet[(31 - sum % 31) % 31]
        if bytes[17] != expected {
            return "has check character '\(Character(Unicode.Scalar(bytes[17])))', expected '\(Character(Unicode.Scalar(expected)))'"
        }
        return nil
    }

    /// The check character for the first 17 characters (tests generate codes with it).
    public static func checkCharacter(_ first17: String) -> Character? {
        let bytes = Array(first17.utf8)
        guard bytes.count == 17 else { return nil }
        var sum = 0
        for (index, byte) in bytes.enumerated() {
            guard let value = values[byte] else { return nil }
            sum += value * weights[index]
        }
        return Character(Unicode.Scalar(alphabet[(31 - sum % 31) % 31]))
    }
}

/// ICP filing numbers: `<province>ICP备<8 digits>号[-n]` or `<province>ICP证<6 digits>号`.
public enum ICPNumber {
    static let provinces: Set<Character> = Set("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新")

    public static func isValid(_ text: String) -> Bool {
        let chars = Array(text)
        guard chars.count >= 2, provinces.contains(chars[0]) else { return false }
        var rest = chars[1...]
        guard rest.starts(with: Array("ICP")) else { return false }
        rest = rest.dropFirst(3)
        guard let kind = rest.first, kind == "备" || kind == "证" else { return false }
        rest = rest.dropFirst()
        let digits = kind == "备" ? 8 : 6
        guard rest.count >= digits + 1, rest.prefix(digits).allSatisfy(\.isASCIIDigit) else { return false }
        rest = rest.dropFirst(digits)
        guard rest.first == "号" else { return false }
        rest = rest.dropFirst()
        if rest.isEmpty { return true }
        guard kind == "备", rest.first == "-" else { return false }
        rest = rest.dropFirst()
        return !rest.isEmpty && rest.allSatisfy(\.isASCIIDigit)
    }
}
