import Foundation
import Testing
@testable import SignBatch

#if canImport(Glibc)
import Glibc
#endif

/// Shared helpers of the unit tests: the embedded rules, applications built from a few
/// fields, temporary directories and inputs that deliver bytes in awkward pieces.
enum UnitSupport {
    static let rules = RuleSet.embedded()
    static var normalizer: Normalizer { Normalizer(rules: rules) }
    static let validator = Validator(rules: rules)

    /// A valid enterprise company application; tests override the fields they are about.
    static let validCompany: [Field: String] = [
        .accountID: "acct-1",
        .signName: "腾讯云",
        .signType: "company",
        .documentType: "three_in_one",
    ]

    /// `overrides` replace or add fields of `base`; a `nil` value removes the field.
    static func raw(_ overrides: [Field: String?] = [:], base: [Field: String] = validCompany,
                    line: Int = 2) -> RawApplication {
        var raw = RawApplication(line: line)
        for (field, value) in base { raw[field] = value }
        for (field, value) in overrides { raw[field] = value }
        return raw
    }

    static func application(_ overrides: [Field: String?] = [:], base: [Field: String] = validCompany,
                            line: Int = 2, rules: RuleSet = rules) -> Application {
        Normalizer(rules: rules).normalize(raw(overrides, base: base, line: line))
    }

    /// The validator's findings and the application as it left validation (with warnings).
    static func validate(_ overrides: [Field: String?] = [:], base: [Field: String] = validCompany,
                         rules: RuleSet = rules) -> (application: Application, reasons: [Finding]) {
        let app = application(overrides, base: base, rules: rules)
        let reasons = Validator(rules: rules).validate(app)
        return (app, reasons)
    }

    static func codes(_ overrides: [Field: String?] = [:], base: [Field: String] = validCompany,
                      rules: RuleSet = rules) -> [ReasonCode] {
        validate(overrides, base: base, rules: rules).reasons.map(\.code)
    }

    /// `text` with its printable ASCII turned into the full-width forms NFKC folds back.
    static func fullWidth(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x20: out.append(Unicode.Scalar(0x3000)!)
            case 0x21...0x7E: out.append(Unicode.Scalar(scalar.value + 0xFEE0)!)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// Runs `body` with a fresh directory that is removed afterwards. The path is the real
    /// path so tests can compare resolved paths.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        var template = Array("\(NSTemporaryDirectory())/signbatch-unit-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw POSIXFailure(what: "mkdtemp", code: errno)
        }
        let path = DocumentChecker.realPath(String(cString: created)) ?? String(cString: created)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw POSIXFailure(what: "create \(path)", code: errno)
        }
    }

    struct POSIXFailure: Error, CustomStringConvertible {
        var what: String
        var code: Int32
        var description: String { "\(what): \(String(cString: strerror(code)))" }
    }
}

/// A deterministic generator, so a failing test can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                var word = next()
                let take = min(8, count - offset)
                withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: take) }
                offset += take
            }
        }
        return out
    }
}
