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
    mutating func add(_ evaluation: Evaluation) {
        outcomes[evaluation.outcome.position] += 1
        for reason in evaluation.reasons { add(reason.code) }
    }

    private mutating func add(_ code: ReasonCode) {
        for index in reasons.indices where reasons[index].code == code {
            reasons[index].count += 1
            return
        }
        reasons.append((code, 1))
    }

    /// Adds the counts to the summary's (only counts above zero make an entry).
    func fold(into summary: inout BatchSummary) {
        for outcome in Outcome.allCases where outcomes[outcome.position] > 0 {
            summary.counts[outcome, default: 0] += outcomes[outcome.position]
        }
        for (code, count) in reasons { summary.reasons[code, default: 0] += count }
    }
}
