// swift-tools-version:6.0
import Foundation
import PackageDescription

// The root package is a path dependency, and SwiftPM names a path dependency after its folder,
// which is whatever the clone is called: read it rather than guess it.
let rootFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let rootIdentity = rootFolder.lastPathComponent.lowercased()

let package = Package(
    name: "NIOHandoff",
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "nio-handoff",
            dependencies: [
                .product(name: "SocketOptions", package: rootIdentity),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
