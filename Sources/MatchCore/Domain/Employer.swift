import Foundation

/// An arbetsgivare: a firm, public body, social enterprise or non-profit that takes participants,
/// identified in its förbund by organisationsnummer.
public struct Employer: Sendable, Encodable, Hashable {
    /// The förbund whose employer relation this is.
    public var forbundID: UUID
    /// Its id.
    public var id: UUID
    /// The organisationsnummer, ten digits (unique in the förbund).
    public var organisationsnummer: Organisationsnummer
    /// The fields the employer's coordinator keeps.
    public var fields: EmployerFields
    /// Counts changes; the API's ETag.
    public var version: Int
    /// When it was registered.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// The relation's record: its placements, active and ended by outcome (coordinators only; the
    /// API leaves it null for employer and operator tokens).
    public var placements: EmployerPlacements?

    enum CodingKeys: String, CodingKey {
        case forbundID = "forbund_id", id, organisationsnummer, version, createdAt = "created_at"
        case updatedAt = "updated_at", placements
    }

    /// Encodes the fields beside the identity, as one flat object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeID(forbundID, forKey: .forbundID)
        try container.encodeID(id, forKey: .id)
        try container.encode(organisationsnummer, forKey: .organisationsnummer)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(placements, forKey: .placements)
        try fields.encode(to: encoder)
    }
}

/// An employer's placements: how many are under way and how the ended ones ended.
public struct EmployerPlacements: Sendable, Encodable, Hashable {
    /// Placements not ended (positions taken across its offers).
    public var active: Int
    /// Ended placements by outcome; every outcome is present, most with 0.
    public var ended: [PlacementOutcome: Int]

    /// Counts from the store.
    init(active: Int, ended: [String: Int]) {
        self.active = active
        self.ended = Dictionary(uniqueKeysWithValues: PlacementOutcome.allCases.map { ($0, ended[$0.rawValue] ?? 0) })
    }

    enum CodingKeys: String, CodingKey { case active, ended }

    /// Encodes the ended counts as an object keyed by outcome, in the declared order.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(active, forKey: .active)
        var outcomes = c.nestedContainer(keyedBy: OutcomeKey.self, forKey: .ended)
        for outcome in PlacementOutcome.allCases {
            try outcomes.encode(ended[outcome] ?? 0, forKey: OutcomeKey(stringValue: outcome.rawValue))
        }
    }

    struct OutcomeKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// What kind of organisation an employer is.
public enum EmployerSector: String, Sendable, Codable, CaseIterable {
    /// A private firm (privat).
    case `private`
    /// A public body (offentlig).
    case `public`
    /// An arbetsintegrerande socialt företag.
    case socialEnterprise = "social_enterprise"
    /// An idéburen organisation.
    case nonProfit = "non_profit"
}

/// The fields of an employer that a coordinator sets, checked.
public struct EmployerFields: Sendable, Encodable, Hashable {
    /// The organisation's name.
    public var name: String
    /// Its sector.
    public var sector: EmployerSector
    /// The arbetsgivarkoordinator who holds the relation (VTA: one per employer).
    public var responsibleCoordinatorID: UUID?
    /// Free notes for the coordinators (no personal data about participants).
    public var notes: String
    /// Workplaces and postal addresses.
    public var addresses: [EmployerAddress]
    /// People to talk to at the employer.
    public var contacts: [EmployerContact]
    /// The employer-side support the förbund has given (VTA step 7).
    public var supportGiven: [EmployerSupportGiven]

    /// Fields already checked (the API checks them through `EmployerInput`).
    public init(name: String, sector: EmployerSector, responsibleCoordinatorID: UUID?, notes: String, addresses: [EmployerAddress],
                contacts: [EmployerContact], supportGiven: [EmployerSupportGiven]) {
        self.name = name
        self.sector = sector
        self.responsibleCoordinatorID = responsibleCoordinatorID
        self.notes = notes
        self.addresses = addresses
        self.contacts = contacts
        self.supportGiven = supportGiven
    }

    enum CodingKeys: String, CodingKey {
        case name, sector, responsibleCoordinatorID = "responsible_coordinator_id", notes, addresses, contacts
        case supportGiven = "support_given"
    }

