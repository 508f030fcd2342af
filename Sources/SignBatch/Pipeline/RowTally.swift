/// A batch's counts of outcomes and reasons while its rows are written, folded into the
/// summary's dictionaries once at the end: `Outcome` and `ReasonCode` hash their raw
/// strings, which cost more per row than the rest of the bookkeeping together.
struct RowTally {
    /// Indexed by `Outcome.position`.
    private var outcomes = [0, 0, 0]
    /// The reasons seen, in the order first seen: a batch has few distinct ones, found by
    /// comparing the enums themselves.
    private var reasons: [(code: ReasonCode, count: Int)] = []

    @inline(__always)
    mutating func add(_ evaluation: Evaluation) { add(evaluation, times: 1) }

    /// Takes back an evaluation added before (admission refused its row).
    mutating func remove(_ evaluation: Evaluation) { add(evaluation, times: -1) }

    /// Adds another tally's counts (a chunk's, counted where it was evaluated).
    mutating func add(_ other: RowTally) {
        for position in outcomes.indices { outcomes[position] += other.outcomes[position] }
        for (code, count) in other.reasons { add(code, count) }
    }

    @inline(__always)
    private mutating func add(_ evaluation: Evaluation, times: Int) {
        outcomes[evaluation.outcome.position] += times
        // Codes read in place: iterating would copy each finding (retaining its message).
        evaluation.reasons.withUnsafeBufferPointer { findings in
            for index in findings.indices { add(findings[index].code, times) }
        }
    }

    private mutating func add(_ code: ReasonCode, _ count: Int) {
        for index in reasons.indices where reasons[index].code == code {
            reasons[index].count += count
            return
        }
        reasons.append((code, count))
    }

    /// Adds the counts to the summary's; an outcome no row had makes no entry. (A reason
    /// taken back is always added again with its row's refusal.)
    func fold(into summary: inout BatchSummary) {
        for outcome in Outcome.allCases where outcomes[outcome.position] > 0 {
            summary.counts[outcome, default: 0] += outcomes[outcome.position]
        }
        for (code, count) in reasons { summary.reasons[code, default: 0] += count }
    }
}
