/// XML output: `<applications outcome="…">` holding one `<application>` per row, its
/// children named like the columns, unknown CSV columns as `<extra name="…">`. Valid
/// against `signbatch-output.xsd`. Text is escaped here; characters XML 1.0 cannot carry
/// (C0 controls other than tab, LF, CR) only reach rejected rows, as U+FFFD.
public struct XMLRow: RowFormat {
    let prolog: [UInt8]
    var epilogue: [UInt8] { Array("</applications>\n".utf8) }
    var row: [UInt8] = []
    /// `    <line>` … then `    <extra name="…">` for the extras.
    private let opens: [[UInt8]]
    /// `</line>\n` … then `</extra>\n`.
    private let closes: [[UInt8]]
    private var index = 0

    init(table: OutputTable) {
        prolog = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<applications outcome=\"\(table.outcome.rawValue)\">\n".utf8)
        var opens: [[UInt8]] = []
        var closes: [[UInt8]] = []
        for column in table.columns {
            opens.append(Array("    <\(column)>".utf8))
            closes.append(Array("</\(column)>\n".utf8))
        }
        for column in table.extraColumns {
            var open = Array("    <extra name=\"".utf8)
            XMLRow.appendEscaped(column, to: &open, inAttribute: true)
            open.append(contentsOf: "\">".utf8)
            opens.append(open)
            closes.append(Array("</extra>\n".utf8))
        }
        self.opens = opens
        self.closes = closes
    }

    mutating func start() {
        row.append(contentsOf: "  <application>\n".utf8)
        index = 0
    }

    mutating func finish() {
        row.append(contentsOf: "  </application>\n".utf8)
    }

    public mutating func text(bytes: UnsafeBufferPointer<UInt8>) {
        row.append(contentsOf: opens[index])
        XMLRow.appendEscaped(bytes: bytes, to: &row)
        row.append(contentsOf: closes[index])
        index += 1
    }

    public mutating func number(_ value: Int) {
        row.append(contentsOf: opens[index])
        row.appendDecimal(value)
        row.append(contentsOf: closes[index])
        index += 1
    }

    /// In an attribute, tab and line feed are written as references too: a parser would
    /// otherwise normalize them to spaces (a CSV header cell may hold a line break).
    public static func appendEscaped(_ text: String, to out: inout [UInt8], inAttribute: Bool = false) {
        text.withBytes { appendEscaped(bytes: $0, to: &out, inAttribute: inAttribute) }
    }

    /// `appendEscaped` for text given as its UTF-8 bytes (valid UTF-8).
    static func appendEscaped(bytes text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8], inAttribute: Bool = false) {
        // 0xEF may start U+FFFE / U+FFFF.
        out.appendEscaped(text, ifAny: { $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0xEF }) { scalar in
            switch scalar {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "\r": "&#13;"
            case "\t": inAttribute ? "&#9;" : nil
            case "\n": inAttribute ? "&#10;" : nil
            default: scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF ? "\u{FFFD}" : nil
            }
        }
    }
}