    /// Encodes every field, the coordinator's id in lower case or null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(sector, forKey: .sector)
        try container.encodeID(responsibleCoordinatorID, forKey: .responsibleCoordinatorID)
        try container.encode(notes, forKey: .notes)
        try container.encode(addresses, forKey: .addresses)
        try container.encode(contacts, forKey: .contacts)
        try container.encode(supportGiven, forKey: .supportGiven)
    }
}

/// An address of an employer, with a coordinate (from the municipality when none was given).
public struct EmployerAddress: Sendable, Codable, Hashable {
    /// What it is ("Huvudkontor", "Lagret").
    public var label: String
    /// Street and number.
    public var street: String
    /// Postnummer.
    public var postalCode: String
    /// Postort.
    public var city: String
    /// The municipality's four-digit kommunkod.
    public var kommunkod: String
    /// Latitude (WGS 84).
    public var latitude: Double
    /// Longitude (WGS 84).
    public var longitude: Double
    /// Whether the coordinate was given or taken from the municipality.
    public var coordinateSource: CoordinateSource

    enum CodingKeys: String, CodingKey {
        case label, street, postalCode = "postal_code", city, kommunkod, latitude, longitude
        case coordinateSource = "coordinate_source"
    }
}

/// Where a stored coordinate came from.
public enum CoordinateSource: String, Sendable, Codable, CaseIterable {
    /// Given with the address.
    case address
    /// The municipality's coordinate, used because none was given.
    case municipality

    /// The source of a stored coordinate: the municipality's when none was given, and also when
    /// the one given is the municipality's own, so a record read and sent back whole keeps it.
    static func of(_ given: (Double, Double)?, in municipality: ReferenceData.Municipality) -> CoordinateSource {
        guard let given else { return .municipality }
        return given == (municipality.latitude, municipality.longitude) ? .municipality : .address
    }
}

/// A contact person at an employer.
public struct EmployerContact: Sendable, Codable, Hashable {
    /// Full name.
    public var name: String
    /// Their role ("Butikschef").
    public var role: String
    /// E-mail address, if known.
    public var email: String?
    /// Telephone number, if known.
    public var phone: String?
    /// Whether they can be handledare for participants.
    public var isHandledare: Bool

    enum CodingKeys: String, CodingKey {
        case name, role, email, phone, isHandledare = "is_handledare"
    }

    /// Encodes every field, an unknown e-mail or telephone number as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(email, forKey: .email)
        try c.encode(phone, forKey: .phone)
        try c.encode(isHandledare, forKey: .isHandledare)
    }
}

/// Support given to an employer: information, training, or training of handledare.
public struct EmployerSupportGiven: Sendable, Codable, Hashable {
    /// What was given.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Information about the target group and the supports.
        case information
        /// Training for the employer and colleagues.
        case training
        /// Training for handledare.
        case handledareTraining = "handledare_training"
    }

    /// What was given.
    public var kind: Kind
    /// When.
    public var givenOn: CalendarDate
    /// Notes.
    public var notes: String

    enum CodingKeys: String, CodingKey {
        case kind, givenOn = "given_on", notes
    }
}

/// An agreement between the förbund and an employer (VTA step 2).
public struct EmployerAgreement: Sendable, Encodable, Hashable {
    /// What the agreement covers.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A general cooperation agreement (samverkansavtal).
        case cooperation
        /// An agreement to take participants on placements.
        case placement
        /// An agreement to recruit from the target group.
        case recruitment
        /// An agreement on training for the employer.
        case training
        /// Anything else; the notes say what.
        case other
    }

    /// The förbund.
    public var forbundID: UUID
    /// The employer.
    public var employerID: UUID
    /// Its id.
    public var id: UUID
    /// Its kind.
    public var kind: Kind
    /// When it was signed.
    public var signedOn: CalendarDate
    /// The last day it is valid; nil is until further notice.
    public var validTo: CalendarDate?
    /// Notes.
    public var notes: String
    /// Counts changes; the API's ETag.
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case forbundID = "forbund_id", employerID = "employer_id", id, kind, signedOn = "signed_on"
        case validTo = "valid_to", notes, version
    }

    /// Encodes ids in lower case and an open end as null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeID(forbundID, forKey: .forbundID)
        try container.encodeID(employerID, forKey: .employerID)
        try container.encodeID(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(signedOn, forKey: .signedOn)
        try container.encode(validTo, forKey: .validTo)
        try container.encode(notes, forKey: .notes)
        try container.encode(version, forKey: .version)
    }
}
