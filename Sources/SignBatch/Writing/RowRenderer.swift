/// Renders evaluations into the bytes of their outcome's output file, on the thread that
/// evaluated them: the writing thread then only admits rows and copies bytes, and a row's
/// strings are read by the thread that made them. A row that admission turns into a
/// rejection is rendered again by its writer.
final class RowRenderer<Format: RowFormat> {
    private let tables: [OutputTable]
    /// One per outcome, indexed by `Outcome.position`, as the writers have them.
    // Exclusivity unchecked: no access to it overlaps another, and the per-access
    // bookkeeping of class properties cost more per row than the work it guards.
    @exclusivity(unchecked) private var formats: [Format]

    init(tables: [OutputTable]) {
        self.tables = tables
        formats = tables.map { Format(table: $0) }
    }

    func render(_ evaluation: Evaluation, into bytes: inout [UInt8]) {
        let position = evaluation.outcome.position
        formats[position].render(evaluation, in: tables[position], into: &bytes)
    }
}
