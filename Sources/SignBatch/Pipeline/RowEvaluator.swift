import Foundation

/// The per-row work that needs no order: reading, normalization, validation, the
/// certificate checks and rendering each row for its outcome's file, in chunks of rows.
/// Admission and writing must follow input order and stay on the caller's thread;
/// everything else is shared between two threads:
///
/// - a worker thread reads chunks (the reader is sequential) and evaluates them;
/// - the caller, whenever the next chunk in order is not ready, evaluates a waiting chunk
///   itself instead of sleeping.
///
/// The split balances itself: whichever thread has nothing better to do evaluates. Each
/// thread has its own `EvaluationStage` (its caches and row buffers are its own; only
/// certificate verdicts are shared), and the result of evaluating a row does not depend
/// on which thread did it.
final class RowEvaluator: @unchecked Sendable {
    enum Message {
        /// Hand the chunk back with `recycle` once written.
        case rows(EvaluatedChunk)
        case end
        case failed(BatchError)
    }

    private enum Slot {
        case read([RawApplication])
        case claimed
        case evaluated(EvaluatedChunk)
    }

    // Small enough that a chunk stays below malloc's mmap threshold: no page-fault churn.
    static let chunkSize = 128
    /// Chunks in flight at most: bounds memory whatever the batch size.
    static let capacity = 16
    /// Read-but-unclaimed chunks the worker keeps in stock for the caller to take.
    private static let stock = 2

    private let reader: BatchReader
    private let workerStage: EvaluationStage
    private let callerStage: EvaluationStage
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    // Guarded by `condition`. Chunk `n` lives in `slots[n % capacity]`.
    private var slots = [Slot?](repeating: nil, count: RowEvaluator.capacity)
    /// The next chunk the caller takes.
    private var head = 0
    /// Chunks read so far.
    private var readCount = 0
    /// What follows the last chunk read (`.end` or `.failed`), once the reader is done.
    private var terminal: Message?
    private var closed = false
    /// Written memory for the worker to free: the chunks it evaluated, and the XML subtrees
    /// (parsed there) of those the caller evaluated. Each thread frees what it allocated, so
    /// neither takes the other's malloc arena lock: the caller, which allocates while
    /// evaluating but would otherwise never free, met the worker's frees on its arena's
    /// lock for every allocation. The caller does free the rows of its chunks, with their
    /// applications: their text lies in blocks of many rows (`RowTextArena`), one lock each.
    private var spent: [EvaluatedChunk] = []
    private var spentChecks: [[PendingSchemaCheck]] = []

    /// Everything passed in is used by the evaluator alone from now on; the stages must be
    /// distinct objects.
    init(reader: BatchReader, workerStage: EvaluationStage, callerStage: EvaluationStage) {
        self.reader = reader
        self.workerStage = workerStage
        self.callerStage = callerStage
    }

