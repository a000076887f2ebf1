import Foundation

/// An employer as a client sends it (POST creates, PUT replaces): every field optional here, so
/// that a missing one is reported by `validated()` with the others instead of failing the decode.
public struct EmployerInput: Sendable, Decodable {
    /// The organisationsnummer, with or without dash or 16 prefix.
    public var organisationsnummer: String?
    /// The name.
    public var name: String?
    /// The sector's raw value.
    public var sector: String?
    /// The responsible coordinator's user id.
    public var responsibleCoordinatorID: UUID?
    /// Notes.
    public var notes: String?
    /// Addresses.
    public var addresses: [AddressInput]?
    /// Contacts.
    public var contacts: [ContactInput]?
    /// Support given.
    public var supportGiven: [SupportGivenInput]?

    /// An address as sent.
    public struct AddressInput: Sendable, Decodable {
        var label: String?
        var street: String?
        var postalCode: String?
        var city: String?
        var kommunkod: String?
        var latitude: Double?
        var longitude: Double?

        enum CodingKeys: String, CodingKey {
            case label, street, postalCode = "postal_code", city, kommunkod, latitude, longitude
        }
    }

    /// A contact as sent.
    public struct ContactInput: Sendable, Decodable {
        var name: String?
        var role: String?
        var email: String?
        var phone: String?
        var isHandledare: Bool?

        enum CodingKeys: String, CodingKey {
            case name, role, email, phone, isHandledare = "is_handledare"
        }
    }

    /// Support given as sent.
    public struct SupportGivenInput: Sendable, Decodable {
        var kind: String?
        var givenOn: String?
        var notes: String?

        enum CodingKeys: String, CodingKey {
            case kind, givenOn = "given_on", notes
        }
    }

    /// The checked organisationsnummer and fields, or every broken rule.
    public func validated() throws(FieldErrors) -> (Organisationsnummer, EmployerFields) {
        var check = InputCheck()
        var number: Organisationsnummer?
        if let text = check.required(organisationsnummer, "/organisationsnummer") {
            do {
                number = try Organisationsnummer(text)
            } catch {
                check.errors.add("/organisationsnummer", rule: error.rawValue, error.message)
            }
        }
        let name = check.text(name, "/name", required: true)
        let sector = check.oneOf(sector, "/sector", as: EmployerSector.self)
        let notes = check.text(notes, "/notes", maxLength: 10_000) ?? ""
        if (addresses?.count ?? 0) > 20 { check.errors.add("/addresses", rule: "max_items", "must have at most 20 items") }
        let addresses = (addresses ?? []).enumerated().compactMap { index, address in
            address.validated("/addresses/\(index)", &check)
        }
        if (contacts?.count ?? 0) > 50 { check.errors.add("/contacts", rule: "max_items", "must have at most 50 items") }
        let contacts = (contacts ?? []).enumerated().compactMap { index, contact in
            contact.validated("/contacts/\(index)", &check)
        }
        let support = (supportGiven ?? []).enumerated().compactMap { index, given in
            given.validated("/support_given/\(index)", &check)
        }
        try check.finish()
        return (number!, EmployerFields(name: name!, sector: sector!, responsibleCoordinatorID: responsibleCoordinatorID,
                                        notes: notes, addresses: addresses, contacts: contacts, supportGiven: support))
    }

    enum CodingKeys: String, CodingKey {
        case organisationsnummer, name, sector, responsibleCoordinatorID = "responsible_coordinator_id", notes
        case addresses, contacts, supportGiven = "support_given"
    }
}

extension EmployerInput.AddressInput {
    func validated(_ pointer: String, _ check: inout InputCheck) -> EmployerAddress? {
        let label = check.text(label, "\(pointer)/label") ?? ""
        let street = check.text(street, "\(pointer)/street") ?? ""
        let postalCode = check.text(postalCode?.replacingOccurrences(of: " ", with: ""), "\(pointer)/postal_code") ?? ""
        if !postalCode.isEmpty, postalCode.count != 5 || !postalCode.allSatisfy(\.isNumber) {
            check.errors.add("\(pointer)/postal_code", rule: "format", "must be a postnummer of five digits")
        }
        let city = check.text(city, "\(pointer)/city") ?? ""
        let municipality = check.kommunkod(kommunkod, "\(pointer)/kommunkod")
        let given = check.coordinate(latitude: latitude, longitude: longitude, pointer)
        guard let municipality else { return nil }
        return EmployerAddress(label: label, street: street, postalCode: postalCode, city: city, kommunkod: municipality.code,
                               latitude: given?.0 ?? municipality.latitude, longitude: given?.1 ?? municipality.longitude,
                               coordinateSource: .of(given, in: municipality))
    }
}

extension EmployerInput.ContactInput {
    func validated(_ pointer: String, _ check: inout InputCheck) -> EmployerContact? {
        let name = check.text(name, "\(pointer)/name", required: true)
        let role = check.text(role, "\(pointer)/role") ?? ""
        let email = check.email(email, "\(pointer)/email")
        let phone = check.text(phone, "\(pointer)/phone", maxLength: 30).flatMap { $0.isEmpty ? nil : $0 }
        if let phone, !phone.allSatisfy({ $0.isNumber || " +-()".contains($0) }) {
            check.errors.add("\(pointer)/phone", rule: "format", "may hold only digits, spaces and + - ( )")
        }
        guard let name else { return nil }
        return EmployerContact(name: name, role: role, email: email, phone: phone, isHandledare: isHandledare ?? false)
    }
}

extension EmployerInput.SupportGivenInput {
    func validated(_ pointer: String, _ check: inout InputCheck) -> EmployerSupportGiven? {
        let kind = check.oneOf(kind, "\(pointer)/kind", as: EmployerSupportGiven.Kind.self)
        let date = check.date(givenOn, "\(pointer)/given_on", required: true)
        let notes = check.text(notes, "\(pointer)/notes", maxLength: 2_000) ?? ""
        guard let kind, let date else { return nil }
        return EmployerSupportGiven(kind: kind, givenOn: date, notes: notes)
    }
}

/// An agreement as a client sends it.
public struct AgreementInput: Sendable, Decodable {
    /// The kind's raw value.
    public var kind: String?
    /// `YYYY-MM-DD`.
    public var signedOn: String?
    /// `YYYY-MM-DD`, or absent for no end.
    public var validTo: String?
    /// Notes.
    public var notes: String?

    /// The checked agreement fields.
    public func validated() throws(FieldErrors) -> (EmployerAgreement.Kind, CalendarDate, CalendarDate?, String) {
        var check = InputCheck()
        let kind = check.oneOf(kind, "/kind", as: EmployerAgreement.Kind.self)
        let signed = check.date(signedOn, "/signed_on", required: true)
        let validTo = check.date(validTo, "/valid_to")
        if let signed, let validTo, validTo < signed {
            check.errors.add("/valid_to", rule: "after_signed_on", "must not be before signed_on")
        }
        let notes = check.text(notes, "/notes", maxLength: 10_000) ?? ""
        try check.finish()
        return (kind!, signed!, validTo, notes)
    }

    enum CodingKeys: String, CodingKey {
        case kind, signedOn = "signed_on", validTo = "valid_to", notes
    }
}
