/// XML output: `<applications outcome="…">` holding one `<application>` per row, its
/// children named like the columns, unknown CSV columns as `<extra name="…">`. Valid
/// against `signbatch-output.xsd`. Text is escaped here; characters XML 1.0 cannot carry
/// (C0 controls other than tab, LF, CR) only reach rejected rows, as U+FFFD.
public final class XMLRecordWriter: RecordWriter {
    private let file: AtomicFile
    private let table: OutputTable
    private var out: [UInt8] = []

    init(file: AtomicFile, table: OutputTable) throws(BatchError) {
        self.file = file
        self.table = table
        try file.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<applications outcome=\"\(table.outcome.rawValue)\">\n")
    }

    public func write(_ values: [String]) throws(BatchError) {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: "  <application>\n".utf8)
        for (index, column) in table.columns.enumerated() {
            out.append(contentsOf: "    <\(column)>".utf8)
            Self.appendEscaped(values[index], to: &out)
            out.append(contentsOf: "</\(column)>\n".utf8)
        }
        for (index, column) in table.extraColumns.enumerated() {
            out.append(contentsOf: "    <extra name=\"".utf8)
            Self.appendEscaped(column, to: &out, inAttribute: true)
            out.append(contentsOf: "\">".utf8)
            Self.appendEscaped(values[table.columns.count + index], to: &out)
            out.append(contentsOf: "</extra>\n".utf8)
        }
        out.append(contentsOf: "  </application>\n".utf8)
        try file.write(out)
    }

    public func commit() throws(BatchError) {
        try file.write("</applications>\n")
        try file.commit()
    }

    /// In an attribute, tab and line feed are written as references too: a parser would
    /// otherwise normalize them to spaces (a CSV header cell may hold a line break).
    public static func appendEscaped(_ text: String, to out: inout [UInt8], inAttribute: Bool = false) {
        // Most text needs no escaping: copied as bytes. 0xEF may start U+FFFE / U+FFFF.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0xEF }) {
            out.append(contentsOf: text.utf8)
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".utf8)
            case "<": out.append(contentsOf: "&lt;".utf8)
            case ">": out.append(contentsOf: "&gt;".utf8)
            case "\"": out.append(contentsOf: "&quot;".utf8)
            case "\r": out.append(contentsOf: "&#13;".utf8)
            case "\t" where inAttribute: out.append(contentsOf: "&#9;".utf8)
            case "\n" where inAttribute: out.append(contentsOf: "&#10;".utf8)
            case "\t", "\n": out.append(UInt8(scalar.value))
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                } else if scalar.isASCII {
                    out.append(UInt8(scalar.value))
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
    }
}
