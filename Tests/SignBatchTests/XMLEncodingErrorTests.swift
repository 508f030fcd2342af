import Foundation
import Testing
@testable import SignBatch

/// Bytes that are not valid in an XML batch's declared encoding fail the batch (SPEC §2:
/// "UTF-8 (or as declared)"), however the file happens to be cut into the chunks libxml2
/// is fed. libxml2 reports a converter's errors outside the parser context, and its ICU
/// fallback (for names iconv does not know) skips bad bytes: a document came out
/// well-formed with a field silently changed. Such names are refused.
@Suite("XML encoding errors")
struct XMLEncodingErrorTests {
    static let chunkSizes = [XMLBatchReader.chunkSize, 1, 2, 3, 7, 64]

    static func read(_ path: String, chunkSize: Int) -> Result<[RawApplication], BatchError> {
        do throws(BatchError) {
            let reader = try XMLBatchReader(path: path, limits: XMLTestSupport.limits, chunkSize: chunkSize)
            var applications: [RawApplication] = []
            while let application = try reader.next() { applications.append(application) }
            return .success(applications)
        } catch {
            return .failure(error)
        }
    }

    static func document(encoding: String, signName: [UInt8]) -> [UInt8] {
        Array("<?xml version=\"1.0\" encoding=\"\(encoding)\"?>\n<applications>\n<application><ref>r1</ref><sign_name>".utf8)
            + signName + Array("</sign_name></application>\n<application><ref>r2</ref></application>\n</applications>\n".utf8)
    }

    @Test("a byte that is not valid in the declared encoding fails the batch, in any chunking",
          arguments: [
              // 腾 then 0xFF (never valid in GB18030) then 讯: converted by iconv.
              ("GB18030", [0xCC, 0xDA, 0xFF, 0xD1, 0xB6] as [UInt8]),
              // A name only libxml2's ICU fallback knows: its UTF-8 converter skips the cut
              // sequence E3 and goes on with "s" (the name is refused in any case).
              ("UTF_8", [0x61, 0xE3, 0x73]),
              // Valid UTF-16 would need a second unit after this lone high surrogate.
              ("UTF-16LE", [0x00, 0xD8, 0x61, 0x00]),
          ])
    func invalidBytesFail(encoding: String, signName: [UInt8]) throws {
        let scratch = try XMLScratch()
        let path = try scratch.write("bad.xml", bytes: Self.document(encoding: encoding, signName: signName))
        for chunk in Self.chunkSizes {
            switch Self.read(path, chunkSize: chunk) {
            case .success(let applications):
                Issue.record("chunk \(chunk): read \(applications.map { $0[.signName] ?? "-" }) instead of failing")
            case .failure(let error):
                #expect(error.kind == .malformed, "chunk \(chunk)")
                #expect(error.message.contains("not well-formed") || error.message.contains("is not supported"),
                        "chunk \(chunk): \(error.message)")
                #expect(!error.message.contains("libxml2 error -1"), "chunk \(chunk): \(error.message)")
            }
        }
    }

    @Test("valid text in a declared encoding reads the same in any chunking",
          arguments: ["GB18030", "GBK", "cp936"])
    func validBytesRead(encoding: String) throws {
        let scratch = try XMLScratch()
        // 腾讯云 in GB18030 (and GBK).
        let path = try scratch.write("good.xml", bytes: Self.document(encoding: encoding,
                                                                        signName: [0xCC, 0xDA, 0xD1, 0xB6, 0xD4, 0xC6]))
        for chunk in Self.chunkSizes {
            let applications = try Self.read(path, chunkSize: chunk).get()
            #expect(applications.map { $0[.signName] } == ["腾讯云", nil], "chunk \(chunk)")
            #expect(applications.map(\.line) == [3, 4], "chunk \(chunk)")
        }
    }

    @Test("an encoding only ICU knows is refused, even when the text is valid", arguments: ["x-gbk", "UTF_8"])
    func icuOnlyNamesAreRefused(encoding: String) throws {
        let scratch = try XMLScratch()
        let signName: [UInt8] = encoding == "x-gbk" ? [0xCC, 0xDA, 0xD1, 0xB6, 0xD4, 0xC6] : Array("腾讯云".utf8)
        let path = try scratch.write("icu.xml", bytes: Self.document(encoding: encoding, signName: signName))
        for chunk in Self.chunkSizes {
            guard case .failure(let error) = Self.read(path, chunkSize: chunk) else {
                Issue.record("chunk \(chunk): \(encoding) was read")
                continue
            }
            #expect(error.message.contains("'\(encoding)' is not supported"), "chunk \(chunk): \(error.message)")
            #expect(error.line == 2, "chunk \(chunk)")
        }
    }
}
