// sockopt-demo: a tour of what SocketOptions does, and two small tools built on it.

import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    sockopt-demo: SocketOptions on this machine's kernel

    USAGE
      sockopt-demo                          a tour that ends in seconds: the OR-ed setsockopt trap, a restart
                                            through TIME_WAIT, two listeners sharing a port, and what the kernel
                                            kept of each option
      sockopt-demo inspect [ADDRESS] [--option NAME=VALUE]... [--json]
                                            make a listener with the default options and any given ones, and print
                                            each option as requested and as the kernel kept it, then every option
                                            the socket has (ADDRESS defaults to 127.0.0.1:0)
      sockopt-demo options                  list the socket options this platform has
      sockopt-demo serve [ADDRESS] [--reuse-port]
                                            listen on ADDRESS (default 127.0.0.1:8080) and answer each connection
                                            with one line naming this process; stops on Ctrl+C, SIGTERM or SIGHUP.
                                            Started by a socket-activation launcher (LISTEN_FDS) and given no
                                            ADDRESS, it serves the inherited socket. With --reuse-port (Linux) it
                                            offers a take-over at a Unix socket only this user can reach
                                            ($XDG_RUNTIME_DIR, /run/user/UID or /tmp/sockopt-demo-UID)
      sockopt-demo serve ADDRESS --reuse-port --take-over[=steer]
                                            take over from the serve --reuse-port running on ADDRESS, losing no
                                            connection: its listener is handed over (SCM_RIGHTS), or with =steer
                                            (or when it cannot hand over) this one joins its SO_REUSEPORT group and
                                            steers new connections to itself while the old one drains; the old one
                                            then exits 0. Exits 1 when no serve offers a take-over there
      sockopt-demo handover [--connections M] [--clients C] [--rate R] [--finish MS]
                                            replace a server in the middle of a paced load, once per way (stop then
                                            start; join a SO_REUSEPORT group then close, with tcp_migrate_req 0
                                            and 1; steer and drain; descriptor hand-over), beside a server that is
                                            not replaced, and print what the clients saw (defaults: 5000
                                            connections from 128 clients at 5000/s; an old instance that closes takes
                                            20 ms to finish its work). Linux; rows that set a sysctl need a
                                            private network namespace (root)
      sockopt-demo balance [--listeners N] [--connections M] [--by-cpu]
                                            N listeners (1...64, default one per CPU) in one SO_REUSEPORT group on
                                            a loopback port take M connections (1...100000, default 2000) from
                                            concurrent clients; prints how many each listener took and the
                                            fairness (max/min). --by-cpu steers each connection to the listener of
                                            the CPU that received it (clients pinned to each CPU in turn) and checks
                                            SO_INCOMING_CPU; exits 1 if a connection failed or did not match
      sockopt-demo --help                   this text

    ADDRESS is IPv4 "127.0.0.1:8080" or IPv6 "[::1]:8080" (port 0 lets the kernel choose), a
    Unix-domain path "unix:/run/app.sock", an abstract Unix name "unix:@app" (Linux), or a host
    name and port "localhost:8080", looked up with getaddrinfo (the first address it gives).
    """

// A reader that goes away (`sockopt-demo inspect unix:PATH | head -1`) must end a write with EPIPE,
// not the process with SIGPIPE: the socket file and its lock are removed on the way out.
signal(SIGPIPE, SIG_IGN)

var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.isEmpty ? "tour" : arguments.removeFirst()

let status: Int32
switch command {
case "tour":
    status = runTour()
case "inspect":
    status = runInspect(arguments)
case "options":
    status = runOptions(arguments)
case "serve":
    status = runServe(arguments)
case "handover":
    status = runHandover(arguments)
case "balance":
    status = runBalance(arguments)
case "-h", "--help", "help":
    say(usage)
    status = 0
default:
    printError("unknown command \"\(PrintableText.escaped(command))\"\n\n\(usage)")
    status = 2
}
exit(status)
