/// The encodings a CSV batch may be written in (SPEC §2) and how one is chosen.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"
    case gb18030 = "gb18030"

    /// `--encoding` values; GBK and GB2312 are subsets of GB18030.
    public init?(option: String) {
        switch option.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": self = .utf8
        case "utf-16le", "utf16le": self = .utf16LE
        case "utf-16be", "utf16be": self = .utf16BE
        case "gb18030", "gbk", "gb2312", "cp936": self = .gb18030
        default: return nil
        }
    }

    /// The name iconv knows it by.
    var iconvName: String {
        switch self {
        case .utf8: "UTF-8"
        case .utf16LE: "UTF-16LE"
        case .utf16BE: "UTF-16BE"
        case .gb18030: "GB18030"
        }
    }

    /// The encoding of a batch and the length of its byte-order mark. A BOM always wins;
    /// then `--encoding`; then UTF-8 unless the bytes are mostly not UTF-8, in which case
    /// GB18030 (what Excel writes on Chinese Windows). A file with a few bad bytes among
    /// much valid UTF-8 stays UTF-8 so that only the damaged rows are rejected.
    public static func detect(_ fingerprint: BatchFingerprint, requested: TextEncoding?) -> (TextEncoding, bomLength: Int) {
        let lead = fingerprint.leadingBytes
        if lead.starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, 3) }
        if lead.starts(with: [0xFF, 0xFE]) { return (.utf16LE, 2) }
        if lead.starts(with: [0xFE, 0xFF]) { return (.utf16BE, 2) }
        if let requested { return (requested, 0) }
        let census = fingerprint.utf8
        if census.isValid || census.invalid * 10 < census.multibyte { return (.utf8, 0) }
        return (.gb18030, 0)
    }
}
