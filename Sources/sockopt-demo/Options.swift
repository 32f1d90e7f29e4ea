// sockopt-demo options: the catalogue of options on this platform.

import SocketOptions

func runOptions(_ arguments: [String]) -> Int32 {
    guard arguments.isEmpty else {
        printError("options takes no arguments\n\n\(usage)")
        return 2
    }
    say(
        "Socket options on this platform (\(SocketOption.Name.allCases.count) settable, "
            + "\(ReadOnlySocketOption.Name.allCases.count) read-only)."
    )
    say("Set one with `sockopt-demo inspect --option NAME=VALUE`; NAME as below, VALUE as under \"values\".")
    // Columns as wide as the longest name on this platform.
    let nameWidth = (SocketOption.Name.allCases.map { kebab($0.rawValue).count } + [0]).max()! + 1
    let cNameWidth = (SocketOption.Name.allCases.map(\.cName.count) + [0]).max()! + 1
    for level in SocketOption.Level.allCases {
        let names = SocketOption.Name.allCases.filter { $0.level == level }
        guard !names.isEmpty else { continue }
        say("\n\(level.cName)")
        for name in names {
            var flags: [String] = []
            if name.mustPrecedeBind { flags.append("before bind") }
            if name.isForListenersOnly { flags.append("listeners only") }
            if name.isInheritedByAcceptedConnections { flags.append("inherited by accepted connections") }
            say("  \(padded(kebab(name.rawValue), nameWidth)) \(padded(name.cName, cNameWidth)) \(name.meaning)")
            say(
                "  \(padded("", nameWidth)) values: \(name.validValues); on \(name.appliesTo)"
                    + (flags.isEmpty ? "" : "; " + flags.joined(separator: ", "))
            )
            if !name.platformNotes.isEmpty { say("  \(padded("", nameWidth)) \(name.platformNotes)") }
        }
    }
    // Read-only options sit at more than one level now (IP_MTU, SO_ORIGINAL_DST at IPPROTO_IP).
    say("\nread-only")
    for name in ReadOnlySocketOption.Name.allCases {
        say(
            "  \(padded(kebab(name.rawValue), nameWidth)) \(padded(name.cName, cNameWidth)) \(name.meaning)"
                + (name.level == .socket ? "" : " (\(name.level.cName))")
        )
    }
    return 0
}

/// `receiveBufferSize` as `receive-buffer-size`; an acronym stays one word (`incomingCPU` as
/// `incoming-cpu`).
func kebab(_ name: String) -> String {
    var text = ""
    var previousWasUppercase = false
    for character in name {
        if character.isUppercase && !previousWasUppercase { text += "-" }
        text += character.lowercased()
        previousWasUppercase = character.isUppercase
    }
    return text
}
