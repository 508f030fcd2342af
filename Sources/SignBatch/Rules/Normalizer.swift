/// SPEC §3: turns the text of a `RawApplication` into an `Application`. Enum spellings are
/// looked up here; whether a value is acceptable is the validator's business.
public final class Normalizer {
    // Enum fields repeat a handful of spellings across a whole batch: each distinct raw
    // text is normalized and looked up once. Each cache holds its default and lookup, so a
    // row's lookups build no closures and leave the shared `RuleSet`'s reference count
    // alone (both evaluating threads would otherwise contend for it on every field).
    private let accountTypes: LookupCache<AccountType>
    private let signTypes: LookupCache<RuleSet.SignType>
    private let internationals: LookupCache<Bool>
    private let purposes: LookupCache<Purpose>
    private let documentTypes: LookupCache<RuleSet.DocumentType>
    private let releases: LookupCache<Bool>

    public init(rules: RuleSet) {
        // Every application holds its sign type, so making and freeing one retains and
        // releases it: each normalizer (one per evaluating thread) looks them up among
        // copies of its own, so the two threads never write the same reference counts.
        // (A document type has no reference to count.)
        let signTypeCopies = rules.signTypesByCode.mapValues { $0.unsharedCopy() }
        accountTypes = LookupCache(default: .enterprise) { rules.accountType($0) }
        signTypes = LookupCache(default: nil) { rules.signType($0).map { signTypeCopies[$0.code]! } }
        internationals = LookupCache(default: false) { rules.international($0) }
        purposes = LookupCache(default: .self) { rules.purpose($0) }
        documentTypes = LookupCache(default: nil) { rules.documentType($0) }
        releases = LookupCache(default: true) { rules.productReleased($0) }
    }

    /// `consuming`: the row moves into the application. Borrowed, it was copied at the call
    /// (a retain and a release of each of its buffers) and again into the application.
    public func normalize(_ raw: consuming RawApplication) -> Application {
        // A function of the row, not a closure over it: a captured row could not move.
        func parse<T>(_ raw: borrowing RawApplication, _ field: Field, _ cache: LookupCache<T>) -> Parsed<T> {
            raw.withBytes(field) { cache.parse($0) }
        }

        // The usual simple name is normalized on the row's bytes and decoded once.
        let simple = raw.withBytes(.signName) { bytes in
            SimpleSignName(bytes).map { (name: $0.name(of: bytes, original: nil), changed: !$0.isWhole(of: bytes)) }
        }
        let signName: String
        let signKey: String
        let nameChanged: Bool
        if let simple {
            (signName, nameChanged) = simple
            signKey = signName.withBytes { TextNormalizer.fold(signName, simple: $0) }
        } else {
            let rawName = raw[.signName] ?? ""
            signName = TextNormalizer.signName(notSimple: rawName)
            nameChanged = signName != rawName
            signKey = TextNormalizer.fold(signName)
        }
        let signType = parse(raw, .signType, signTypes)
        var text = NormalizedText()
        normalize(raw, .documentFile, into: &text)
        normalize(raw, .commissionFile, into: &text)
        normalize(raw, .organizationName, into: &text)
        normalize(raw, .icpNumber, into: &text)
        if let type = signType.value, type.remark == .domain {
            normalize(raw, .remark, into: &text, Self.domain(fromRemark:), ascii: Self.asciiDomainRange)
        } else {
            normalize(raw, .remark, into: &text)
        }
        normalize(raw, .creditCode, into: &text, CreditCode.normalize, ascii: CreditCode.inShape)
        normalize(raw, .accountID, into: &text)
        normalize(raw, .ref, into: &text)
        let international = parse(raw, .international, internationals)
        // Hashed here, on an evaluating thread, for admission on the writing one.
        let (accountHash, hasValidAccountID) = text.withBytes(.accountID, of: raw) {
            (ByteHash.hash($0), Validator.isValidAccountID(bytes: $0))
        }
        let holdingHash = BatchHoldings.hash(account: accountHash, key: signKey.withBytes { ByteHash.hash($0) },
                                             international: international.value ?? false)
        let accountType = parse(raw, .accountType, accountTypes)
        let purpose = parse(raw, .signPurpose, purposes)
        let documentType = parse(raw, .documentType, documentTypes)
        let productReleased = parse(raw, .productReleased, releases)
        let application = Application(
            raw: raw,
            accountType: accountType,
            signName: signName,
            signType: signType,
            international: international,
            purpose: purpose,
            documentType: documentType,
            productReleased: productReleased,
            signKey: signKey,
            hasValidAccountID: hasValidAccountID,
            accountHash: accountHash,
            holdingHash: holdingHash,
            text: consume text)
        if nameChanged, !signName.isEmpty {
            application.warnings.append(Finding(.signNormalized, message:
                "sign_name '\(application.raw[.signName] ?? "")' was normalized to '\(signName)'"))
        }
        return application
    }

