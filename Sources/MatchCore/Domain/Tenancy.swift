import Foundation

/// A samordningsförbund: the tenant every record belongs to.
public struct Forbund: Sendable, Codable, Hashable {
    /// Its id.
    public var id: UUID
    /// Its name (unique, case-insensitively).
    public var name: String
    /// When it was created.
    public var createdAt: Date
}

/// A person who uses Lotsen: an arbetsgivarkoordinator of a förbund, or an employer's user.
public struct User: Sendable, Codable, Hashable {
    /// What kind of user.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An employer coordinator (arbetsgivarkoordinator) of the förbund.
        case coordinator
        /// A user at an employer.
        case employer
    }

    /// The förbund.
    public var forbundID: UUID
    /// Its id.
    public var id: UUID
    /// Its kind.
    public var kind: Kind
    /// Full name.
    public var name: String
    /// E-mail address (unique in the förbund, case-insensitively).
    public var email: String
    /// Whether the user may act.
    public var active: Bool
    /// The employer an employer user works for.
    public var employerID: UUID?
}

/// What a token may do.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Runs Lotsen: all förbund, no participant details.
    case `operator`
    /// An employer coordinator: one förbund.
    case coordinator
    /// An employer: one employer's offers.
    case employer
}

/// Who is acting: resolved from a token, or matchctl's operator.
public struct Principal: Sendable, Hashable {
    /// The role.
    public var role: Role
    /// The förbund it is bound to (nil for operators).
    public var forbundID: UUID?
    /// The user behind it, if any.
    public var userID: UUID?
    /// The employer an employer principal acts for.
    public var employerID: UUID?
    /// The token used, if any.
    public var tokenID: UUID?

    /// A principal with these ids.
    public init(role: Role, forbundID: UUID? = nil, userID: UUID? = nil, employerID: UUID? = nil, tokenID: UUID? = nil) {
        self.role = role
        self.forbundID = forbundID
        self.userID = userID
        self.employerID = employerID
        self.tokenID = tokenID
    }

    /// How the audit log names it: ids only.
    public var auditName: String {
        if let userID { return "user:\(userID.uuidString.lowercased())" }
        if let tokenID { return "token:\(tokenID.uuidString.lowercased())" }
        return role.rawValue
    }
}

/// Rules for names and e-mail addresses.
enum TenancyRules {
    static func checkName(_ name: String, pointer: String, into errors: inout FieldErrors) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { errors.add(pointer, rule: "required", "must not be empty") }
        if trimmed.count > 200 { errors.add(pointer, rule: "max_length", "must be at most 200 characters") }
    }

    static func checkEmail(_ email: String, pointer: String, into errors: inout FieldErrors) {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !email.contains(where: { $0.isWhitespace }) && email.count <= 254
        if !valid { errors.add(pointer, rule: "format", "must be an e-mail address such as name@example.se") }
    }
}
