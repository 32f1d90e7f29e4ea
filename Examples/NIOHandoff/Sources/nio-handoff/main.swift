// nio-handoff: SwiftNIO serving HTTP on a listening socket that SocketOptions made.
//
//   nio-handoff [ADDRESS] [--requests N]
//
// SocketOptions creates the listener with SO_REUSEADDR and SO_REUSEPORT, each set with its own
// setsockopt and read back, binds and listens; then it hands the descriptor to SwiftNIO's
// ServerBootstrap.withBoundSocket, which serves HTTP on it. With --requests N the server stops
// after N requests, so that a script can run it and know it ends.

import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import SocketOptions

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    USAGE
      nio-handoff [ADDRESS] [--requests N]
                        serve HTTP with SwiftNIO on a listener that SocketOptions made on ADDRESS
                        (default 127.0.0.1:8080) with SO_REUSEADDR and SO_REUSEPORT; with --requests,
                        stop after N requests (N at least 1)
      nio-handoff --help  this text

    ADDRESS is IPv4 "127.0.0.1:8080" or IPv6 "[::1]:8080"; port 0 lets the kernel choose.
    """

/// Writes a line to standard output at once, so a script reading through a pipe sees it.
func say(_ line: String) {
    write(line + "\n", to: STDOUT_FILENO)
}

func printError(_ message: String) {
    write("nio-handoff: \(message)\n", to: STDERR_FILENO)
}

private func write(_ text: String, to descriptor: CInt) {
    var text = text
    text.withUTF8 { bytes in _ = write(descriptor, bytes.baseAddress, bytes.count) }
}

/// What the command line asks for, or how it is wrong.
enum Command {
    case help
    case serve(address: String, requestLimit: Int?)
    case wrong(String)

    /// The demo's rules: one optional ADDRESS, flags it knows, each value checked.
    init(_ arguments: [String]) {
        var address: String?
        var requestLimit: Int?
        var index = 0
        func limit(_ text: String) -> Int? {
            // Decimal digits only: no sign, no spaces; at least 1.
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let value = Int(text), value >= 1
            else { return nil }
            return value
        }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "-h", "--help", "help":
                self = .help
                return
            case "--requests",
                _ where argument.hasPrefix("--requests="):
                let text: String
                if argument == "--requests" {
                    guard index < arguments.count else {
                        self = .wrong("--requests needs a number of requests, such as --requests 1")
                        return
                    }
                    text = arguments[index]
                    index += 1
                } else {
                    text = String(argument.dropFirst("--requests=".count))
                }
                guard let value = limit(text) else {
                    self = .wrong("--requests takes a whole number of requests, 1 or more; \"\(text)\" is not one")
                    return
                }
                requestLimit = value
            case _ where !argument.hasPrefix("-") && address == nil:
                address = argument
            default:
                self = .wrong("unexpected argument \"\(argument)\"")
                return
            }
        }
        self = .serve(address: address ?? "127.0.0.1:8080", requestLimit: requestLimit)
    }
}

/// Answers every request with one line, counts them, and ends the server after `limit`.
final class HelloHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let limit: Int?
    let served: NIOLockedValueBox<Int>
    let done: EventLoopPromise<Void>

    init(limit: Int?, served: NIOLockedValueBox<Int>, done: EventLoopPromise<Void>) {
        self.limit = limit
        self.served = served
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let body = "hello from SwiftNIO on a socket made by SocketOptions\n"
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: "\(body.utf8.count)")
        headers.add(name: "connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let channel = context.channel
        let (limit, served, done) = (limit, served, done)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(promise: nil)
            let count = served.withLockedValue { count in
                count += 1
                return count
            }
            if let limit, count >= limit { done.succeed(()) }
        }
    }
}

func run(address addressText: String, requestLimit limit: Int?) throws {
    let listener = try ListeningSocket(
        address: try SocketOptions.SocketAddress(addressText),
        options: [.reuseAddress(true), .reusePort(true)]
    )
    let address = listener.localAddress
    let reuseAddress = try listener.option(.reuseAddress).valueDescription
    let reusePort = try listener.option(.reusePort).valueDescription
    let descriptor = listener.releaseDescriptor()

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let served = NIOLockedValueBox(0)
    let done = group.next().makePromise(of: Void.self)
    let channel = try ServerBootstrap(group: group)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(HelloHandler(limit: limit, served: served, done: done))
            }
        }
        .withBoundSocket(descriptor)
        .wait()
    say("listening on \(address) (SO_REUSEADDR \(reuseAddress), SO_REUSEPORT \(reusePort), served by SwiftNIO)")
    try done.futureResult.wait()
    try channel.close().wait()
    try group.syncShutdownGracefully()
    say("served \(served.withLockedValue { $0 }) request(s)")
}

switch Command(Array(CommandLine.arguments.dropFirst())) {
case .help:
    say(usage)
    exit(0)
case .wrong(let problem):
    printError("\(problem)\n\n\(usage)")
    exit(2)
case .serve(let address, let requestLimit):
    do {
        try run(address: address, requestLimit: requestLimit)
    } catch let error as SocketError {
        printError(error.description)
        exit(1)
    } catch {
        printError("SwiftNIO could not serve: \(error)")
        exit(1)
    }
}
