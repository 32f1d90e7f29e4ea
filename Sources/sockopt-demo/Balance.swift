// sockopt-demo balance: N listeners in one SO_REUSEPORT group take M connections; the histogram of
// who took how many, the fairness figure, and with --by-cpu whether SO_INCOMING_CPU matched.

import PlainThreads
import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `balance` was asked for.
struct BalanceRequest: Equatable {
    static let listenerRange = 1...64
    static let connectionRange = 1...100_000

    var listeners: Int
    var connections: Int
    var byCPU: Bool

    /// The request, or the usage error to print (the command then exits 2).
    static func parse(_ arguments: [String], defaultListeners: Int) -> Result<BalanceRequest, BalanceUsageError> {
        var request = BalanceRequest(
            listeners: min(max(defaultListeners, listenerRange.lowerBound), listenerRange.upperBound),
            connections: 2000,
            byCPU: false
        )
        var seen: Set<String> = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            // Each flag once, as `handover` takes its own: a second value would silently win.
            if argument.hasPrefix("--"), !seen.insert(argument).inserted {
                return .failure(BalanceUsageError("\(argument) given twice"))
            }
            switch argument {
            case "--by-cpu":
                request.byCPU = true
            case "--listeners", "--connections":
                guard index < arguments.count else {
                    return .failure(BalanceUsageError("\(argument) needs a number"))
                }
                let text = arguments[index]
                index += 1
                let range = argument == "--listeners" ? listenerRange : connectionRange
                // Decimal digits only, as `handover` reads its numbers: Int(text) alone would take "+5".
                guard !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                    let value = Int(text), range.contains(value)
                else {
                    return .failure(
                        BalanceUsageError(
                            "\(argument) takes a whole number in \(range.lowerBound)...\(range.upperBound), "
                                + "not \"\(PrintableText.escaped(text))\""
                        )
                    )
                }
                if argument == "--listeners" { request.listeners = value } else { request.connections = value }
            default:
                return .failure(BalanceUsageError("unexpected argument \"\(PrintableText.escaped(argument))\""))
            }
        }
        return .success(request)
    }
}

/// A command line `balance` cannot run: the message says what to give instead.
struct BalanceUsageError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}

func runBalance(_ arguments: [String]) -> Int32 {
    #if os(Linux)
    let cpus = CPUAffinity.allowedCPUs()
    switch BalanceRequest.parse(arguments, defaultListeners: cpus.count) {
    case .failure(let error):
        printError("balance: \(error.message)\n\n\(usage)")
        return 2
    case .success(let request):
        return BalanceRun.run(request, cpus: cpus.isEmpty ? [0] : cpus)
    }
    #else
    printError("balance needs Linux: SO_REUSEPORT spreads connections by hash and takes a CBPF program only there")
    return 1
    #endif
}

#if os(Linux)
/// One run: the listeners, their acceptor threads, the client threads and what they saw, behind
/// one mutex (a pthread one: Synchronization's Mutex needs macOS 15, and this target builds on 13).
private final class BalanceRun: @unchecked Sendable {
    /// The longest the clients take new connections; each connection is also bounded (5 s to
    /// connect, 5 s for the server's byte), so a run ends within about 130 s whatever happens.
    static let timeLimit: Duration = .seconds(120)
    static let connectTimeout: Duration = .seconds(5)
    static let replyTimeout: Duration = .seconds(5)

    let request: BalanceRequest
    let address: SocketAddress
    let listeners: [SharedListener]
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var histogram: ListenerHistogram
    private var nextConnection = 0
    private var clientsFinished = false
    private var served = 0
    private var failures: [String: Int] = [:]
    private var cpuMatched = 0
    private var cpuMismatched = 0
    private var acceptErrors: [String: Int] = [:]

    private init(request: BalanceRequest, address: SocketAddress, listeners: [SharedListener]) throws(SocketError) {
        self.request = request
        self.address = address
        self.listeners = listeners
        histogram = try ListenerHistogram(listeners: listeners.count)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }

    static func run(_ request: BalanceRequest, cpus: [Int]) -> Int32 {
        let run: BalanceRun
        do {
            // Made, and so listening and numbered, in order: listener i is index i of the group.
            var listeners: [SharedListener] = []
            var address = SocketAddress.ipv4Loopback(port: 0)
            for _ in 0..<request.listeners {
                let listener = try ListeningSocket(address: address, options: [.reusePort(true)])
                address = listener.localAddress
                listeners.append(SharedListener(listener))
            }
            let balancing: ReusePortBalancing =
                request.byCPU ? .byCPU(listeners: request.listeners) : .kernelHash
            // A new group has no program: the hash needs no call (and detaching needs Linux 5.3).
            if request.byCPU { try listeners[0].socket.balanceReusePortGroup(balancing) }
            run = try BalanceRun(request: request, address: address, listeners: listeners)
            let clients = min(request.connections, max(8, cpus.count))
            var plan =
                "balance: \(request.listeners) listener\(request.listeners == 1 ? "" : "s") in one SO_REUSEPORT group "
                + "on \(address), \(request.connections) connection\(request.connections == 1 ? "" : "s") from "
                + "\(clients) client thread\(clients == 1 ? "" : "s"), \(balancing)"
            if request.byCPU {
                plan += "; client threads pinned to CPUs \(cpus.map(String.init).joined(separator: ", ")) in turn"
            }
            say(plan)
            return try run.start(clients: clients, cpus: cpus)
        } catch {
            printError("balance: \(error)")
            return 1
        }
    }

