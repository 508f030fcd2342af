/// One application as a reader found it: field text exactly as given (decoded, not
/// normalized), the physical line where it starts, and any problem the reader
/// itself saw (a ragged CSV row, an XML element that breaks the schema).
public struct RawApplication: Sendable {
    public var line: Int
    /// Indexed by `Field.rawValue`; `nil` when the batch has no such column or element.
    public var values: [String?]
    /// Values of the batch's unknown columns, in the order of `BatchLayout.extraColumns`.
    public var extras: [String]
    public var problems: [Finding]
    /// Schema validation the XML reader left to the evaluating thread; its findings follow
    /// `problems`.
    var pendingSchemaCheck: PendingSchemaCheck?

    public init(line: Int, values: [String?] = Array(repeating: nil, count: Field.allCases.count),
                extras: [String] = [], problems: [Finding] = []) {
        self.line = line
        self.values = values
        self.extras = extras
        self.problems = problems
    }

    /// Runs the schema check the XML reader left, if any: its findings join `problems`.
    mutating func runPendingSchemaCheck(_ validator: LibXMLSchemaValidator) {
        guard let check = pendingSchemaCheck else { return }
        problems += check.run(validator)
        pendingSchemaCheck = nil
    }

    public subscript(field: Field) -> String? {
        get { values[field.rawValue] }
        set { values[field.rawValue] = newValue }
    }
}

/// What a reader knows about a batch as a whole once its header (or first element) is read.
public struct BatchLayout: Sendable, Equatable {
    /// Names of columns that are not fields, carried through to every output.
    public var extraColumns: [String]
    public var encoding: String

    public init(extraColumns: [String] = [], encoding: String = "utf-8") {
        self.extraColumns = extraColumns
        self.encoding = encoding
    }
}