    func start() {
        let thread = Thread { [self] in
            work()
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next chunk in input order, evaluated; blocks (or evaluates) until there is one.
    func next() -> Message {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if head == readCount {
                if let terminal { return terminal }
                if closed { return .end }
                condition.wait()
                continue
            }
            let index = head % Self.capacity
            switch slots[index]! {
            case .evaluated(let evaluations):
                slots[index] = nil
                head += 1
                condition.broadcast()
                return .rows(evaluations)
            case .read:
                evaluate(head, with: callerStage)
            case .claimed:
                if let waiting = oldestUnclaimed() {
                    evaluate(waiting, with: callerStage)
                } else {
                    condition.wait()
                }
            }
        }
    }

    /// Hands back a chunk once written (`consuming`: the caller keeps no reference). What the
    /// caller evaluated it frees here; the rest goes to the worker, whose release is the last.
    func recycle(_ chunk: consuming EvaluatedChunk) {
        if chunk.evaluatedByWorker {
            condition.lock()
            spent.append(chunk)
            condition.unlock()
        } else if !chunk.schemaChecks.isEmpty {
            let checks = chunk.schemaChecks
            chunk.schemaChecks = []
            // The caller's own allocations (applications, reasons, rendering) end here;
            // the subtrees are still held by `checks`.
            _ = consume chunk
            condition.lock()
            spentChecks.append(checks)
            condition.unlock()
        }
    }

    /// Stops the worker early (the batch failed while writing) and waits for it.
    func cancel() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    /// Waits for the worker's thread after `.end` or `.failed`.
    func join() { finished.wait() }

    private func work() {
        condition.lock()
        defer { condition.unlock() }
        while !closed {
            if !spent.isEmpty || !spentChecks.isEmpty {
                var freed = spent
                var freedChecks = spentChecks
                spent = []
                spentChecks = []
                condition.unlock()
                freed.removeAll()
                freedChecks.removeAll()
                condition.lock()
                continue
            }
            if terminal == nil, readCount - head < Self.capacity, unclaimedCount() < Self.stock {
                condition.unlock()
                let (chunk, end) = readChunk()
                condition.lock()
                if closed { return }
                if !chunk.isEmpty {
                    slots[readCount % Self.capacity] = .read(chunk)
                    readCount += 1
                }
                if let end { terminal = end }
                condition.broadcast()
                continue
            }
            if let waiting = oldestUnclaimed() {
                evaluate(waiting, with: workerStage)
                continue
            }
            // Reader done and nothing left to evaluate: the caller drains the rest.
            if terminal != nil { return }
            condition.wait()
        }
    }

    /// Up to `chunkSize` rows, and `.end` / `.failed` when the reader is done.
    private func readChunk() -> ([RawApplication], Message?) {
        var chunk: [RawApplication] = []
        chunk.reserveCapacity(Self.chunkSize)
        do throws(BatchError) {
            while chunk.count < Self.chunkSize {
                guard let raw = try reader.next() else { return (chunk, .end) }
                chunk.append(raw)
            }
            return (chunk, nil)
        } catch {
            return (chunk, .failed(error))
        }
    }

    /// Evaluates chunk `sequence` outside the lock. Called and returns with the lock held.
    private func evaluate(_ sequence: Int, with stage: EvaluationStage) {
        let index = sequence % Self.capacity
        guard case .read(let chunk) = slots[index] else { return }
        slots[index] = .claimed
        condition.unlock()
        var evaluated = EvaluatedChunk()
        evaluated.evaluatedByWorker = stage === workerStage
        stage.evaluate(consume chunk, into: &evaluated)
        condition.lock()
        slots[index] = .evaluated(evaluated)
        condition.broadcast()
    }

    private func oldestUnclaimed() -> Int? {
        (head..<readCount).first { isUnclaimed($0) }
    }

    private func unclaimedCount() -> Int {
        (head..<readCount).reduce(0) { $0 + (isUnclaimed($1) ? 1 : 0) }
    }

    private func isUnclaimed(_ sequence: Int) -> Bool {
        if case .read = slots[sequence % Self.capacity] { true } else { false }
    }
}

/// Evaluated rows in input order, each rendered for its outcome's file: row `i`'s bytes are
/// `rendered[ends[i - 1]..<ends[i]]`.
struct EvaluatedChunk {
    /// Whether the worker's thread evaluated the chunk (and so frees it).
    var evaluatedByWorker = false
    /// The rows' pending schema checks (XML only), each owning a subtree the worker's
    /// thread parsed and so frees (`RowEvaluator.recycle`).
    var schemaChecks: [PendingSchemaCheck] = []
    var evaluations: [Evaluation] = []
    var rendered: [UInt8] = []
    var ends: [Int] = []
    /// The evaluations' outcomes and reasons, counted on the evaluating thread: the writing
    /// thread adds one tally per chunk instead of reading every row's reasons again.
    var tally = RowTally()

    func renderedRow(_ index: Int) -> ArraySlice<UInt8> {
        rendered[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }
}

/// Normalization, validation, the certificate checks and rendering of one row. Not
/// thread-safe (its lookup caches): one per thread.
final class EvaluationStage {
    private let normalizer: Normalizer
    private let validator: Validator
    private let documents: DocumentChecker
    /// Made where the output format is a concrete type, so rendering is specialized to it.
    let render: (Evaluation, inout [UInt8]) -> Void

    init(normalizer: Normalizer, validator: Validator, documents: DocumentChecker,
         render: @escaping (Evaluation, inout [UInt8]) -> Void) {
        self.normalizer = normalizer
        self.validator = validator
        self.documents = documents
        self.render = render
    }

    /// This thread's validation context for XML applications, made on first use.
    private var schemaValidator: LibXMLSchemaValidator?

