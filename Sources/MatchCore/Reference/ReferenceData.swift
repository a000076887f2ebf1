/// The reference data shipped in the binary (see `Reference/data/SOURCES.md` for sources and
/// licences): SSYK 2012 at all four levels, occupation names mapped to SSYK, and the 290
/// municipalities with kommunkod, län and a coordinate.
public enum ReferenceData {
    /// An SSYK 2012 group.
    public struct Occupation: Sendable, Hashable {
        /// 1 (yrkesområde) to 4 (undergrupp).
        public var level: Int
        /// The code, as many digits as the level.
        public var code: String
        /// The Swedish name.
        public var nameSv: String
        /// The English name.
        public var nameEn: String
    }

    /// A municipality.
    public struct Municipality: Sendable, Hashable {
        /// The four-digit kommunkod.
        public var code: String
        /// Its name.
        public var name: String
        /// The län's two-digit code.
        public var lanCode: String
        /// The län's name.
        public var lanName: String
        /// Latitude of its coordinate.
        public var latitude: Double
        /// Longitude of its coordinate.
        public var longitude: Double
    }

    /// An occupation name (e.g. "Undersköterska, hemtjänst") and its SSYK code.
    public struct OccupationName: Sendable, Hashable {
        /// The JobTech taxonomy concept id.
        public var conceptID: String
        /// The Swedish name.
        public var nameSv: String
        /// Its four-digit SSYK code as JobTech gives it; for managers a merged code ending in 0.
        public var ssyk: String

        /// The SCB undergrupper it stands for: JobTech's merged manager code `ABC0` stands for
        /// SCB's `ABC1` (nivå 1) and `ABC2` (nivå 2).
        public var scbCodes: [String] {
            if ReferenceData.occupationGroup(ssyk) != nil { return [ssyk] }
            guard ssyk.hasSuffix("0") else { return [] }
            return ["1", "2"].map { ssyk.dropLast() + $0 }.filter { ReferenceData.occupationGroup($0) != nil }
        }
    }

    /// Every SSYK group by code.
    public static let occupations: [String: Occupation] = {
        var result: [String: Occupation] = [:]
        for fields in CSVRows.parse(PackageResources.ssyk2012_csv).dropFirst() where fields.count == 4 {
            guard let level = Int(fields[0]) else { continue }
            result[fields[1]] = Occupation(level: level, code: fields[1], nameSv: fields[2], nameEn: fields[3])
        }
        return result
    }()

    /// Every municipality by kommunkod.
    public static let municipalities: [String: Municipality] = {
        var result: [String: Municipality] = [:]
        for fields in CSVRows.parse(PackageResources.kommuner_csv).dropFirst() where fields.count == 6 {
            guard let latitude = Double(fields[4]), let longitude = Double(fields[5]) else { continue }
            result[fields[0]] = Municipality(code: fields[0], name: fields[1], lanCode: fields[2], lanName: fields[3],
                                             latitude: latitude, longitude: longitude)
        }
        return result
    }()

    /// Every occupation name.
    public static let occupationNames: [OccupationName] = CSVRows.parse(PackageResources.occupation_names_csv)
        .dropFirst().filter { $0.count == 3 }.map { OccupationName(conceptID: $0[0], nameSv: $0[1], ssyk: $0[2]) }

    /// The four-digit SSYK group (undergrupp) `code`, nil when there is none.
    public static func occupationGroup(_ code: String) -> Occupation? {
        guard code.count == 4, let occupation = occupations[code], occupation.level == 4 else { return nil }
        return occupation
    }
}

/// A small CSV reader for the shipped files: commas, double-quoted fields, `""` for a quote.
enum CSVRows {
    static func parse(_ bytes: [UInt8]) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var index = 0
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                endField()
            } else if byte == UInt8(ascii: "\n") {
                endField()
                rows.append(row)
                row.removeAll()
            } else if byte != UInt8(ascii: "\r") {
                field.append(byte)
            }
            index += 1
        }
        if !field.isEmpty || !row.isEmpty {
            endField()
            rows.append(row)
        }
        return rows
    }
}
