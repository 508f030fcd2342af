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

    public func values(for evaluation: Evaluation) -> [String] {
        let app = evaluation.application
        var values: [String] = [String(app.line)]
        values.reserveCapacity(columns.count + extraColumns.count)
        let warnings = app.warnings.map(\.code.rawValue).joined(separator: ";")
        switch outcome {
        case .accepted:
            values.append(app.ref)
            values.append(app.accountID)
            values.append((app.accountType.value ?? .enterprise).rawValue)
            values.append(app.signName)
            values.append(app.signType.value?.name ?? "")
            values.append(app.signType.value.map { String($0.code) } ?? "")
            values.append(app.international.value == true ? "1" : "0")
            values.append((app.purpose.value ?? .self).rawValue)
            values.append(app.documentType.value?.name ?? "")
            values.append(app.documentType.value.map { String($0.code) } ?? "")
            values.append(app.documentFile)
            values.append(app.commissionFile)
            values.append(app.remark)
            values.append(app.productReleased.value == false ? "no" : "yes")
            values.append(app.organizationName)
            values.append(app.creditCode)
            values.append(app.icpNumber)
            values.append(warnings)
        case .rejected, .needsDocuments:
            values.append(app.raw[.ref] ?? "")
            let listed = evaluation.reasons.prefix(maxReasons)
            let codes = listed.map(\.code.rawValue)
            var messages = listed.map(\.message)
            if evaluation.reasons.count > maxReasons, !messages.isEmpty {
                messages[messages.count - 1] += " (\(evaluation.reasons.count - maxReasons) more reasons not listed)"
            }
            values.append(codes.joined(separator: ";"))
            values.append(messages.joined(separator: " | "))
            for field in Self.fieldColumns { values.append(app.raw[field] ?? "") }
            values.append(warnings)
        }
        values.append(contentsOf: app.raw.extras)
        return values
    }
}
