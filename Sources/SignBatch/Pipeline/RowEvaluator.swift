import Foundation

/// The per-row work that needs no order: reading, normalization, validation and the
/// certificate checks. It runs on its own thread, a chunk of rows ahead of admission and
/// writing, which must follow input order; the two cores then share a batch.
final class RowEvaluator: @unchecked Sendable {
    enum Message {
        case rows([Evaluation])
        case end
        case failed(BatchError)
    }

    private let reader: BatchReader
    private let normalizer: Normalizer
    private let validator: Validator
    private let documents: DocumentChecker
    private let queue = ChunkQueue<Message>(capacity: 8)
    private let finished = DispatchSemaphore(value: 0)
    // Small enough that a chunk stays below malloc's mmap threshold: no page-fault churn.
    static let chunkSize = 128

    /// Everything passed in is used by the evaluator's thread alone from now on.
    init(reader: BatchReader, normalizer: Normalizer, validator: Validator, documents: DocumentChecker) {
        self.reader = reader
        self.normalizer = normalizer
        self.validator = validator
        self.documents = documents
    }

    func start() {
        let thread = Thread { [self] in
            produce()
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next message in input order; blocks until the evaluator has one.
    func next() -> Message { queue.take() ?? .end }

    /// Stops the evaluator early (the batch failed while writing) and waits for it.
    func cancel() {
        queue.close()
        finished.wait()
    }

    /// Waits for the evaluator's thread after `.end` or `.failed`.
    func join() { finished.wait() }

    private func produce() {
        var chunk: [Evaluation] = []
        chunk.reserveCapacity(Self.chunkSize)
        do throws(BatchError) {
            while let raw = try reader.next() {
                chunk.append(evaluate(raw))
                if chunk.count == Self.chunkSize {
                    guard queue.put(.rows(chunk)) else { return }
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { guard queue.put(.rows(chunk)) else { return } }
            _ = queue.put(.end)
        } catch {
            _ = queue.put(.failed(error))
        }
    }

    func evaluate(_ raw: RawApplication) -> Evaluation {
        let app = normalizer.normalize(raw)
        var reasons = raw.problems
        reasons += validator.validate(app)
        reasons += documents.check(app.documentFile, role: .proof)
        if app.purpose.value == .others {
            reasons += documents.check(app.commissionFile, role: .commission)
        }
        return Evaluation(application: app, reasons: reasons)
    }
}

/// A bounded first-in first-out queue between two threads: a ring of `capacity` slots.
final class ChunkQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var slots: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false

    init(capacity: Int) { slots = Array(repeating: nil, count: capacity) }

    /// Blocks while full; false once the queue is closed (the item is dropped).
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == slots.count && !closed { condition.wait() }
        if closed { return false }
        slots[(head + count) % slots.count] = item
        count += 1
        condition.broadcast()
        return true
    }

    /// Blocks while empty; `nil` once closed and drained.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed { condition.wait() }
        if count == 0 { return nil }
        let item = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        condition.broadcast()
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
