// sockopt-demo inspect: make a listener and show what the kernel kept.

import SocketOptions

func runInspect(_ arguments: [String]) -> Int32 {
    var addressText: String?
    var json = false
    var extra: [SocketOption] = []
    var options: [SocketOption] = []
    var index = 0
    do {
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--json":
                json = true
            case "--option":
                guard index < arguments.count else {
                    printError("--option needs NAME=VALUE, such as --option receive-buffer-size=1048576")
                    return 2
                }
                extra.append(try SocketOption(parsing: arguments[index]))
                index += 1
            case _ where argument.hasPrefix("--option="):
                extra.append(try SocketOption(parsing: String(argument.dropFirst("--option=".count))))
            case _ where !argument.hasPrefix("-") && addressText == nil:
                addressText = argument
            default:
                printError("inspect: unexpected argument \"\(PrintableText.escaped(argument))\"\n\n\(usage)")
                return 2
            }
        }
        // A host name is looked up (getaddrinfo); the listener takes the first address it gives.
        let address = try SocketAddress.resolving(addressText ?? "127.0.0.1:0")[0]
        // The listener lays the options given on the command line over its defaults, by name.
        options = extra
        let listener = try ListeningSocket(address: address, options: options)
        let snapshot = try listener.snapshot()
        if json {
            say(inspectJSON(listener, snapshot: snapshot))
        } else {
            say("listening on \(listener.localAddress) (backlog \(listener.backlog))")
            say("")
            say(optionTable(listener.appliedOptions))
            say("")
            say("Every option of this socket, as the kernel reads it now:")
            say(snapshot.table)
        }
        return 0
    } catch {
        printError(error.description)
        // What holds the address, read now that it is asked for: the error's description reads nothing.
        if let diagnosis = error.addressInUseDiagnosis(type: .stream, options: options) {
            if json {
                say(diagnosisJSON(diagnosis, error: error))
            } else {
                printError(diagnosis.description)
            }
        }
        return 1
    }
}

/// `{"error": "...", "address": "...", "findings": ["..."], "advice": "..."}`: every text is a JSON
/// string with its control characters escaped (those read from /proc are escaped already).
private func diagnosisJSON(_ diagnosis: AddressInUseDiagnosis, error: SocketError) -> String {
    let findings = diagnosis.findings.map { JSON.string($0.description) }.joined(separator: ", ")
    return "{\"error\": \(JSON.string(error.description)), \"address\": \(JSON.string(diagnosis.address.description)), "
        + "\"findings\": [\(findings)], \"diagnosis\": \(JSON.string(diagnosis.description))}"
}

/// `{"backlog": 128, "applied": [...], "snapshot": {...}}`: the library writes each part; the
/// listener's address is the snapshot's `localAddress`.
private func inspectJSON(_ listener: borrowing ListeningSocket, snapshot: SocketSnapshot) -> String {
    let applied = listener.appliedOptions.map(\.json).joined(separator: ", ")
    return "{\"backlog\": \(listener.backlog), \"applied\": [\(applied)], \"snapshot\": \(snapshot.json)}"
}
