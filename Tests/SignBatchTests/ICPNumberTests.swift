import Testing
@testable import SignBatch

/// SPEC §1: ICP filing numbers and operating licences.
struct ICPNumberTests {
    static let provinces = Array("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新")

    @Test func everyProvinceIsAccepted() {
        #expect(Self.provinces.count == 31)
        for province in Self.provinces {
            #expect(ICPNumber.isValid("\(province)ICP备12345678号"), "\(province)")
            #expect(ICPNumber.isValid("\(province)ICP备12345678号-1"), "\(province)")
            #expect(ICPNumber.isValid("\(province)ICP证123456号"), "\(province)")
        }
    }

    @Test(arguments: ["粤ICP备12345678号-1", "京ICP备00000000号", "沪ICP备12345678号-12", "京ICP证000001号"])
    func valid(number: String) {
        #expect(ICPNumber.isValid(number))
        #expect(UnitSupport.codes([.icpNumber: number], base: ValidatorTests.valid(signType: 2)) == [])
    }

    @Test(arguments: [
        "港ICP备12345678号",           // not a mainland province
        "ICP备12345678号",             // no province
        "粤ICP备1234567号",            // 7 digits
        "粤ICP备123456789号",          // 9 digits
        "粤ICP备12345678",             // no 号
        "粤ICP备12345678号-",          // empty suffix
        "粤ICP备12345678号-a",         // letter suffix
        "粤ICP备12345678号1",          // suffix without -
        "粤ICP备12345678号-1-2",
        "粤ICP证12345号",              // licence has 6 digits
        "粤ICP证1234567号",
        "粤ICP证123456号-1",           // a licence has no suffix
        "粤ICP许12345678号",
        "粤IC备12345678号",
        "粤ICP备1234567a号",
        "粤 ICP备12345678号",
        "12345678",
    ])
    func invalid(number: String) {
        #expect(!ICPNumber.isValid(number))
        // Checked whenever it is given, whatever the sign type.
        #expect(UnitSupport.codes([.icpNumber: number]) == [.icpNumberInvalid])
        #expect(UnitSupport.codes([.icpNumber: number], base: ValidatorTests.valid(signType: 2)) == [.icpNumberInvalid])
    }

    @Test func normalizedBeforeChecking() {
        // Full-width digits and letters are what many Chinese input methods type.
        #expect(UnitSupport.codes([.icpNumber: " 粤ＩＣＰ备１２３４５６７８号－１ "]) == [])
    }

    @Test func emptyIsNotChecked() {
        #expect(UnitSupport.codes([.icpNumber: ""]) == [])
        #expect(UnitSupport.codes([.icpNumber: nil], base: ValidatorTests.valid(signType: 2)) == [])
    }

    @Test func messageShowsTheForm() {
        let reasons = UnitSupport.validate([.icpNumber: "粤ICP备1号"]).reasons
        #expect(reasons.map(\.code) == [.icpNumberInvalid])
        #expect(reasons.first?.message.contains("粤ICP备12345678号-1") == true)
    }
}
