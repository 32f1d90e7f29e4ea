// swift-tools-version:6.0
import PackageDescription

// The library depends on nothing but the C library of the platform. The recording syscall layer
// that tests use to check call order and to inject failures is compiled in debug builds on Linux only.
let librarySettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .define("SOCKETOPTIONS_SYSCALL_RECORDING", .when(platforms: [.linux], configuration: .debug)),
]

let package = Package(
    name: "SocketOptions",
    // Duration, which the API uses for timeouts, needs macOS 13; nothing needs more (the demo stops
    // through a pipe rather than Synchronization's Atomic, which would need macOS 15).
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SocketOptions", targets: ["SocketOptions"]),
        .executable(name: "sockopt-demo", targets: ["sockopt-demo"]),
        .executable(name: "sockopt-bench", targets: ["sockopt-bench"]),
    ],
    targets: [
        .target(name: "SocketOptions", swiftSettings: librarySettings),
        // Plain threads and CPU pinning that the demo and the tests share; in no product.
        .target(name: "PlainThreads", swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .executableTarget(
            name: "sockopt-demo",
            dependencies: ["SocketOptions", "PlainThreads"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "sockopt-bench",
            dependencies: ["SocketOptions"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .testTarget(
            name: "SocketOptionsTests",
            dependencies: ["SocketOptions", "PlainThreads"],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .define("SOCKETOPTIONS_SYSCALL_RECORDING", .when(platforms: [.linux], configuration: .debug)),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