    private func start(clients: Int, cpus: [Int]) throws -> Int32 {
        let started = ContinuousClock.now
        let deadline = started + Self.timeLimit
        var acceptors: [pthread_t] = []
        for index in listeners.indices {
            // Listener i served on CPU i, where there is one: the deployment the CPU mode is for.
            let pin = request.byCPU && cpus.contains(index) ? index : nil
            acceptors.append(try startBalanceThread { self.accept(on: index, pinnedTo: pin) })
        }
        var clientThreads: [pthread_t] = []
        for number in 0..<clients {
            let pin = request.byCPU ? cpus[number % cpus.count] : nil
            clientThreads.append(try startBalanceThread { self.connect(pinnedTo: pin, until: deadline) })
        }
        for thread in clientThreads { pthread_join(thread, nil) }
        locked { clientsFinished = true }
        for thread in acceptors { pthread_join(thread, nil) }
        let elapsed = ContinuousClock.now - started
        return report(elapsed: elapsed, cpus: cpus)
    }

    /// Takes the next connection number, or nil when all are taken or time is up.
    private func takeConnection(until deadline: ContinuousClock.Instant) -> Int? {
        locked {
            guard nextConnection < request.connections, ContinuousClock.now < deadline else { return nil }
            nextConnection += 1
            return nextConnection
        }
    }

    private func connect(pinnedTo cpu: Int?, until deadline: ContinuousClock.Instant) {
        if let cpu, !CPUAffinity.pinCurrentThread(to: cpu) {
            locked { failures["could not pin a client thread to CPU \(cpu)", default: 0] += 1 }
        }
        while takeConnection(until: deadline) != nil {
            do throws(SocketError) {
                let client = try Connection(connectingTo: address, timeout: Self.connectTimeout)
                guard let reply = try client.receive(upTo: 1, timeout: Self.replyTimeout), reply.count == 1 else {
                    locked { failures["no byte from the server within 5 s", default: 0] += 1 }
                    continue
                }
                // A reset rather than a FIN: no TIME_WAIT is left on either side, however many runs.
                try client.set(.linger, .zero)
                try client.close()
                locked { served += 1 }
            } catch {
                locked { failures[error.errno.map { "\($0)" } ?? "\(error)", default: 0] += 1 }
            }
        }
    }

    private func accept(on index: Int, pinnedTo cpu: Int?) {
        if let cpu { _ = CPUAffinity.pinCurrentThread(to: cpu) }
        let listener = listeners[index]
        while true {
            do throws(SocketError) {
                guard let connection = try listener.socket.accept(timeout: .milliseconds(50)) else {
                    if locked({ clientsFinished }) { return }
                    continue
                }
                let incomingCPU = try? connection.value(.incomingCPU)
                try? connection.send([1], timeout: .seconds(1))
                locked {
                    // The index is in range by construction: the acceptor of listener `index`.
                    try? histogram.record(listener: index)
                    if let incomingCPU {
                        if incomingCPU % request.listeners == index { cpuMatched += 1 } else { cpuMismatched += 1 }
                    }
                }
            } catch {
                locked { acceptErrors[error.errno.map { "\($0)" } ?? "\(error)", default: 0] += 1 }
                // EMFILE and the like leave the connection queued: wait rather than spin.
                usleep(10_000)
            }
        }
    }

    private func report(elapsed: Duration, cpus: [Int]) -> Int32 {
        locked {
            say(histogram.description)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Int(Double(served) / seconds) : 0
            let failed = failures.values.reduce(0, +)
            var line = "served \(served) of \(request.connections) in \(Self.hundredths(seconds)) s "
            line += "(\(rate) connections/s); \(failed) failed"
            if !failures.isEmpty {
                line +=
                    ": " + failures.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            }
            if nextConnection < request.connections {
                line += "; stopped at the \(Self.timeLimit) limit"
            }
            say(line)
            if !acceptErrors.isEmpty {
                say(
                    "accept failed: "
                        + acceptErrors.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(
                            separator: ", "
                        )
                )
            }
            let checked = cpuMatched + cpuMismatched
            if request.byCPU {
                say(
                    "SO_INCOMING_CPU: \(cpuMatched) of \(checked) connections were accepted by the listener of the CPU "
                        + "that received them (CPU mod \(request.listeners) = listener); \(cpuMismatched) were not"
                )
            } else {
                say(
                    "SO_INCOMING_CPU: \(cpuMatched) of \(checked) connections reached the listener of the CPU that "
                        + "received them (CPU mod \(request.listeners) = listener) by chance: the hash does not look at "
                        + "the CPU"
                )
            }
            return failed == 0 && served == request.connections && (!request.byCPU || cpuMismatched == 0) ? 0 : 1
        }
    }

    private static func hundredths(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}

/// A listener that threads share; it closes with the last reference.
private final class SharedListener: @unchecked Sendable {
    let socket: ListeningSocket
    init(_ socket: consuming ListeningSocket) { self.socket = socket }
}

/// Starts a thread that runs `body` (PlainThreads); join it with `pthread_join`.
private func startBalanceThread(_ body: @escaping @Sendable () -> Void) throws(SocketError) -> pthread_t {
    do {
        return try startThread(body)
    } catch {
        throw .invalidArgument(
            "pthread_create failed: \(Errno(rawValue: error.errorNumber)); lower --connections or --listeners"
        )
    }
}
#endif
