import Testing
@testable import SignBatch

/// SPEC §1: the Unified Social Credit Code (GB 32100-2015), checked against a reference
/// implementation written here from the standard's text, not from the library.
struct CreditCodeTests {
    /// GB 32100-2015 written out independently: character values, weights, mod 31.
    enum Reference {
        static let characters: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

        static func value(_ character: Character) -> Int? { characters.firstIndex(of: character) }

        static func check(_ first17: [Character]) -> Character {
            var sum = 0
            for (position, character) in first17.enumerated() { sum += value(character)! * weights[position] }
            return characters[(31 - sum % 31) % 31]
        }

        static func isValid(_ code: String) -> Bool {
            let chars = Array(code)
            guard chars.count == 18, chars.allSatisfy({ value($0) != nil }) else { return false }
            guard chars[2..<8].allSatisfy({ ("0"..."9").contains($0) }) else { return false }
            return check(Array(chars[0..<17])) == chars[17]
        }
    }

    static func randomValidCodes(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(state: seed)
        let digits = Array("0123456789")
        return (0..<count).map { _ in
            var chars: [Character] = []
            for position in 0..<17 {
                let pool = (2..<8).contains(position) ? digits : Reference.characters
                chars.append(pool.randomElement(using: &rng)!)
            }
            chars.append(Reference.check(chars))
            return String(chars)
        }
    }

    static let generated = randomValidCodes(count: 400, seed: 0x5167_0BA7)
    /// Everything an 18-character code could be mistyped as: digits and all letters.
    static let anyCharacter: [Character] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// SPEC §3: spaces and `-` removed, letters upper-cased — on the ASCII fast path and on
    /// text with other characters alike.
    @Test(arguments: [
        ("91110000600037341L", "91110000600037341L"),
        ("9111 0000-6000 3734 1l", "91110000600037341L"),
        ("-- 91110000600037341l --", "91110000600037341L"),
        ("９1110000600037341l", "９1110000600037341L"),
        ("9111 0000 é", "91110000É"),
        ("", ""),
    ])
    func normalizationRemovesSpacesAndHyphensAndUpperCases(input: String, expected: String) {
        #expect(CreditCode.normalize(input) == expected)
    }

    @Test func specExampleIsValid() {
        #expect(CreditCode.problem("91110000600037341L") == nil)
        #expect(Reference.isValid("91110000600037341L"))
        #expect(UnitSupport.codes([.creditCode: "91110000600037341L"]) == [])
    }

    @Test func generatedCodesAreValid() {
        #expect(Set(Self.generated).count > 390)
        for code in Self.generated {
            #expect(CreditCode.problem(code) == nil, "\(code)")
            #expect(CreditCode.checkCharacter(String(code.prefix(17))) == code.last)
        }
    }

    @Test func everySingleCharacterChangeFails() {
        var changes = 0
        for code in Self.generated.prefix(150) {
            let chars = Array(code)
            for position in chars.indices {
                for replacement in Self.anyCharacter where replacement != chars[position] {
                    var changed = chars
                    changed[position] = replacement
                    let text = String(changed)
                    changes += 1
                    if CreditCode.problem(text) == nil {
                        Issue.record("\(code) with '\(replacement)' at position \(position + 1) passes as \(text)")
                    }
                }
            }
        }
        #expect(changes == 150 * 18 * 35)
    }

    @Test func everyByteHasTheReferenceValue() {
        for byte in UInt8.min...UInt8.max {
            let expected = byte < 0x80 ? Reference.value(Character(Unicode.Scalar(byte))) ?? -1 : -1
            #expect(CreditCode.values[Int(byte)] == expected, "byte \(byte)")
        }
    }

    @Test func agreesWithTheReferenceOnArbitraryStrings() {
        // Random strings are almost never valid, so half of them get a correct check
        // character: both verdicts must match either way.
        var rng = SplitMix64(state: 42)
        for index in 0..<3000 {
            var chars = (0..<18).map { _ in Self.anyCharacter.randomElement(using: &rng)! }
            if index.isMultiple(of: 2), chars[0..<17].allSatisfy({ Reference.value($0) != nil }) {
                chars[17] = Reference.check(Array(chars[0..<17]))
            }
            let code = String(chars)
            #expect((CreditCode.problem(code) == nil) == Reference.isValid(code), "\(code)")
        }
    }

    @Test(arguments: [0, 1, 16, 17, 19, 20, 36])
    func wrongLengthsFail(length: Int) {
        let long = "91110000600037341L91110000600037341L"
        let code = String(long.prefix(length))
        #expect(CreditCode.problem(code) != nil)
        if length > 0 {
            let reasons = UnitSupport.validate([.creditCode: code]).reasons
            #expect(reasons.map(\.code) == [.creditCodeInvalid])
            #expect(reasons.first?.message.contains("18") == true)
        }
    }

    @Test(arguments: [
        "9111 0000 6000 3734 1L",
        "91110000-60003734-1L",
        "91110000600037341l",
        "９１１１００００６０００３７３４１Ｌ",
        " 91110000600037341L ",
    ])
    func normalizedBeforeChecking(text: String) {
        #expect(UnitSupport.codes([.creditCode: text]) == [])
    }

    @Test(arguments: [
        // Letters excluded by the standard.
        "I1110000600037341L", "O1110000600037341L", "Z1110000600037341L", "S1110000600037341L", "V1110000600037341L",
        // Positions 3-8 must be digits.
        "91A10000600037341L", "9111000A600037341L",
        // Wrong check character.
        "91110000600037341K", "91110000600037341M",
        // Not ASCII.
        "91110000600037341Ł", "9111000０600037341L",
        "91110000600037341_",
    ])
    func invalidCodes(code: String) {
        #expect(CreditCode.problem(code) != nil)
        #expect(!Reference.isValid(code))
    }

    @Test func emptyCreditCodeIsNotChecked() {
        #expect(UnitSupport.codes([.creditCode: ""]) == [])
        #expect(UnitSupport.codes([.creditCode: "  "]) == [])
    }

    @Test func messageNamesTheExpectedCheckCharacter() {
        let reasons = UnitSupport.validate([.creditCode: "91110000600037341K"]).reasons
        #expect(reasons.map(\.code) == [.creditCodeInvalid])
        #expect(reasons.first?.message.contains("'L'") == true)
    }
}
