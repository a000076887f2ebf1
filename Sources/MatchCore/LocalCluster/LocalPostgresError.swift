/// Why a private PostgreSQL cluster could not be made or run.
public enum LocalPostgresError: Error, CustomStringConvertible {
    /// `initdb` and `pg_ctl` were not found.
    case binariesNotFound(searched: [String])
    /// Running as root, but there is no `postgres` user to run the server as.
    case missingServerUser
    /// A folder could not be made or handed to the server user.
    case folder(String, String)
    /// The socket path would exceed the 107 bytes a Unix socket address holds.
    case socketPathTooLong(String)
    /// A server program failed.
    case command(String)

    public var description: String {
        switch self {
        case .binariesNotFound(let searched):
            return "PostgreSQL server programs (initdb, pg_ctl) not found in \(searched.joined(separator: ", ")); "
                + "install them with: apt-get install postgresql"
        case .missingServerUser:
            return "running as root, but there is no 'postgres' user to run the server as; "
                + "install the server with: apt-get install postgresql"
        case .folder(let path, let reason):
            return "folder \(path): \(reason)"
        case .socketPathTooLong(let path):
            return "the socket path \(path) is longer than a Unix socket allows (107 bytes)"
        case .command(let text):
            return text
        }
    }
}
