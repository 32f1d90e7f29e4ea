// SocketOptions tests: the table of rows that the set and read path uses is the catalogue itself.

import Testing

@testable import SocketOptions

@Suite("The rows table of the option catalogue")
struct CatalogueTableTests {
    @Test("Each option's position finds it in allCases, and its row in the table is its own row")
    func positionFindsEachOptionsOwnRow() {
        #expect(SocketOption.Name.rows.count == SocketOption.Name.allCases.count)
        for (index, name) in SocketOption.Name.allCases.enumerated() {
            #expect(name.position == index, "\(name)")
            let cached = SocketOption.Name.rows[name.position]
            let row = name.catalogueRow
            #expect("\(cached.cName)" == "\(row.cName)", "\(name)")
            #expect(cached.rawLevel == row.rawLevel && cached.rawName == row.rawName, "\(name)")
            #expect(cached.canReadBack == row.canReadBack, "\(name)")
            #expect(cached.codec.typeDescription == row.codec.typeDescription, "\(name)")
            #expect(cached.codec.validValues == row.codec.validValues, "\(name)")
            #expect("\(name.row.cName)" == "\(row.cName)", "\(name): the in-place view reads another row")
        }
    }
}
