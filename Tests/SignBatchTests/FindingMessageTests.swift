import Testing
@testable import SignBatch

/// Messages built by `FindingMessage` must read exactly as `String` interpolation of the
/// same pieces: the outputs' messages column is compared byte for byte.
struct FindingMessageTests {
    static let numbers: [Int] = [0, 1, 9, 10, 99, 200, 1_000_000, -1, -42, Int.max, Int.min]

    @Test(arguments: numbers)
    func numbersReadAsStringInterpolationWritesThem(_ number: Int) {
        let message: FindingMessage = "has \(number) characters"
        #expect(message.string == "has \(number) characters")
    }

    @Test func unsignedAndNarrowIntegers() {
        let byte: UInt8 = 255
        let wide: UInt64 = .max
        let message: FindingMessage = "\(byte)/\(wide)/\(Int8.min)"
        #expect(message.string == "255/18446744073709551615/-128")
        // The widest numbers fill the scratch run exactly: 39 digits and a sign.
        let widest: FindingMessage = "\(Int128.min) \(UInt128.max)"
        #expect(widest.string == "\(Int128.min) \(UInt128.max)")
    }

    static let texts = ["", "a", "【腾讯云】", "short", String(repeating: "长", count: 200),
                        String(repeating: "x", count: 15), String(repeating: "y", count: 16), "e\u{301}"]

    @Test(arguments: texts)
    func textIsCopiedWhole(_ text: String) {
        let message: FindingMessage = "sign_name '\(text)' is not drawn from '\(text)'; \(text.count) characters"
        #expect(message.string == "sign_name '\(text)' is not drawn from '\(text)'; \(text.count) characters")
    }

    @Test func bytesOfARowAreCopiedAsGiven() {
        let path = "certs/营业执照 1.png"
        let message: FindingMessage = path.withBytes { "document_file '\(utf8: $0)' does not exist" }
        #expect(message.string == "document_file 'certs/营业执照 1.png' does not exist")
    }

    /// Far more than the estimate of 32 bytes a piece: the buffer grows, keeping what it had.
    @Test func messagesLongerThanTheirEstimateGrow() {
        let long = String(repeating: "0123456789", count: 100)
        let message: FindingMessage = "[\(long)|\(long)]\(long.count)"
        #expect(message.string == "[\(long)|\(long)]1000")
        #expect(message.string.utf8.count == 2 + 1 + 2000 + 4)
    }

    @Test func aLiteralIsItself() {
        let message: FindingMessage = "sign_name is empty"
        #expect(message.string == "sign_name is empty")
        #expect(Finding(.signNameMissing, message: message) == Finding(.signNameMissing, "sign_name is empty"))
    }
}
