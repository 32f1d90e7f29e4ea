// SocketOptions fuzz targets: libFuzzer drives the text parsers with arbitrary bytes. Built by
// .ci/fuzz into one binary with the library's own sources (so that internal entry points such as
// the activation environment's parser are reachable); FUZZ_TARGET chooses the target:
//   address     SocketAddress(_:) on the text, then its description and family
//   option      SocketOption(parsing:) on the text, then its description, value, JSON and encoding
//   activation  SocketActivation.parse on LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES cut from the text
// Any trap, crash or sanitizer report is a failure; a typed SocketError is an expected answer.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private enum Target {
    case address, option, activation
}

private let target: Target = {
    switch getenv("FUZZ_TARGET").map({ String(cString: $0) }) {
    case "address"?: return .address
    case "option"?: return .option
    case "activation"?: return .activation
    default:
        fputs("set FUZZ_TARGET to address, option or activation\n", stderr)
        exit(2)
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch target {
    case .address: fuzzAddress(text)
    case .option: fuzzOption(text)
    case .activation: fuzzActivation(text)
    }
    return 0
}

private func fuzzAddress(_ text: String) {
    do {
        let address = try SocketAddress(text)
        _ = address.description
        _ = address.family
        _ = address.port
    } catch {
        _ = error.description
    }
}

private func fuzzOption(_ text: String) {
    do {
        let option = try SocketOption(parsing: text)
        _ = option.description
        _ = option.valueDescription
        _ = JSON.value(option.entry.value)
        _ = try CheckedOption(option)
    } catch {
        _ = error.description
    }
}

/// The text is cut at newlines into LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES; a line that is
/// just "-" stands for an unset variable. The process id is 4242 and the descriptor limit is
/// 20000, as RLIMIT_NOFILE is on the machines the package is tested on.
private func fuzzActivation(_ text: String) {
    var lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    while lines.count < 3 { lines.append("-") }
    func variable(_ line: String) -> String? { line == "-" ? nil : line }
    do {
        let found = try SocketActivation.parse(
            pid: variable(lines[0]),
            fds: variable(lines[1]),
            names: variable(lines[2]),
            ownPID: 4242,
            descriptorLimit: 20000
        )
        precondition(found.count <= 20000 - 3, "more descriptors than the limit allows")
    } catch {
        _ = error.description
    }
}