    /// Normalizes one `TextField` (`TextNormalizer.field`, then `transform` of non-empty
    /// text). Text that field normalization only trims stays a span of the raw row, and so
    /// does all-ASCII text that `ascii` maps to a part of itself (`nil`: it must be
    /// transformed); everything else is normalized as a string and kept in `text`.
    private func normalize(_ raw: RawApplication, _ field: TextField, into text: inout NormalizedText,
                           _ transform: ((String) -> String)? = nil,
                           ascii: ((UnsafeBufferPointer<UInt8>) -> Range<Int>?)? = nil) {
        let source = field.field
        let span = raw.span(source)
        let kept: Range<Int>? = raw.withBytes(source) { bytes in
            guard let trimmed = TextNormalizer.simpleFieldRange(bytes) else { return nil }
            guard transform != nil, !trimmed.isEmpty else { return trimmed }
            guard let ascii else { return nil }
            let part = UnsafeBufferPointer(rebasing: bytes[trimmed])
            guard !part.contains(where: { $0 >= 0x80 }), let range = ascii(part) else { return nil }
            return (trimmed.lowerBound + range.lowerBound)..<(trimmed.lowerBound + range.upperBound)
        }
        if let kept {
            text.set(field, raw: (Int(span.start) + kept.lowerBound)..<(Int(span.start) + kept.upperBound))
            return
        }
        var value = raw.withBytes(source) { TextNormalizer.field(String(decoding: $0, as: UTF8.self)) }
        if let transform, !value.isEmpty { value = transform(value) }
        text.set(field, value)
    }

    /// The website remark's domain alone: no scheme, credentials, port, path or trailing dot,
    /// lower-cased (`https://WWW.Example.com:8443/a` → `www.example.com`).
    public static func domain(fromRemark remark: String) -> String {
        if remark.utf8.allSatisfy({ $0 < 0x80 }) { return asciiDomain(fromRemark: remark) }
        var text = Substring(remark)
        if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
        if let cut = text.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        if let at = text.lastIndex(of: "@") { text = text[text.index(after: at)...] }
        if let colon = text.lastIndex(of: ":"), text[text.index(after: colon)...].allSatisfy(\.isASCIIDigit) {
            text = text[..<colon]
        }
        while text.hasSuffix(".") { text = text.dropLast() }
        return text.lowercased()
    }

    /// `domain(fromRemark:)` on bytes, for the usual ASCII remark.
    static func asciiDomain(fromRemark remark: String) -> String {
        remark.withBytes { bytes in
            let (range, upper) = asciiDomainSpan(bytes)
            if range == 0..<bytes.count, !upper { return remark }
            let domain = UnsafeBufferPointer(rebasing: bytes[range])
            return String(unsafeUninitializedCapacity: domain.count) { out in
                for (index, byte) in domain.enumerated() {
                    out[index] = TextNormalizer.lowercasedASCII(byte)
                }
                return domain.count
            }
        }
    }

