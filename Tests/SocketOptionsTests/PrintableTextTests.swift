// SocketOptions tests: text that came from outside (a peer's path, the caller's address or option
// text, the environment) is printed with its control characters escaped, and still reads back.

import Glibc
import Testing

@testable import SocketOptions

/// A name a hostile peer might choose: a terminal title, clear screen, colour, a line break that
/// forges a log line, a C1 CSI, a right-to-left override, and a backslash.
private let hostileName = "\u{1B}]0;PWNED\u{7}\u{1B}[2J\u{1B}[31m\nfake log: root ok\u{9B}\u{202E}\\"

/// Whether a text is safe to print: no C0 control but a line break between lines, no DEL, no C1
/// control, no mark that reorders text.
private func isSafeToPrint(_ text: String, allowingLineBreaks: Bool = false) -> Bool {
    text.unicodeScalars.allSatisfy { scalar in
        let value = scalar.value
        if value == 0x0A { return allowingLineBreaks }
        return value >= 0x20 && value != 0x7F && !(0x80...0x9F).contains(value)
            && !(0x202A...0x202E).contains(value) && !(0x2066...0x2069).contains(value)
    }
}

extension KernelTests {
    @Suite("A peer's address is printed escaped")
    struct PeerAddressTextTests {
        @Test("A peer bound to a path full of terminal escapes prints safely, and the text reads back")
        func peerPathWithControlCharactersPrintsEscaped() throws {
            try withTemporaryDirectory { directory in
                let listener = try ListeningSocket(address: try .unix(path: directory + "/server.sock"))
                let peerPath = directory + "/" + hostileName
                let peer = rawSocket(AF_UNIX)
                defer { close(peer) }
                #expect(try SocketAddress.unix(path: peerPath).withSockAddr { bind(peer, $0, $1) } == 0)
                #expect(listener.localAddress.withSockAddr { connect(peer, $0, $1) } == 0)
                let accepted = try listener.accept()
                let text = accepted.remoteAddress.description
                #expect(accepted.remoteAddress.unixPath == peerPath)
                #expect(isSafeToPrint(text), "\(text.debugDescription)")
                #expect(!text.utf8.contains(0x1B) && !text.utf8.contains(0x0A))
                #expect(text.hasSuffix(#"/\x1b]0;PWNED\x07\x1b[2J\x1b[31m\x0afake log: root ok\u{9b}\u{202e}\\"#))
                #expect(try SocketAddress(text) == accepted.remoteAddress)
                let error = SocketError.system(.connect(accepted.remoteAddress), .connectionRefused)
                #expect(isSafeToPrint(error.description), "\(error.description.debugDescription)")
                try accepted.close()
                try listener.close()
            }
        }

        @Test("A peer bound to an abstract name with control characters prints safely, and reads back")
        func peerAbstractNameWithControlCharactersPrintsEscaped() throws {
            let listener = try ListeningSocket(address: .abstractUnix(name: "socketoptions-escape-\(getpid())"))
            let peer = rawSocket(AF_UNIX)
            defer { close(peer) }
            let name = "socketoptions-peer-\(getpid())" + hostileName
            #expect(try SocketAddress.abstractUnix(name: name).withSockAddr { bind(peer, $0, $1) } == 0)
            #expect(listener.localAddress.withSockAddr { connect(peer, $0, $1) } == 0)
            let accepted = try listener.accept()
            let text = accepted.remoteAddress.description
            #expect(accepted.remoteAddress == (try .abstractUnix(name: name)))
            #expect(isSafeToPrint(text), "\(text.debugDescription)")
            #expect(try SocketAddress(text) == accepted.remoteAddress)
            try accepted.close()
            try listener.close()
        }
    }
}

