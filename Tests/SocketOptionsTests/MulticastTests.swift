// SocketOptions tests: multicast membership, proven by datagrams sent to a group and received.
//
// IPv4 runs on this machine's loopback: a socket joins a group on lo (interface index from
// /sys/class/net/lo/ifindex), another sends to the group through lo (IP_MULTICAST_IF 127.0.0.1) and
// the datagram arrives. IPv6 multicast has no route on the machine's lo, so it runs in a private
// network namespace between the two ends of a veth pair. Groups are drawn at random for each run, so
// that tests of other processes on the machine never share one; the kernel's own list of groups per
// interface (/proc/net/igmp, /proc/net/igmp6) is read as a second witness.

import Glibc
import Testing

@testable import SocketOptions

private let loopbackIndex = Int((readText("/sys/class/net/lo/ifindex") ?? "1").trimmingCharacters(in: "\n")) ?? 1

/// An administratively scoped group (239.0.0.0/8, RFC 2365), never routed off the machine.
private func randomIPv4Group() throws -> IPv4Address {
    try IPv4Address("239.\(UInt8.random(in: 1...254)).\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))")
}

/// A source-specific group (232.0.0.0/8, RFC 4607).
private func randomSourceSpecificGroup() throws -> IPv4Address {
    try IPv4Address("232.\(UInt8.random(in: 1...254)).\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))")
}

/// Whether /proc/net/igmp lists `group` on the interface `index`. The kernel prints each group as
/// the 32-bit word of in_addr in hexadecimal, so 239.255.7.7 reads 0707FFEF on little-endian.
private func igmpLists(_ group: IPv4Address, onInterface index: Int) -> Bool {
    var hex = String(group.rawValue, radix: 16, uppercase: true)
    hex = String(repeating: "0", count: 8 - hex.count) + hex
    var inInterface = false
    for line in (readText("/proc/net/igmp") ?? "").split(separator: "\n").dropFirst() {
        if let first = line.first, first != " " && first != "\t" {
            inInterface = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first == Substring("\(index)")
        } else if inInterface, line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first == Substring(hex) {
            return true
        }
    }
    return false
}

/// Whether the calling thread's network namespace lists `group` (32 hex digits) on the interface
/// `index` in igmp6. /proc/net is the main thread's namespace: a thread in another reads its own
/// through /proc/thread-self.
private func igmp6Lists(_ groupHex: String, onInterface index: Int) -> Bool {
    (readText("/proc/thread-self/net/igmp6") ?? "").split(separator: "\n").contains { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count > 2 && fields[0] == Substring("\(index)") && fields[2] == Substring(groupHex)
    }
}

extension KernelTests {
    @Suite("Multicast membership")
    struct MulticastTests {
        /// A sender that sends multicast through lo, from 127.0.0.1.
        private func loopbackSender() throws -> DatagramSocket {
            try DatagramSocket(
                address: anyLoopbackPort,
                options: [.ipv4MulticastInterface(.loopback), .ipv4MulticastLoop(true)]
            )
        }

        @Test("A datagram sent to an IPv4 group on loopback reaches a member, and no longer once it left")
        func ipv4JoinReceiveLeave() throws {
            let group = try randomIPv4Group()
            let receiver = try DatagramSocket(address: .ipv4Any(port: 0))
            let sender = try loopbackSender()
            let port = receiver.localAddress.port
            let destination = SocketAddress(ip: .ipv4(group.rawValue), port: port)
            let membership = IPv4MulticastMembership(group: group, interfaceIndex: loopbackIndex)

            // Not a member yet: nothing arrives (IP_MULTICAST_ALL only covers groups someone joined).
            try sender.send(Array("before".utf8), to: destination)
            #expect(try receiver.receive(timeout: .milliseconds(200)) == nil)

            // A typed write: the key carries the membership type.
            let joined = try receiver.set(.joinIPv4Group, membership)
            #expect(!joined.isReadBack, "a membership has no value the kernel reports")
            #expect(igmpLists(group, onInterface: loopbackIndex), "the kernel lists the group on lo")
            try sender.send(Array("hello".utf8), to: destination)
            let datagram = try #require(try receiver.receive(timeout: .seconds(2)))
            #expect(datagram.bytes == Array("hello".utf8))
            #expect(datagram.sender == sender.localAddress)

            try receiver.setOption(.leaveIPv4Group(membership))
            #expect(!igmpLists(group, onInterface: loopbackIndex), "the last member left: the group is gone from lo")
            try sender.send(Array("after".utf8), to: destination)
            #expect(try receiver.receive(timeout: .milliseconds(300)) == nil)
            try receiver.close()
            try sender.close()
        }

