/// Where the host of a URL's authority lies in its bytes (ASCII text): from `start`, up to
/// the first `/`, `?` or `#`, after the last `@` (credentials), with any `:port` apart.
/// Shared by the website remark's domain (normalization) and the app URL's host check
/// (validation), which treat a port that is not all digits differently.
struct AuthoritySpan {
    var start: Int
    /// End of the host and port together.
    var end: Int
    /// The last `:` after the credentials, if any.
    var colon: Int?
    /// Whether everything after `colon` is a digit (true when there is no colon).
    var numericPort: Bool

    init(_ bytes: UnsafeBufferPointer<UInt8>, from offset: Int) {
        let end = bytes[offset...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? bytes.count
        let start = bytes[offset..<end].lastIndex(of: UInt8(ascii: "@")).map { $0 + 1 } ?? offset
        let colon = bytes[start..<end].lastIndex(of: UInt8(ascii: ":"))
        self.start = start
        self.end = end
        self.colon = colon
        numericPort = colon.map { colon in bytes[(colon + 1)..<end].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } } ?? true
    }

    /// The end of the host when a numeric port is left out.
    var hostEnd: Int { numericPort ? (colon ?? end) : end }
}
