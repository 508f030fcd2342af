/// GB 32100-2015 Unified Social Credit Code: 18 characters from `0-9A-Z` without
/// I O Z S V, positions 3–8 digits, and a mod-31 check character at the end.
public enum CreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    /// Each byte's value in `alphabet`, or -1.
    static let values: [Int] = {
        var table = [Int](repeating: -1, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = value }
        return table
    }()

    /// Spaces and `-` removed, letters upper-cased.
    public static func normalize(_ text: String) -> String {
        text.withBytes { bytes in
            // ASCII is decided on bytes, and most codes are already in shape.
            var changes = false
            for byte in bytes {
                if byte >= 0x80 { return String(text.filter { $0 != " " && $0 != "-" }).uppercased() }
                if byte == 0x20 || byte == 0x2D || (byte >= 0x61 && byte <= 0x7A) { changes = true }
            }
            if !changes { return text }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            for byte in bytes where byte != 0x20 && byte != 0x2D {
                out.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// All of an ASCII code when `normalize` would leave it as it is, else `nil`.
    static func inShape(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        for byte in bytes where byte == 0x20 || byte == 0x2D || (byte >= 0x61 && byte <= 0x7A) || byte >= 0x80 {
            return nil
        }
        return 0..<bytes.count
    }

    /// `nil` when valid, else why not (for the message).
    public static func problem(_ code: String) -> String? {
        code.withBytes(problem(bytes:))
    }

    /// `problem` of a code given as its UTF-8 bytes.
    static func problem(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.count == 18, bytes.allSatisfy({ $0 < 0x80 }) else {
            return "has \(String(decoding: bytes, as: UTF8.self).count) characters, a Unified Social Credit Code has 18"
        }
        // The tables are read once, outside the loop: each access to a global costs a
        // lazy-initialization check.
        let (values, weights) = (Self.values, Self.weights)
        var sum = 0
        for index in 0..<18 {
            let byte = bytes[index]
            let value = values[Int(byte)]
            guard value >= 0 else {
                return "holds '\(Character(Unicode.Scalar(byte)))' at position \(index + 1); only 0-9 and A-Z without I, O, Z, S, V are used"
            }
            if index >= 2, index <= 7, value > 9 {
                return "position \(index + 1) must be a digit (positions 3-8 are the administrative division)"
            }
            if index < 17 { sum += value * weights[index] }
        }
        let expected = alphabet[(31 - sum % 31) % 31]
        let last = bytes[17]
        if last != expected {
            return "has check character '\(Character(Unicode.Scalar(last)))', expected '\(Character(Unicode.Scalar(expected)))'"
        }
        return nil
    }

    /// The check character for the first 17 characters (tests generate codes with it).
    public static func checkCharacter(_ first17: String) -> Character? {
        let bytes = Array(first17.utf8)
        guard bytes.count == 17 else { return nil }
        var sum = 0
        for (index, byte) in bytes.enumerated() {
            let value = values[Int(byte)]
            guard value >= 0 else { return nil }
            sum += value * weights[index]
        }
        return Character(Unicode.Scalar(alphabet[(31 - sum % 31) % 31]))
    }
}

/// ICP filing numbers: `<province>ICP备<8 digits>号[-n]` or `<province>ICP证<6 digits>号`.
public enum ICPNumber {
    static let provinces: Set<UInt32> = Set("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新".unicodeScalars.map(\.value))

    public static func isValid(_ text: String) -> Bool {
        var scalars = text.unicodeScalars.makeIterator()
        return isValid(&scalars)
    }

    /// `isValid` of text given as its UTF-8 bytes.
    static func isValid(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var scalars = UTF8Scalars(bytes)
        return isValid(&scalars)
    }

    private static func isValid<Scalars: IteratorProtocol<Unicode.Scalar>>(_ scalars: inout Scalars) -> Bool {
        func digit(_ scalar: Unicode.Scalar?) -> Bool {
            guard let scalar else { return false }
            return scalar.value >= 0x30 && scalar.value <= 0x39
        }
        guard let province = scalars.next(), provinces.contains(province.value) else { return false }
        guard scalars.next() == "I", scalars.next() == "C", scalars.next() == "P" else { return false }
        guard let kind = scalars.next(), kind == "备" || kind == "证" else { return false }
        for _ in 0..<(kind == "备" ? 8 : 6) where !digit(scalars.next()) { return false }
        guard scalars.next() == "号" else { return false }
        guard let dash = scalars.next() else { return true }
        guard kind == "备", dash == "-" else { return false }
        var serial = 0
        while let next = scalars.next() {
            guard digit(next) else { return false }
            serial += 1
        }
        return serial > 0
    }
}
