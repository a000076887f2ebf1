// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "lotsen",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MatchCore", targets: ["MatchCore"]),
        .executable(name: "matchd", targets: ["MatchDaemon"]),
        .executable(name: "matchctl", targets: ["matchctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // libcurl, for email over SMTP and webhook deliveries over HTTP.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "MatchCore",
            dependencies: [
                "CPostgres",
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            exclude: ["Migrations/README.md", "Reference/data/SOURCES.md", "Workers/MatchingRules.md"],
            resources: [
                .embedInCode("Migrations/sql"),
                .embedInCode("Reference/data/kommuner.csv"),
                .embedInCode("Reference/data/ssyk2012.csv"),
                .embedInCode("Reference/data/occupation_names.csv"),
                .embedInCode("Reference/data/supports.json"),
            ]
        ),
        .executableTarget(
            name: "MatchDaemon",
            dependencies: [
                "MatchCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("openapi.json")]
        ),
        .executableTarget(
            name: "matchctl",
            dependencies: [
                "MatchCore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MatchCoreTests", dependencies: [
            "MatchCore", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "MatchDaemonTests", dependencies: ["MatchDaemon", "MatchCore"]),
        .testTarget(name: "MatchctlTests", dependencies: ["matchctl", "MatchCore"]),
    ],
    swiftLanguageModes: [.v6]
)
