// swift-tools-version: 6.2
import PackageDescription

/// Every target of ours builds in Swift 6 language mode with strict concurrency, and a warning fails the build.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "pageoutd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pageout-guestsim", targets: ["pageout-guestsim"]),
        .executable(name: "pageout-bench", targets: ["pageout-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Pure logic: no Glibc, no syscalls. Parsers take bytes or lines.
        .target(
            name: "PageoutCore",
            swiftSettings: strict
        ),
        // The TOML config file: decoding with TOMLKit into PageoutCore's config model, with errors that name
        // the file, line and key. Apart from PageoutCore so the pure core builds without TOMLKit's C++.
        .target(
            name: "PageoutConfig",
            dependencies: [
                "PageoutCore",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        // Fixed-arity C wrappers for syscalls Swift cannot call (variadic syscall(), ioctl()).
        .target(
            name: "CPageoutSys"
        ),
        // The kernel layer: typed wrappers over /proc, pagemap, mincore, cachestat, pidfd, process_madvise.
        .target(
            name: "PageoutLinux",
            dependencies: [
                "PageoutCore",
                "CPageoutSys",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pageout-guestsim",
            dependencies: [
                "CPageoutSys",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pageout-bench",
            dependencies: [
                "PageoutCore",
                "PageoutLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PageoutCoreTests",
            dependencies: ["PageoutCore"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PageoutConfigTests",
            dependencies: ["PageoutConfig", "PageoutCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PageoutLinuxTests",
            dependencies: ["PageoutCore", "PageoutLinux", "CPageoutSys"],
            swiftSettings: strict
        ),
    ]
)
