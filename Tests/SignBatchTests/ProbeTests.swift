import Testing
@testable import SignBatch
@Test func probe() { #expect(!_probe().isEmpty) }