    /// Where the domain lies in an ASCII remark when it is already in lower case (`nil`:
    /// it must be lower-cased).
    static func asciiDomainRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let (range, upper) = asciiDomainSpan(bytes)
        return upper ? nil : range
    }

    /// The domain's bytes in an ASCII remark, and whether any of them is upper case.
    private static func asciiDomainSpan(_ bytes: UnsafeBufferPointer<UInt8>) -> (Range<Int>, upper: Bool) {
        let count = bytes.count
        var afterScheme = 0
        if count >= 3 {
            for index in 0...(count - 3) where bytes[index] == 0x3A && bytes[index + 1] == 0x2F && bytes[index + 2] == 0x2F {
                afterScheme = index + 3  // after "://"
                break
            }
        }
        let span = AuthoritySpan(bytes, from: afterScheme)
        let start = span.start
        var end = span.hostEnd
        while end > start, bytes[end - 1] == 0x2E { end -= 1 }  // trailing dots
        let upper = bytes[start..<end].contains { $0 >= 0x41 && $0 <= 0x5A }
        return (start..<end, upper)
    }
}

/// Raw enum text → its parsed value, for the first few thousand distinct spellings (a
/// hostile batch of unique values must not grow memory).
///
/// A batch spells each enum field a handful of ways, and six are looked up per row: a
/// spelling of up to 24 bytes is found first in a small direct-mapped table, by its length
/// and end bytes and then three word compares, without hashing it or probing.
final class LookupCache<T: Sendable> {
    private let parsed = ByteTable<Parsed<T>>(limit: 4096)
    /// What an empty field means: the field's default, or `.absent` when it has none.
    private let empty: Parsed<T>
    private let lookup: (String) -> T?

    init(default fallback: T?, lookup: @escaping (String) -> T?) {
        empty = fallback.map { .valid($0) } ?? .absent
        self.lookup = lookup
    }

    private struct Recent {
        /// The spelling's bytes as `LookupCache.words` reads them; `count` -1 when the entry
        /// is empty.
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = -1
        var value: Parsed<T> = .absent
    }

    private static var recentSlots: Int { 64 }
    private static var recentMaxBytes: Int { 24 }
    @exclusivity(unchecked) private var recent = [Recent](repeating: Recent(), count: LookupCache.recentSlots)

    /// A spelling of 1 to 24 bytes as three words, read as overlapping loads (the last
    /// eight bytes, or two halves, or a short spelling's first, middle and last byte) and
    /// not copied through `memmove`. For one length the words hold every byte once at
    /// least, at a fixed place: two spellings of that length are equal exactly when their
    /// words are.
    @inline(__always)
    private static func words(_ raw: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64) {
        let bytes = UnsafeRawPointer(raw.baseAddress!)
        let count = raw.count
        if count >= 8 {
            let last = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            let first = bytes.loadUnaligned(as: UInt64.self)
            if count <= 16 { return (first, last, 0) }
            return (first, bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self), last)
        }
        return (UInt64(shortBytes: bytes, count: count, filler: 0), 0, 0)
    }

    @inline(__always)
    private static func slot(_ raw: UnsafeBufferPointer<UInt8>) -> Int {
        (raw.count &* 7 &+ Int(raw[0]) &* 3 &+ Int(raw[raw.count - 1])) & (recentSlots - 1)
    }

    func parse(_ raw: UnsafeBufferPointer<UInt8>) -> Parsed<T> {
        if raw.isEmpty { return empty }
        if raw.count <= Self.recentMaxBytes {
            let words = Self.words(raw)
            let slot = Self.slot(raw)
            let hit = recent.withUnsafeBufferPointer { recent in
                recent[slot].count == raw.count && recent[slot].words == words ? recent[slot].value : nil
            }
            if let hit { return hit }
            let value = parseSlowly(raw)
            recent[slot] = Recent(words: words, count: raw.count, value: value)
            return value
        }
        return parseSlowly(raw)
    }

    private func parseSlowly(_ raw: UnsafeBufferPointer<UInt8>) -> Parsed<T> {
        if let hit = parsed.value(for: raw) { return hit }
        let value = TextNormalizer.field(String(decoding: raw, as: UTF8.self))
        let result: Parsed<T>
        if value.isEmpty {
            result = empty
        } else {
            result = lookup(value).map { .valid($0) } ?? .invalid(value)
        }
        parsed.insert(result, for: raw)
        return result
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
