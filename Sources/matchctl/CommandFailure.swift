/// A command that could not do its work, for a reason the operator can act on; printed as
/// `Error: …` without the usage text that belongs to malformed arguments.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
