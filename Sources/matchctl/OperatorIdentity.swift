import ArgumentParser
import Foundation
import MatchCore

/// matchctl acts as an operator, named in the audit log by the operating-system user who ran it.
enum OperatorIdentity {
    static var actor: String {
        let name = getpwuid(getuid()).flatMap { String(validatingCString: $0.pointee.pw_name) } ?? "uid\(getuid())"
        return "matchctl:\(name)"
    }
}

/// What a command that touches a person's data must say: the förbund and why.
struct PersonalDataOptions: ParsableArguments {
    @Option(help: "The förbund's name.") var forbund: String
    @Option(help: "Why you need this person's data (recorded in the audit log).") var reason: String

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).count < 3 {
            throw ValidationError("--reason must say why (at least a few words)")
        }
    }

    var audit: AuditContext { AuditContext(actor: OperatorIdentity.actor, reason: reason, requestID: "matchctl-\(getpid())") }
}
