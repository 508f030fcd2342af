import Foundation

/// A name the rules give a sign or document type, as UTF-8 bytes that live as long as the
/// process. Every application holds its types and every output row writes their names:
/// a `String` name would be retained and released with each copy, a few times a row.
/// Names are interned, so making the same rule set again (tests, the fuzz harness) adds
/// no memory.
public struct RuleName: @unchecked Sendable, Equatable, CustomStringConvertible {
    private let start: UnsafePointer<UInt8>
    private let count: Int

    public init(_ name: String) {
        (start, count) = Self.interned(name)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    public static func == (lhs: RuleName, rhs: RuleName) -> Bool {
        lhs.start == rhs.start && lhs.count == rhs.count
    }

    // Guarded by `lock`; entries are never removed. Keyed by bytes: `String` keys compare
    // by canonical equivalence, and would give a decomposed name a precomposed one's bytes.
    nonisolated(unsafe) private static var names: [[UInt8]: (UnsafePointer<UInt8>, Int)] = [:]
    private static let lock = NSLock()

    private static func interned(_ name: String) -> (UnsafePointer<UInt8>, Int) {
        lock.lock()
        defer { lock.unlock() }
        let utf8 = Array(name.utf8)
        if let known = names[utf8] { return known }
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(utf8.count, 1))
        storage.initialize(from: utf8, count: utf8.count)
        let entry = (UnsafePointer(storage), utf8.count)
        names[utf8] = entry
        return entry
    }
}
