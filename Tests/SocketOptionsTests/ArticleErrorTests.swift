// SocketOptions tests: every block of ThreadsAndTasks.md that "does not compile" is compiled with
// the toolchain these tests run under, and fails with the errors the article prints under it; every
// Swift block of README.md compiles as a newcomer pastes it, whole, into a main.swift.
// Ownership errors come from SIL checks, after type checking: swiftc -emit-sil, not -typecheck.

import Foundation
import Glibc
import PlainThreads
import Testing

/// A ```text block of the article: its code, the file it stands for, and the errors it shows.
struct FailingSnippet: CustomStringConvertible {
    var code: [Substring]
    var expected: [String]
    /// `main.swift` when the block says so on its first line (`// main.swift`); another file else.
    var fileName: String

    var description: String { code.joined(separator: "\n") }

    /// The ```text blocks of `article` that end with `error:` lines.
    static func all(in article: String) -> [FailingSnippet] {
        var snippets: [FailingSnippet] = []
        var current: [Substring]?
        for line in article.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("```text") {
                current = []
            } else if let block = current, line.hasPrefix("```") {
                current = nil
                guard let firstError = block.firstIndex(where: { $0.hasPrefix("error: ") }) else { continue }
                let code = Array(block[..<firstError])
                let named = code.first.flatMap { $0.hasPrefix("// ") && $0.hasSuffix(".swift") ? $0.dropFirst(3) : nil }
                snippets.append(
                    FailingSnippet(
                        code: code,
                        expected: block[firstError...].map { String($0.dropFirst("error: ".count)) },
                        fileName: named.map(String.init) ?? "Snippet.swift"
                    )
                )
            } else {
                current?.append(line)
            }
        }
        return snippets
    }
}

/// The toolchain that runs this process: its swiftc sits in `bin/` beside the `lib/swift/` that
/// libswiftCore.so was loaded from. Nil when the runtime is not a toolchain's (a system copy).
private func swiftcOfThisToolchain() -> String? {
    guard let maps = readText("/proc/self/maps") else { return nil }
    for line in maps.split(separator: "\n") {
        guard let start = line.range(of: " /"), line.hasSuffix("/libswiftCore.so") else { continue }
        let path = String(line[line.index(after: start.lowerBound)...])
        guard let lib = path.range(of: "/lib/swift/") else { continue }
        let swiftc = String(path[..<lib.lowerBound]) + "/bin/swiftc"
        if access(swiftc, X_OK) == 0 { return swiftc }
    }
    return nil
}

/// Compiles `files` (name and text) to SIL as one module, bounded in time; the messages of the
/// errors it printed (the text after `error: `, without a trailing `[#Group]`).
private func compileErrors(_ files: [(String, String)], swiftc: String, modules: String) throws -> [String] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("article-\(getpid())-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var paths: [String] = []
    for (name, text) in files {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: false, encoding: .utf8)
        paths.append(url.path)
    }
    let log = directory.appendingPathComponent("errors.log")
    guard FileManager.default.createFile(atPath: log.path, contents: nil) else { return ["cannot create \(log.path)"] }
    let output = try FileHandle(forWritingTo: log)
    let child = Process()
    child.executableURL = URL(fileURLWithPath: swiftc)
    child.arguments =
        ["-emit-sil", "-swift-version", "6", "-module-name", "ArticleCheck", "-I", modules]
        + paths
    child.standardOutput = FileHandle.nullDevice
    child.standardError = output
    try child.run()
    let deadline = ContinuousClock.now + .seconds(60)
    while child.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
    if child.isRunning { kill(child.processIdentifier, SIGKILL) }
    child.waitUntilExit()
    try output.close()
    let text = String(decoding: try Data(contentsOf: log), as: UTF8.self)
    return text.split(separator: "\n").compactMap { line -> String? in
        guard let at = line.range(of: ": error: ") else { return nil }
        var message = String(line[at.upperBound...])
        if let group = message.range(of: " [#", options: .backwards), message.hasSuffix("]") {
            message = String(message[..<group.lowerBound])
        }
        return message
    }
}

