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
        .executable(name: "pageoutd", targets: ["pageoutd"]),
        .executable(name: "pageout-guestsim", targets: ["pageout-guestsim"]),
        .executable(name: "pageout-bench", targets: ["pageout-bench"]),
        .executable(name: "pageoutctl", targets: ["pageoutctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
        // The varlink control protocol: the io.pageoutd interface description, wire types and framing.
        .target(
            name: "PageoutControl",
            dependencies: ["PageoutCore"],
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
        // libsystemd (sd_notify, sd_listen_fds, sd_journal) from the host's libsystemd-dev.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // The service: scanner and executor actors on their own threads, guards, status, sd_notify, reload.
        .target(
            name: "PageoutDaemon",
            dependencies: [
                "PageoutCore",
                "PageoutConfig",
                "PageoutLinux",
                "PageoutControl",
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pageoutd",
            dependencies: [
                "PageoutDaemon",
                "PageoutConfig",
                "PageoutCore",
                "PageoutLinux",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
        // Measuring a pageout policy on the guest simulator's realistic workload: its output and working-set file,
        // the true state of its pages from the kernel, process CPU time, the daemon's working-set figure. Shared by
        // pageout-bench and the tests, so both judge a policy by the same code.
        .target(
            name: "PageoutMeasure",
            dependencies: ["PageoutCore", "PageoutLinux", "PageoutControl"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pageout-bench",
            dependencies: [
                "PageoutCore",
                "PageoutLinux",
                "PageoutMeasure",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // The control CLI: parses a command, calls the daemon over its varlink socket, renders the reply.
        .executableTarget(
            name: "pageoutctl",
            dependencies: [
                "PageoutControl",
                "PageoutCore",
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
        // Helpers shared by the test targets: the guest simulator driver, host requirements, raw kernel reads.
        .target(
            name: "PageoutTestSupport",
            dependencies: [
                "CPageoutSys", "PageoutLinux", "PageoutMeasure",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/PageoutTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PageoutConfigTests",
            dependencies: ["PageoutConfig", "PageoutCore"],
            swiftSettings: strict
        ),
        // The daemon's parts in process, without root: logging, sd_notify messages, metrics publishing.
        .testTarget(
            name: "PageoutDaemonTests",
            dependencies: [
                "PageoutDaemon", "PageoutCore", "PageoutConfig", "PageoutLinux", "PageoutControl", "PageoutTestSupport",
            ],
            swiftSettings: strict
        ),
        // The built binaries end to end (pageoutd, pageoutctl, the guest simulator, make install, the units) and
        // the daemon against the real kernel: root and zram swap. Suites named Exclusive* run alone (test.sh).
        .testTarget(
            name: "PageoutEndToEndTests",
            dependencies: [
                "PageoutDaemon", "PageoutCore", "PageoutLinux", "PageoutControl", "PageoutMeasure",
                "PageoutTestSupport",
            ],
            swiftSettings: strict
        ),
        // The kernel layer against the real kernel: /proc, pagemap, cachestat, pidfd, process_madvise.
        .testTarget(
            name: "PageoutLinuxTests",
            dependencies: ["PageoutCore", "PageoutLinux", "CPageoutSys", "PageoutMeasure", "PageoutTestSupport"],
            swiftSettings: strict
        ),
        // pageoutctl: rendering (golden files in Fixtures/) and the built binary against a fake server.
        .testTarget(
            name: "PageoutctlTests",
            dependencies: ["PageoutControl", "PageoutCore", "PageoutTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
