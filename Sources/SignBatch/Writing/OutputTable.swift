/// The columns of the three output files (SPEC §6) and each evaluation's values for them.
/// Accepted rows carry the normalized fields and the API codes; rejected and
/// needs-documents rows carry the reasons, messages and the fields as they were given.
/// The batch's unknown columns follow, carried through unchanged.
public struct OutputTable: Sendable {
    public let outcome: Outcome
    public let columns: [String]
    public let extraColumns: [String]
    /// Cap on reasons listed per row (SPEC leaves it to us; bounds absurd input).
    public let maxReasons: Int

    static let fieldColumns: [Field] = Array(Field.allCases.dropFirst())  // `ref` leads with `line`

    public init(outcome: Outcome, extraColumns: [String], maxReasons: Int = 32) {
        self.outcome = outcome
        self.extraColumns = extraColumns
        self.maxReasons = maxReasons
        var columns = ["line", "ref"]
        switch outcome {
        case .accepted:
            for field in Self.fieldColumns {
                columns.append(field.name)
                if field == .signType { columns.append("sign_type_code") }
                if field == .documentType { columns.append("document_type_code") }
            }
            columns.append("warnings")
        case .rejected, .needsDocuments:
            columns += ["reasons", "messages"]
            columns += Self.fieldColumns.map(\.name)
            columns.append("warnings")
        }
        self.columns = columns
    }

    /// Columns whose values are numbers (JSON output writes them unquoted).
    public var numericColumns: Set<String> {
        outcome == .accepted ? ["line", "sign_type_code", "document_type_code"] : ["line"]
    }

    /// The row's cells as strings (tests and the fuzz harness; writers use `emit`).
    public func values(for evaluation: Evaluation) -> [String] {
        var sink = StringCells()
        emit(evaluation, to: &sink)
        return sink.values
    }

    /// Hands the row's cells to `sink` in column order, extras last. Generic so each writer
    /// gets its own specialized copy: no array of cells per row.
    @inline(__always)
    public func emit<Sink: CellSink>(_ evaluation: Evaluation, to sink: inout Sink) {
        let app = evaluation.application
        sink.number(app.line)
        switch outcome {
        case .accepted:
            app.withBytes(.ref) { sink.text(bytes: $0) }
            app.withBytes(.accountID) { sink.text(bytes: $0) }
            // Constant cells are written from static text and type names from the rules'
            // bytes: as `String`s each was a check of its form, and the names a retain.
            sink.text(static: (app.accountType.value ?? .enterprise).spelling)
            sink.text(app.signName)
            sink.nameAndCode(app.signType.value.map { ($0.ruleName, $0.code) })
            sink.text(static: app.international.value == true ? "1" : "0")
            sink.text(static: (app.purpose.value ?? .self).spelling)
            sink.nameAndCode(app.documentType.value.map { ($0.ruleName, $0.code) })
            app.withBytes(.documentFile) { sink.text(bytes: $0) }
            app.withBytes(.commissionFile) { sink.text(bytes: $0) }
            app.withBytes(.remark) { sink.text(bytes: $0) }
            sink.text(static: app.productReleased.value == false ? "no" : "yes")
            app.withBytes(.organizationName) { sink.text(bytes: $0) }
            app.withBytes(.creditCode) { sink.text(bytes: $0) }
            app.withBytes(.icpNumber) { sink.text(bytes: $0) }
        case .rejected, .needsDocuments:
            app.raw.withBytes(.ref) { sink.text(bytes: $0) }
            let listed = evaluation.reasons.prefix(maxReasons)
            if listed.count == 1 {
                sink.text(listed[listed.startIndex].code.rawValue)
            } else {
                sink.text(joining: listed.lazy.map(\.code.rawValue), separator: ";")
            }
            if evaluation.reasons.count > maxReasons, !listed.isEmpty {
                var messages = listed.map(\.message)
                messages[messages.count - 1] += " (\(evaluation.reasons.count - maxReasons) more reasons not listed)"
                sink.text(joining: messages, separator: " | ")
            } else if listed.count == 1 {
                sink.text(listed[listed.startIndex].message)
            } else {
                sink.text(joining: listed.lazy.map(\.message), separator: " | ")
            }
            for field in Self.fieldColumns { app.raw.withBytes(field) { sink.text(bytes: $0) } }
        }
        switch app.warnings.count {
        case 0: sink.text(static: "")
        case 1: sink.text(app.warnings[0].code.rawValue)
        default: sink.text(app.warnings.map(\.code.rawValue).joined(separator: ";"))
        }
        for extra in app.raw.extras { sink.text(extra) }
    }
}

/// Receives one output row's cells in column order.
public protocol CellSink {
    mutating func text(_ value: String)
    /// A text cell given as its UTF-8 bytes (valid UTF-8).
    mutating func text(bytes: UnsafeBufferPointer<UInt8>)
    mutating func number(_ value: Int)
}

extension CellSink {
    /// A text cell: its bytes, read in place.
    @inline(__always)
    public mutating func text(_ value: String) {
        value.withBytes { text(bytes: $0) }
    }

    /// One text cell of `parts` with `separator` between them, as `text(parts.joined(separator:))`
    /// would give, but copied once into a scratch buffer: joining `String`s cost a row with
    /// several reasons more than rendering all its other cells.
    @inline(__always)
    mutating func text<Parts: Collection<String>>(joining parts: Parts, separator: StaticString) {
        let separatorBytes = UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount)
        var total = 0
        for part in parts { total += part.utf8.count }
        total += separatorBytes.count * max(parts.count - 1, 0)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { joined in
            var written = 0
            for (index, part) in parts.enumerated() {
                if index > 0 {
                    _ = UnsafeMutableBufferPointer(rebasing: joined[written...]).initialize(fromContentsOf: separatorBytes)
                    written += separatorBytes.count
                }
                part.withBytes { bytes in
                    _ = UnsafeMutableBufferPointer(rebasing: joined[written...]).initialize(fromContentsOf: bytes)
                    written += bytes.count
                }
            }
            text(bytes: UnsafeBufferPointer(rebasing: joined[..<written]))
        }
    }

    /// An enum's name and API code as two cells; two empty cells when it has no value.
    @inline(__always)
    mutating func nameAndCode(_ value: (name: RuleName, code: Int)?) {
        if let value {
            text(bytes: value.name.bytes)
            number(value.code)
        } else {
            text(static: "")
            text(static: "")
        }
    }

    @inline(__always)
    mutating func text(static value: StaticString) {
        text(bytes: UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }
}

/// Collects cells as strings.
struct StringCells: CellSink {
    var values: [String] = []
    mutating func text(_ value: String) { values.append(value) }
    mutating func text(bytes: UnsafeBufferPointer<UInt8>) { values.append(String(decoding: bytes, as: UTF8.self)) }
    mutating func number(_ value: Int) { values.append(String(value)) }
}
