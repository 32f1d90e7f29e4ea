// SocketOptions tests: the options guide in Documentation/ is the catalogue's own data.
//
// The tables between the GENERATED markers of Documentation/Options.md must equal what this test
// renders from SocketOption.Name and ReadOnlySocketOption.Name. After changing an option, run
//     SOCKETOPTIONS_WRITE_GUIDE=1 swift test --filter OptionsGuideTests
// to write the tables anew, and read the diff.

import Glibc
import Testing

@testable import SocketOptions

extension KernelTests {
    // Under KernelTests: reading the guide opens a descriptor that the descriptor-leak test would
    // see if it ran alongside.
    @Suite("Documentation/Options.md")
    struct OptionsGuideTests {
        static let begin = "<!-- BEGIN GENERATED: edit the options' data, not this table -->"
        static let end = "<!-- END GENERATED -->"

        static var guidePath: String {
            let testFile = #filePath
            let root = testFile.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(
                separator: "/"
            )
            return root + "/Documentation/Options.md"
        }

        static func cell(_ text: String) -> String { text.replacingPipes() }

        /// The tables as the data says they are.
        static func renderedTables() -> String {
            var lines = [
                "| Swift case | Level | C name | Type | Valid values | Before bind | Inherited | Applies to | Meaning | Notes |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
            for name in SocketOption.Name.allCases {
                let scope = name.mustPrecedeBind ? "yes" : (name.isForListenersOnly ? "listeners only" : "no")
                let cells = [
                    "`\(name)`", name.level.cName, name.cName, name.valueType, name.validValues, scope,
                    name.isInheritedByAcceptedConnections ? "yes" : "no", name.appliesTo, name.meaning,
                    name.platformNotes,
                ]
                lines.append("| " + cells.map(cell).joined(separator: " | ") + " |")
            }
            lines += [
                "", "Read-only options:", "", "| Swift case | Level | C name | Type | Meaning |",
                "|---|---|---|---|---|",
            ]
            for name in ReadOnlySocketOption.Name.allCases {
                let cells = ["`\(name)`", name.level.cName, name.cName, name.valueType, name.meaning]
                lines.append("| " + cells.map(cell).joined(separator: " | ") + " |")
            }
            return lines.joined(separator: "\n")
        }

        @Test("The generated tables in Documentation/Options.md match the options' data")
        func guideMatchesData() throws {
            let text = try #require(readText(Self.guidePath), "cannot read \(Self.guidePath)")
            let parts = text.components(separatedBy: Self.begin)
            try #require(parts.count == 2, "Options.md needs one \(Self.begin) marker")
            let rest = parts[1].components(separatedBy: Self.end)
            try #require(rest.count == 2, "Options.md needs one \(Self.end) marker")
            let expected = "\n" + Self.renderedTables() + "\n"
            if rest[0] != expected, getenv("SOCKETOPTIONS_WRITE_GUIDE") != nil {
                let updated = parts[0] + Self.begin + expected + Self.end + rest[1]
                let file = try #require(fopen(Self.guidePath, "w"))
                fputs(updated, file)
                fclose(file)
            }
            #expect(
                rest[0] == expected,
                "Documentation/Options.md is out of date: run SOCKETOPTIONS_WRITE_GUIDE=1 swift test"
            )
        }

        @Test("Every option's data is filled in, and each row names its C option once")
        func everyOptionHasData() {
            let rendered = Self.renderedTables()
            for name in SocketOption.Name.allCases {
                #expect(rendered.contains("| `\(name)` | \(name.level.cName) | \(name.cName) |"))
            }
            for name in ReadOnlySocketOption.Name.allCases {
                #expect(rendered.contains("| `\(name)` | \(name.level.cName) | \(name.cName) |"))
            }
        }
    }
}

extension String {
    func replacingPipes() -> String { split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }

    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