@Suite("Text from outside is printed escaped")
struct PrintableTextTests {
    @Test("Errors that echo the caller's text escape its control characters, NUL too")
    func errorsEscapeTheCallersText() throws {
        let texts = [
            "1.2.3.4\u{1B}[2J:80", "[::1\u{7}]:80", "127.0.0.1:8\u{0}0", "\u{1B}]0;x\u{7}\n", "1.2.3.4:\u{9B}1",
        ]
        for text in texts {
            let error = SocketError.invalidAddress(text)
            #expect(
                isSafeToPrint(error.description) && !error.description.utf8.contains(0),
                "\(error.description.debugDescription)"
            )
            let thrown = #expect(throws: SocketError.self) { try SocketAddress(text) }
            #expect(thrown.map { isSafeToPrint($0.description) } == true, "\(String(describing: thrown))")
        }
        for text in ["no\u{1B}[31msuch=1", "reuse-address=\u{1B}[2J", "receive-timeout=5\u{7}", "\u{1B}\n\u{0}"] {
            let thrown = #expect(throws: SocketError.self) { try SocketOption(parsing: text) }
            #expect(thrown.map { isSafeToPrint($0.description) } == true, "\(String(describing: thrown?.description))")
        }
        // A device or congestion-control name is the caller's text too, echoed in the option's value.
        for option in [SocketOption.bindToDevice("eth\u{1B}[2J\n"), .congestionControl("cubic\u{7}\u{9B}")] {
            let error = SocketError.invalidValue(option, reason: "no such name")
            #expect(isSafeToPrint(error.description), "\(error.description.debugDescription)")
            #expect(isSafeToPrint(option.description), "\(option.description.debugDescription)")
        }
        let activation = SocketError.invalidActivation("LISTEN_PID \"\u{1B}[2J\" is not a process id")
        #expect(isSafeToPrint(activation.description), "\(activation.description.debugDescription)")
        let chmod = SocketError.system(.chmod(try .unix(path: "/tmp/\u{1B}[2J")), .permissionDenied)
        #expect(isSafeToPrint(chmod.description), "\(chmod.description.debugDescription)")
    }

    @Test("Escapes read back; a lone or unknown backslash escape is refused, not guessed")
    func escapesReadBack() throws {
        #expect(try SocketAddress(#"unix:/tmp/a\\b"#) == SocketAddress.unix(path: #"/tmp/a\b"#))
        #expect(try SocketAddress(#"unix:/tmp/\x1b[2J\u{202e}"#) == SocketAddress.unix(path: "/tmp/\u{1B}[2J\u{202E}"))
        #expect(try SocketAddress.unix(path: #"/tmp/a\b"#).description == #"unix:/tmp/a\\b"#)
        #expect(try SocketAddress(#"unix:\x40x"#) == SocketAddress.unix(path: "@x"))
        for bad in [
            #"unix:/tmp/a\b"#, #"unix:/tmp/a\"#, #"unix:/tmp/\xff"#, #"unix:/tmp/\x1"#, #"unix:/tmp/\u{}"#,
            #"unix:/tmp/\u{41"#,
        ] {
            let thrown = #expect(throws: SocketError.self) { try SocketAddress(bad) }
            #expect(thrown?.description.contains("starts an escape") == true, "\(bad)")
        }
        let nul = #expect(throws: SocketError.self) { try SocketAddress(#"unix:/tmp/\x00"#) }
        #expect(nul?.description.contains("NUL") == true)
    }

    @Test("A Unix socket file with a socket bound to it is not called a listening server: the table cannot tell")
    func boundUnixSocketIsNotCalledListening() {
        let finding = AddressInUseDiagnosis.Finding.liveUnixServer(path: "/run/\u{1B}[2Japp.sock", owner: nil)
        #expect(!finding.description.contains("listening on"), "\(finding)")
        #expect(finding.description.contains("a socket bound to /run/\\x1b[2Japp.sock"), "\(finding)")
        #expect(finding.description.contains("or one about to"), "\(finding)")
    }

    @Test("A trailing slash on a Unix path (EISDIR) is told as such, not left to the man page")
    func trailingSlashAdvice() throws {
        let error = SocketError.system(.bind(try .unix(path: "/tmp/x.sock/")), .isDirectory)
        #expect(error.description.contains("ends in a slash"), "\(error.description)")
        #expect(!error.description.contains("man page"), "\(error.description)")
    }
}
