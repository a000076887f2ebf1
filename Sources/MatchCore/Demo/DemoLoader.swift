import Foundation

/// Writes a `DemoDataSet` through the same stores the API writes through, so every participant
/// is audited and every write enqueues its matching job, in one transaction: a load that fails
/// leaves nothing behind, and matching starts on the whole data set at once.
public struct DemoLoader: Sendable {
    /// What was loaded, for the summary and the tokens.
    public struct Loaded: Sendable {
        /// The demo förbund.
        public var forbundID: UUID
        /// Its name.
        public var forbundName: String
        /// The coordinators' user ids.
        public var coordinatorIDs: [UUID]
        /// The employer users' ids and their employers.
        public var employerUsers: [(userID: UUID, employerID: UUID)]
    }

    /// How far loading has come: `done` of `total` items, with what is being loaded.
    public typealias Progress = @Sendable (_ what: String, _ done: Int, _ total: Int) -> Void

    static let actor = "system:demo"
    let audit = AuditContext(actor: DemoLoader.actor, reason: "demo data set", requestID: "demo")

    /// A loader.
    public init() {}

    /// The demo förbund, when it is loaded.
    public func existing(on connection: PostgresConnection) async throws -> Loaded? {
        guard let forbund = try await TenancyStore().forbund(named: DemoVocabulary.forbundName, on: connection) else { return nil }
        let users = try await TenancyStore().listUsers(forbundID: forbund.id, on: connection).filter(\.active)
        return Loaded(forbundID: forbund.id, forbundName: forbund.name,
                      coordinatorIDs: users.filter { $0.kind == .coordinator }.map(\.id),
                      employerUsers: users.compactMap { user in user.employerID.map { (user.id, $0) } })
    }

    /// Whether the database holds no förbund at all: a first run, where the demo may load.
    public func databaseIsEmpty(on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT NOT EXISTS (SELECT 1 FROM forbund) AS empty")[0].decode(Bool.self, "empty")
    }

    /// Loads `data` with the support catalog (when none is loaded), reporting progress as it goes.
    public func load(_ data: DemoDataSet, pool: PostgresPool, progress: Progress = { _, _, _ in }) async throws -> Loaded {
        let total = data.employers.count + data.offers.count + data.participants.count
        return try await pool.withTransaction { tx in
            if try await SupportCatalogStore().definitions(on: tx.connection).isEmpty {
                _ = try await SupportCatalogStore().load(try SupportCatalogParser.parseCatalog(SeedSupportCatalog.data),
                                                         loadedBy: Self.actor, in: tx)
            }
            let forbund = try await TenancyStore().createForbund(name: data.forbundName, in: tx)
            for member in data.members {
                try await tx.execute("INSERT INTO member_agencies (forbund_id, kind, name) VALUES (\(forbund.id), \(member.kind), \(member.name))")
            }
            var coordinators: [UUID] = []
            for user in data.coordinators {
                coordinators.append(try await TenancyStore().createUser(forbundID: forbund.id, kind: .coordinator, name: user.name,
                                                                        email: user.email, in: tx).id)
            }
            var done = 0
            var employers: [UUID] = []
            for spec in data.employers {
                var fields = spec.fields
                fields.responsibleCoordinatorID = coordinators[spec.coordinatorIndex]
                let employer = try await EmployerStore().create(forbundID: forbund.id, number: spec.number, fields: fields, in: tx)
                if let signed = spec.agreementSignedOn {
                    _ = try await AgreementStore().create(AccessScope(forbundID: forbund.id), employerID: employer.id, kind: .placement,
                                                          signedOn: signed, validTo: signed.adding(months: 24), notes: "", in: tx)
                }
                employers.append(employer.id)
                done += 1
                progress("employers", done, total)
            }
            var employerUsers: [(UUID, UUID)] = []
            for user in data.employerUsers {
                let employerID = employers[user.employerIndex!]
                let created = try await TenancyStore().createUser(forbundID: forbund.id, kind: .employer, name: user.name,
                                                                  email: user.email, employerID: employerID, in: tx)
                employerUsers.append((created.id, employerID))
            }
            // Participants before offers, so their jobs come first in the queue: each finds its best
            // offers among all of them at once, and the offers' jobs after find little left to do.
            // Offers first would have every offer propose to nearly everyone who has no list yet.
            let today = CalendarDate.inSweden()
            for spec in data.participants {
                var fields = spec.fields
                fields.responsibleCoordinatorID = coordinators[spec.coordinatorIndex]
                let participant = try await ParticipantStore().create(forbundID: forbund.id, id: spec.id, fields: fields, today: today,
                                                                     by: audit, in: tx)
                for consent in spec.consents {
                    _ = try await ParticipantStore().addConsent(forbundID: forbund.id, participantID: participant.id, purpose: consent.purpose,
                                                                givenOn: consent.givenOn, by: audit, in: tx)
                }
                done += 1
                progress("participants", done, total)
            }
            let change = OfferStore.Change(actor: Self.actor, requestID: "demo")
            for spec in data.offers {
                _ = try await OfferStore().create(AccessScope(forbundID: forbund.id), id: spec.id, employerID: employers[spec.employerIndex],
                                                  fields: spec.fields, status: spec.status, by: change, in: tx)
                done += 1
                progress("offers", done, total)
            }
            return Loaded(forbundID: forbund.id, forbundName: forbund.name, coordinatorIDs: coordinators, employerUsers: employerUsers)
        }
    }

    /// An API token for the first coordinator and one for the first employer user whose employer
    /// has `preferredEmployer` (else the first), labelled as the demo's.
    public func tokens(for loaded: Loaded, preferredEmployer: UUID?, pool: PostgresPool) async throws
        -> (coordinator: String, employer: String?, employerID: UUID?) {
        try await pool.withTransaction { tx in
            let coordinator = try await TokenStore().create(role: .coordinator, forbundID: loaded.forbundID,
                                                            userID: loaded.coordinatorIDs.first, label: "demo", in: tx).token
            let user = loaded.employerUsers.first { $0.employerID == preferredEmployer } ?? loaded.employerUsers.first
            guard let user else { return (coordinator, nil, nil) }
            let employer = try await TokenStore().create(role: .employer, forbundID: loaded.forbundID, userID: user.userID,
                                                         employerID: user.employerID, label: "demo", in: tx).token
            return (coordinator, employer, user.employerID)
        }
    }
}
