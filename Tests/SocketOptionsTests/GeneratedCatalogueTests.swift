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

        @Test("The fields a set, a read and a setup use lie in the first cache line of a row, and each row starts one")
        func rowHotFieldsShareACacheLine() throws {
            typealias Row = OptionRow<SocketOption>
            let hot: [(String, Int?, Int)] = [
                ("rawLevel", MemoryLayout<Row>.offset(of: \.rawLevel), MemoryLayout<CInt>.size),
                ("rawName", MemoryLayout<Row>.offset(of: \.rawName), MemoryLayout<CInt>.size),
                ("rawReadName", MemoryLayout<Row>.offset(of: \.rawReadName), MemoryLayout<CInt>.size),
                ("reading", MemoryLayout<Row>.offset(of: \.reading), 1),
                ("canReadBack", MemoryLayout<Row>.offset(of: \.canReadBack), 1),
                ("scope", MemoryLayout<Row>.offset(of: \.scope), 1),
                ("sockets", MemoryLayout<Row>.offset(of: \.sockets), 1),
                ("bindCanChange", MemoryLayout<Row>.offset(of: \.bindCanChange), 1),
                ("setupKinds", MemoryLayout<Row>.offset(of: \.setupKinds), 1),
                ("intRange", MemoryLayout<Row>.offset(of: \.intRange), MemoryLayout<ClosedRange<Int>>.size),
                (
                    "cIntLocation", MemoryLayout<Row>.offset(of: \.cIntLocation),
                    MemoryLayout<SocketOption.CIntLocation?>.size
                ),
            ]
            for (field, offset, size) in hot {
                let offset = try #require(offset, "\(field)")
                #expect(offset + size <= 64, "\(field) ends at \(offset + size)")
            }
            for name in SocketOption.Name.allCases {
                #expect(UInt(bitPattern: name.rowPointer) % 64 == 0, "\(name)")
            }
        }

        @Test("Each row's bits for the kinds a setup makes say what its list of sockets says")
        func rowsStoreTheirSetupKinds() {
            // Six kinds, six distinct bits; any other kind has none.
            let bits = SocketKind.madeBySetup.map(\.setupBit)
            #expect(Set(bits).count == 6 && bits.allSatisfy { $0 != 0 && $0 & ($0 - 1) == 0 }, "\(bits)")
            #expect(SocketKind(family: .ipv4, type: .raw).setupBit == 0)
            #expect(SocketKind(family: .unix, type: .sequencedPacket).setupBit == 0)
            for name in SocketOption.Name.allCases {
                for kind in SocketKind.madeBySetup {
                    let allowed = name.row.sockets.allows(kind)
                    #expect((name.row.setupKinds & kind.setupBit != 0) == allowed, "\(name), \(kind)")
                }
            }
            // socket(7), tcp(7), udp(7): SO_RCVBUF on every socket, TCP_NODELAY on TCP only,
            // UDP_SEGMENT on UDP only.
            #expect(SocketOption.Name.receiveBufferSize.row.setupKinds == 0b11_1111)
            #expect(SocketOption.Name.noDelay.row.setupKinds == 0b00_0101)
            #expect(SocketOption.Name.udpSegmentSize.row.setupKinds == 0b00_1010)
        }

        @Test("Each row stores its option's C int location, the same as the generated switch says")
        func rowsStoreTheirLocation() {
            for name in SocketOption.Name.allCases {
                let fromRow = name.row.cIntLocation
                let generated = name.cIntLocation
                #expect((fromRow == nil) == (generated == nil), "\(name)")
                guard let fromRow, let generated else { continue }
                #expect(fromRow.level == generated.level, "\(name)")
                #expect(fromRow.name == generated.name, "\(name)")
                #expect(fromRow.isFlag == generated.isFlag, "\(name)")
            }
            // socket(7): SO_RCVBUF is an int at SOL_SOCKET, SO_REUSEADDR a boolean int; SO_RCVTIMEO a
            // struct timeval, which no C int holds.
            let buffer = SocketOption.Name.receiveBufferSize.row.cIntLocation
            #expect(buffer?.level == SOL_SOCKET && buffer?.name == SO_RCVBUF && buffer?.isFlag == false)
            #expect(SocketOption.Name.reuseAddress.row.cIntLocation?.isFlag == true)
            #expect(SocketOption.Name.receiveTimeout.row.cIntLocation == nil)
        }

        @Test("A key that reads its C int inline reads it where its row does, as the row decodes it")
        func inlineKeyReadsMatchTheirRows() throws {
            var inline = 0
            for name in SocketOption.Name.allCases {
                guard let location = name.cIntLocation else { continue }
                inline += 1
                let row = name.row
                // The row's own level and read name, as the catalogue writes them, and a plain C int
                // or flag: the only values the inlined read decodes.
                #expect(location.level == row.level.cLevel, "\(name)")
                #expect(location.name == (row.readName ?? row.rawName), "\(name)")
                #expect(row.canReadBack, "\(name)")
                switch row.codec {
                case .bool: #expect(location.isFlag, "\(name)")
                case .int: #expect(!location.isFlag, "\(name)")
                default: Issue.record("\(name): codec \(row.codec) is not read as one C int")
                }
            }
            // The options of the benchmark and of the README's typed read take the inline path, and
            // so do most flags and numbers (52 of the catalogue's rows are written that way).
            #expect(SocketOption.Name.receiveBufferSize.cIntLocation != nil)
            #expect(SocketOption.Name.reuseAddress.cIntLocation != nil)
            #expect(SocketOption.Name.noDelay.cIntLocation?.level == CInt(IPPROTO_TCP))
            #expect(SocketOption.Name.receiveTimeout.cIntLocation == nil)
            #expect(inline >= 40)
            // The keys name options with a location, and a key of another codec names one without.
            #expect(SocketOption.Key<Int>.receiveBufferSize.name.cIntLocation?.name == SO_RCVBUF)
            #expect(SocketOption.Key<Bool>.reuseAddress.name.cIntLocation?.isFlag == true)
            #expect(SocketOption.Key<Duration?>.receiveTimeout.name.cIntLocation == nil)
        }
    }
}