    /// Evaluates and renders a chunk of rows. All of them are normalized first, so that the
    /// certificate cache's reads for the whole chunk can be started together
    /// (`DocumentChecker.prefetch`) before the first row is checked, and so can the disk
    /// reads of certificates not yet checked (`DocumentChecker.readAhead`).
    ///
    /// Each row moves into its application (`consuming`): copying it there would retain,
    /// and freeing the chunk release, each of its buffers once more.
    func evaluate(_ chunk: consuming [RawApplication], into evaluated: inout EvaluatedChunk) {
        let count = chunk.count
        // Taken from the end, each row leaves the array without a copy. Reversed through a
        // buffer pointer, whose swaps move rows (the array's own swaps copy them).
        chunk.withUnsafeMutableBufferPointer { $0.reverse() }
        evaluated.evaluations.reserveCapacity(count)
        evaluated.ends.reserveCapacity(count)
        evaluated.rendered.reserveCapacity(count * 256)
        // The applications between the passes, each moved in and out once: an array would
        // retain each for its evaluation and release it when freed.
        withUnsafeTemporaryAllocation(of: Application.self, capacity: count) { apps in
            // Per row, the hashes of its two certificate paths; then those to prefetch.
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4 * count) { hashes in
                hashes.initialize(repeating: 0)
                var wanted = 2 * count
                func hash(_ app: Application, _ field: TextField, into slot: Int) {
                    guard !app.isEmpty(field) else { return }
                    hashes[slot] = app.withBytes(field) { ByteHash.hash($0) }
                    hashes[wanted] = hashes[slot]
                    wanted += 1
                }
                for index in 0..<count {
                    // Read in the array: a local copy of the row would retain its buffers.
                    if let check = chunk[chunk.count - 1].pendingSchemaCheck { evaluated.schemaChecks.append(check) }
                    let app = normalizer.normalize(chunk.removeLast())
                    hash(app, .documentFile, into: 2 * index)
                    if app.purpose.value == .others { hash(app, .commissionFile, into: 2 * index + 1) }
                    (apps.baseAddress! + index).initialize(to: app)
                }
                documents.prefetch(UnsafeBufferPointer(rebasing: hashes[(2 * count)..<wanted]))
                if documents.beginChunk() {
                    for index in 0..<count {
                        apps[index].withBytes(.documentFile) { documents.readAhead(bytes: $0, hash: hashes[2 * index]) }
                        if apps[index].purpose.value == .others {
                            apps[index].withBytes(.commissionFile) {
                                documents.readAhead(bytes: $0, hash: hashes[2 * index + 1])
                            }
                        }
                    }
                }
                for index in 0..<count {
                    let evaluation = evaluate((apps.baseAddress! + index).move(), documentHash: hashes[2 * index],
                                              commissionHash: hashes[2 * index + 1])
                    render(evaluation, &evaluated.rendered)
                    evaluated.tally.add(evaluation)
                    evaluated.evaluations.append(consume evaluation)
                    evaluated.ends.append(evaluated.rendered.count)
                }
            }
        }
    }

    /// `documentHash` and `commissionHash`: the `ByteHash` of each certificate path the row
    /// has and is checked for (other values are not read).
    /// The row's reader findings are read through `app.raw`, which holds the same row.
    private func evaluate(_ app: consuming Application, documentHash: UInt64, commissionHash: UInt64) -> Evaluation {
        var reasons = app.raw.problems
        if let check = app.raw.pendingSchemaCheck { reasons += runSchemaCheck(check) }
        // Most rows have no reason, and many have one list of them: joined without copying
        // into a new array when one side is empty.
        func add(_ findings: [Finding]) {
            if reasons.isEmpty { reasons = findings } else if !findings.isEmpty { reasons += findings }
        }
        add(validator.validate(app))
        add(app.withBytes(.documentFile) { documents.check(bytes: $0, hash: documentHash, role: .proof) })
        if app.purpose.value == .others {
            add(app.withBytes(.commissionFile) { documents.check(bytes: $0, hash: commissionHash, role: .commission) })
        }
        return Evaluation(application: app, reasons: reasons)
    }

    private func runSchemaCheck(_ check: PendingSchemaCheck) -> [Finding] {
        if schemaValidator == nil {
            do {
                schemaValidator = try LibXMLSchemaValidator(LibXMLSchema.batch())
            } catch {
                // The reader loaded the same schema before any application was read.
                return [Finding(.schemaInvalid, "the batch schema could not be loaded: \(error.description)")]
            }
        }
        return check.run(schemaValidator!)
    }
}
