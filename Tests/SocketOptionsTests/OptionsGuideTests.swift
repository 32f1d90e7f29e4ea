// SocketOptions tests: the options guide in Documentation/ agrees with the code.

import Glibc
import Testing

@testable import SocketOptions

@Suite("Documentation/Options.md")
struct OptionsGuideTests {
    /// The rows of the guide's option table (the one with seven columns), keyed by the Swift case
    /// name in the first column.
    static func guideRows() -> [String: [String]] {
        let testFile = #filePath
        let root = testFile.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        guard let text = readText(root + "/Documentation/Options.md") else { return [:] }
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { String($0).trimmingCharacters(in: " ") }
            if cells.count == 7 { rows[cells[0].trimmingCharacters(in: "`")] = cells }
        }
        return rows
    }

    @Test(
        "Every option has a row with its level, C name and whether it must precede bind",
        arguments: SocketOption.Name.allCases
    )
    func optionHasRow(name: SocketOption.Name) throws {
        let row = try #require(Self.guideRows()[name.rawValue], "no row for \(name) in Documentation/Options.md")
        #expect(row[1] == name.level.cName)
        #expect(row[2] == name.cName)
        #expect(row[4] == (name.mustPrecedeBind ? "yes" : "no"))
    }

    @Test("The guide has no row for an option the code does not have")
    func noStaleRows() {
        let names = Set(SocketOption.Name.allCases.map(\.rawValue))
        let rows = Self.guideRows()
        #expect(!rows.isEmpty)
        #expect(
            Set(rows.keys).subtracting(names).isEmpty,
            "rows without an option: \(Set(rows.keys).subtracting(names))"
        )
    }
}
