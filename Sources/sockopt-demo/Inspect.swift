// sockopt-demo inspect: make a listener and show what the kernel kept.

import SocketOptions

func runInspect(_ arguments: [String]) -> Int32 {
    guard arguments.count <= 1 else {
        printError("inspect takes one ADDRESS at most\n\n\(usage)")
        return 2
    }
    do {
        let address = try SocketAddress(arguments.first ?? "127.0.0.1:0")
        let listener = try ListeningSocket(address: address)
        say("listening on \(listener.localAddress) (backlog \(listener.backlog))")
        say(optionTable(listener.appliedOptions))
        return 0
    } catch {
        printError(error.description)
        return 1
    }
}