/// The swiftc of this toolchain and the directory of the SocketOptions module these tests import.
private func compilerAndModules() throws -> (swiftc: String, modules: String) {
    let swiftc = try #require(swiftcOfThisToolchain(), "no swiftc beside this process's libswiftCore.so")
    // The test bundle sits beside the Modules directory that holds SocketOptions.swiftmodule.
    let executable = try #require(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    let modules = String(executable[..<executable.range(of: "/", options: .backwards)!.lowerBound]) + "/Modules"
    try #require(access(modules + "/SocketOptions.swiftmodule", R_OK) == 0, "no module in \(modules)")
    return (swiftc, modules)
}

extension KernelTests {
    @Suite("The documentation's code compiles, or fails, as shown")
    struct ArticleErrorTests {
        @Test("Every Swift block of README.md compiles alone as a main.swift, with the imports it shows")
        func readmeBlocksCompile() throws {
            let here = #filePath
            let root = String(here[..<here.range(of: "/Tests/")!.lowerBound])
            let readme = try #require(readText(root + "/README.md"))
            let (swiftc, modules) = try compilerAndModules()
            var blocks: [String] = []
            var current: [Substring]?
            for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
                if current == nil, line.hasPrefix("```swift") {
                    current = []
                } else if let block = current, line.hasPrefix("```") {
                    blocks.append(block.joined(separator: "\n") + "\n")
                    current = nil
                } else {
                    current?.append(line)
                }
            }
            #expect(blocks.count >= 3)
            for block in blocks {
                #expect(block.hasPrefix("import SocketOptions\n"), "a block a newcomer pastes starts with its import")
                let errors = try compileErrors([("main.swift", block)], swiftc: swiftc, modules: modules)
                #expect(errors == [], "README block:\n\(block)\ngave \(errors)")
            }
        }

        @Test("Each block the article says does not compile fails with exactly the errors it shows")
        func failingBlocksFailAsShown() throws {
            let here = #filePath
            let tests = String(here[..<here.range(of: "/ArticleErrorTests.swift")!.lowerBound])
            let root = String(here[..<here.range(of: "/Tests/")!.lowerBound])
            let article = try #require(readText(root + "/Sources/SocketOptions/SocketOptions.docc/ThreadsAndTasks.md"))
            let (swiftc, modules) = try compilerAndModules()

            // What the blocks use: the imports, startThread, and the article's own types.
            let imports = "import Glibc\nimport Synchronization\nimport SocketOptions\n"
            let threads = try #require(readText(root + "/Sources/PlainThreads/Threads.swift"))
            let patterns = try #require(readText(tests + "/ThreadsAndTasksTests.swift"))
            let types = patterns[
                patterns.range(of: "// snippet: shared-listener")!
                    .lowerBound..<patterns.range(of: "extension KernelTests {")!.lowerBound
            ]
            let prelude =
                imports
                + threads.split(separator: "\n").filter { !$0.hasPrefix("import ") }
                .joined(separator: "\n") + "\n" + types

            // The prelude alone compiles: every error below is the block's own.
            #expect(
                try compileErrors([("Prelude.swift", prelude), ("Empty.swift", "")], swiftc: swiftc, modules: modules)
                    == []
            )
            let snippets = FailingSnippet.all(in: article)
            #expect(snippets.count >= 7)
            for snippet in snippets {
                let errors = try compileErrors(
                    [
                        ("Prelude.swift", prelude),
                        (snippet.fileName, imports + snippet.code.joined(separator: "\n") + "\n"),
                    ],
                    swiftc: swiftc,
                    modules: modules
                )
                #expect(Set(errors) == Set(snippet.expected), "\(snippet.fileName):\n\(snippet)\ngave \(errors)")
            }
        }
    }
}
