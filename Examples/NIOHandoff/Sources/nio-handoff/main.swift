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

/// Writes a line to standard output at once, so a script reading through a pipe sees it.
func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(STDOUT_FILENO, bytes.baseAddress, bytes.count) }
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

func run() throws {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var requestLimit: Int?
    if let flag = arguments.firstIndex(of: "--requests"), flag + 1 < arguments.count {
        requestLimit = Int(arguments[flag + 1])
        arguments.removeSubrange(flag...(flag + 1))
    }
    let limit = requestLimit
    let listener = try ListeningSocket(
        address: try SocketOptions.SocketAddress(arguments.first ?? "127.0.0.1:8080"),
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

try run()
