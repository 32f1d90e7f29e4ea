// SocketOptions tests: SocketOption+Generated.swift and ReadOnlySocketOption+Generated.swift are what
// `.ci/generate-catalogue` writes from the cases, so that adding an option is its case, its row and
// its tests.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    // Under KernelTests: the generator is a child process, whose pipes and files the
    // descriptor-leak test would see if it ran alongside.
    @Suite("The code generated from SocketOption's cases")
    struct GeneratedCatalogueTests {
        static var root: String {
            #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        }

        @Test("The generated files match the cases of SocketOption and ReadOnlySocketOption (.ci/generate-catalogue)")
        func generatedFileIsUpToDate() throws {
            try runToEnd(["/usr/bin/python3", Self.root + "/.ci/generate-catalogue", "--check"], timeout: .seconds(30))
        }

        @Test("Every case has its name, in the order of the cases, and a name's case is its own")
        func everyCaseHasItsName() throws {
            // An independent witness of what the generator wrote: the raw value of each name is the
            // case's own name, as a SocketOption prints it before its value.
            for name in SocketOption.Name.allCases {
                let option = try #require(SocketOption.Name.allCases.firstIndex(of: name))
                #expect(option == name.position)
            }
            #expect(SocketOption.receiveBufferSize(1).name == .receiveBufferSize)
            #expect("\(SocketOption.Name.receiveBufferSize.rawValue)" == "receiveBufferSize")
            #expect(SocketOption.detachFilter.name == .detachFilter)
        }
    }
}