        @Test("Joining a group twice is EADDRINUSE, leaving one not joined EADDRNOTAVAIL: the kernel's words")
        func ipv4MembershipErrors() throws {
            let group = try randomIPv4Group()
            let socket = try DatagramSocket(address: .ipv4Any(port: 0))
            let membership = IPv4MulticastMembership(group: group, interfaceIndex: loopbackIndex)
            #expect(throws: SocketError.system(.setOption(.leaveIPv4Group), .addressNotAvailable)) {
                try socket.setOption(.leaveIPv4Group(membership))
            }
            try socket.setOption(.joinIPv4Group(membership))
            #expect(throws: SocketError.system(.setOption(.joinIPv4Group), .addressInUse)) {
                try socket.setOption(.joinIPv4Group(membership))
            }
            // An interface index that no interface has.
            let nowhere = IPv4MulticastMembership(group: try randomIPv4Group(), interfaceIndex: Int(Int32.max))
            #expect(throws: SocketError.system(.setOption(.joinIPv4Group), .noSuchDevice)) {
                try socket.setOption(.joinIPv4Group(nowhere))
            }
            try socket.close()
        }

        @Test("A group outside 224.0.0.0/4 is refused before any system call")
        func ipv4GroupMustBeMulticast() throws {
            let socket = try DatagramSocket(address: .ipv4Any(port: 0))
            let unicast = IPv4MulticastMembership(group: .loopback, interfaceIndex: loopbackIndex)
            let (_, calls) = recording {
                #expect(throws: SocketError.self) { try socket.setOption(.joinIPv4Group(unicast)) }
            }
            #expect(calls.isEmpty, "the kernel would say EINVAL; the package says why first")
            try socket.close()
        }

        @Test("A source-specific member receives from its source only, and nothing once it left")
        func sourceSpecificMembership() throws {
            let group = try randomSourceSpecificGroup()
            let receiver = try DatagramSocket(address: .ipv4Any(port: 0))
            let destination = SocketAddress(ip: .ipv4(group.rawValue), port: receiver.localAddress.port)
            let allowed = try DatagramSocket(
                address: anyLoopbackPort,
                options: [.ipv4MulticastInterface(.loopback)]
            )
            let other = try DatagramSocket(
                address: try SocketAddress("127.0.0.2:0"),
                options: [.ipv4MulticastInterface(.loopback)]
            )
            let membership = IPv4SourceMembership(group: group, source: .loopback, interfaceAddress: .loopback)
            try receiver.setOption(.joinIPv4SourceGroup(membership))

            try other.send(Array("other".utf8), to: destination)
            try allowed.send(Array("allowed".utf8), to: destination)
            let datagram = try #require(try receiver.receive(timeout: .seconds(2)))
            #expect(datagram.bytes == Array("allowed".utf8), "the datagram from 127.0.0.2 was filtered out")
            #expect(try receiver.receive(timeout: .milliseconds(200)) == nil)

            try receiver.setOption(.leaveIPv4SourceGroup(membership))
            try allowed.send(Array("after".utf8), to: destination)
            #expect(try receiver.receive(timeout: .milliseconds(300)) == nil)
            // Leaving again: Linux answers EINVAL here (not EADDRNOTAVAIL as for a group).
            // Leaving again: Linux answers EINVAL here (not EADDRNOTAVAIL as for a group), which the
            // package reports as a refused value, and says what else it means.
            #expect {
                try receiver.setOption(.leaveIPv4SourceGroup(membership))
            } throws: { error in
                guard case .invalidValue(.leaveIPv4SourceGroup(membership), let reason) = error as? SocketError else {
                    return false
                }
                return reason.contains("EINVAL") && reason.contains("no such membership")
            }
            try receiver.close()
            try allowed.close()
            try other.close()
        }

        @Test("IP_MULTICAST_ALL on: a socket on the port gets a group another socket joined; off: it does not")
        func multicastAllDecidesForNonMembers() throws {
            let group = try randomIPv4Group()
            let bystander = try DatagramSocket(address: .ipv4Any(port: 0))
            let sender = try loopbackSender()
            let destination = SocketAddress(ip: .ipv4(group.rawValue), port: bystander.localAddress.port)
            // The member is another socket, on another port: the group is joined on lo all the same.
            let member = try DatagramSocket(address: .ipv4Any(port: 0))
            try member.setOption(.joinIPv4Group(IPv4MulticastMembership(group: group, interfaceIndex: loopbackIndex)))

            #expect(try bystander.option(.ipv4MulticastAll) == .ipv4MulticastAll(true), "Linux's default")
            try sender.send(Array("all".utf8), to: destination)
            #expect(try bystander.receive(timeout: .seconds(2))?.bytes == Array("all".utf8))

            try bystander.setOption(.ipv4MulticastAll(false))
            try sender.send(Array("members only".utf8), to: destination)
            #expect(try bystander.receive(timeout: .milliseconds(300)) == nil)
            try bystander.close()
            try sender.close()
            try member.close()
        }

        @Test("An IPv6 group joined on one end of a veth pair gets a datagram sent from the other end")
        func ipv6JoinReceiveLeave() throws {
            // ff12::5:XXXX, a transient group of link scope; /proc/net/igmp6 prints it in 32 hex digits.
            let suffix = String(UInt16.random(in: 0x1000...0xFFFE), radix: 16)
            let groupText = "ff12::5:\(suffix)"
            let groupHex = "ff12" + String(repeating: "0", count: 20) + "0005" + suffix
            let outcome = try inPrivateNetworkNamespace { () throws -> [String] in
                let (senderIndex, receiverIndex) = try makeVethPair()
                let group = try IPv6Address(groupText)
                let receiver = try DatagramSocket(address: .ipv6Any(port: 0))
                let sender = try DatagramSocket(
                    address: .ipv6Any(port: 0),
                    options: [.ipv6MulticastInterface(senderIndex)]
                )
                let destination = try SocketAddress("[\(groupText)]:\(receiver.localAddress.port)")
                let membership = IPv6MulticastMembership(group: group, interfaceIndex: receiverIndex)
                var seen: [String] = []
                try receiver.setOption(.joinIPv6Group(membership))
                seen.append("listed \(igmp6Lists(groupHex, onInterface: receiverIndex))")
                try sender.send(Array("hello6".utf8), to: destination)
                let datagram = try receiver.receive(timeout: .seconds(2))
                seen.append("received \(datagram.map { String(decoding: $0.bytes, as: UTF8.self) } ?? "nothing")")
                try receiver.setOption(.leaveIPv6Group(membership))
                seen.append("listed \(igmp6Lists(groupHex, onInterface: receiverIndex))")
                try sender.send(Array("after".utf8), to: destination)
                seen.append(
                    "then \(try receiver.receive(timeout: .milliseconds(300)) == nil ? "nothing" : "something")"
                )
                do {
                    try receiver.setOption(.leaveIPv6Group(membership))
                    seen.append("left twice")
                } catch {
                    seen.append(
                        "\((error as? SocketError) == .system(.setOption(.leaveIPv6Group), .addressNotAvailable))"
                    )
                }
                try receiver.close()
                try sender.close()
                return seen
            }
            #expect(outcome == ["listed true", "received hello6", "listed false", "then nothing", "true"])
        }

        @Test("Memberships are for UDP sockets: a listener refuses them before any call, a TCP descriptor after EPROTO")
        func tcpRefusesMembership() throws {
            let membership = IPv4MulticastMembership(group: try randomIPv4Group(), interfaceIndex: loopbackIndex)
            let refusal = SocketError.optionNotSupported(.joinIPv4Group, socket: TestSocketKind.tcp4.kind, errno: nil)
            let (_, calls) = recording {
                #expect(throws: refusal) {
                    _ = try ListeningSocket(address: anyLoopbackPort, options: [.joinIPv4Group(membership)])
                }
            }
            #expect(calls.isEmpty)
            // A descriptor made elsewhere: the kernel answers EPROTO, said as the option TCP lacks.
            let fd = TestSocketKind.tcp4.makeSocket()
            defer { close(fd) }
            #expect(
                throws: SocketError.optionNotSupported(
                    .joinIPv4Group,
                    socket: TestSocketKind.tcp4.kind,
                    errno: .protocolError
                )
            ) {
                try BorrowedSocket(borrowing: fd).setOption(.joinIPv4Group(membership))
            }
        }
    }
}
