/// Output formats (`--format`); the default follows the input.
public enum OutputFormat: String, Sendable, CaseIterable {
    case csv, xml, jsonl
}

/// Writes one output file of a batch. Rows arrive in input order; nothing is visible under
/// the final name until `commit()`.
public protocol RecordWriter: AnyObject {
    func write(_ values: [String]) throws(BatchError)
    func commit() throws(BatchError)
}

public enum RecordWriters {
    public static func make(_ format: OutputFormat, path: String, table: OutputTable) throws(BatchError) -> RecordWriter {
        let file = try AtomicFile(path: path)
        switch format {
        case .csv: return try CSVRecordWriter(file: file, header: table.columns + table.extraColumns)
        case .jsonl: return JSONLRecordWriter(file: file, table: table)
        case .xml: return try XMLRecordWriter(file: file, table: table)
        }
    }
}

/// RFC 4180 output, UTF-8, LF line ends, with formula-injection protection.
public final class CSVRecordWriter: RecordWriter {
    private let file: AtomicFile
    private var line: [UInt8] = []

    init(file: AtomicFile, header: [String]) throws(BatchError) {
        self.file = file
        line.reserveCapacity(1024)
        try write(header)
    }

    public func write(_ values: [String]) throws(BatchError) {
        line.removeAll(keepingCapacity: true)
        for (index, value) in values.enumerated() {
            if index > 0 { line.append(0x2C) }
            CSVRecordWriter.appendCell(value, to: &line)
        }
        line.append(0x0A)
        try file.write(line)
    }

    public func commit() throws(BatchError) { try file.commit() }

    /// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
    /// gets a leading `'`; a cell with a comma, quote or line break is quoted.
    public static func appendCell(_ value: String, to out: inout [UInt8]) {
        let utf8 = value.utf8
        var needsQuotes = false
        var formula = false
        if let first = utf8.first {
            formula = first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D
        }
        for byte in utf8 where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        if !needsQuotes && !formula {
            out.append(contentsOf: utf8)
            return
        }
        if needsQuotes { out.append(0x22) }
        if formula { out.append(0x27) }
        if needsQuotes {
            for byte in utf8 {
                out.append(byte)
                if byte == 0x22 { out.append(0x22) }
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: utf8)
        }
    }
}

/// One JSON object per line; numeric columns unquoted, unknown columns under `extra`.
public final class JSONLRecordWriter: RecordWriter {
    private let file: AtomicFile
    private let table: OutputTable
    private let numeric: [Bool]
    private var out: [UInt8] = []

    init(file: AtomicFile, table: OutputTable) {
        self.file = file
        self.table = table
        let numericColumns = table.numericColumns
        numeric = table.columns.map { numericColumns.contains($0) }
    }

    public func write(_ values: [String]) throws(BatchError) {
        out.removeAll(keepingCapacity: true)
        out.append(UInt8(ascii: "{"))
        for (index, column) in table.columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.appendString(column, to: &out)
            out.append(UInt8(ascii: ":"))
            let value = values[index]
            if numeric[index], !value.isEmpty { out.append(contentsOf: value.utf8) } else { JSONValue.appendString(value, to: &out) }
        }
        if !table.extraColumns.isEmpty {
            out.append(contentsOf: ",\"extra\":{".utf8)
            for (index, column) in table.extraColumns.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.appendString(column, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONValue.appendString(values[table.columns.count + index], to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "}\n".utf8)
        try file.write(out)
    }

    public func commit() throws(BatchError) { try file.commit() }
}
