// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "signbatch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "signbatch", targets: ["signbatch"]),
        .library(name: "SignBatch", targets: ["SignBatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "CSHA256"),
        // Swift has no prefetch instruction; admission and the certificate cache use it.
        .target(name: "CPrefetch"),
        // preadv2 needs _GNU_SOURCE, which Swift's Glibc module is built without.
        .target(name: "CReadNoWait"),
        // Vector compares gathered into bit masks, for the CSV tokenizer.
        .target(name: "CByteScan"),
        // sqlite3_config is variadic: Swift reaches it through this C function.
        .target(name: "CSQLiteConfig", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "SignBatch",
            dependencies: [
                "CByteScan",
                "CLibXML2",
                "CPrefetch",
                "CReadNoWait",
                "CSHA256",
                "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            resources: [
                .embedInCode("Resources/default-rules.json"),
                .embedInCode("Resources/signbatch.xsd"),
                .embedInCode("Resources/signbatch-output.xsd"),
            ]
        ),
        .executableTarget(
            name: "signbatch",
            dependencies: [
                "SignBatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fuzz targets (make fuzz). Built normally, it replays inputs through the same
        // targets, which is how the test suite runs the regression corpus.
        .executableTarget(
            name: "signbatch-fuzz",
            dependencies: ["SignBatch"]
        ),
        .testTarget(
            name: "SignBatchTests",
            // GRDB: the migration tests write a ledger of an earlier schema version.
            dependencies: ["SignBatch", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures", "Fuzz"]
        ),
    ]
)
