import Foundation

/// The workers a daemon runs, by job kind.
public struct WorkerRegistry: Sendable {
    typealias Run = @Sendable (FetchedJob, JobContext) async throws -> JobOutcome
    private var workers: [String: Run] = [:]

    /// An empty registry.
    public init() {}

    /// Registers `worker` for its kind (replacing an earlier one).
    public mutating func register<Worker: JobWorker>(_ worker: Worker) {
        workers[Worker.Kind.name] = { job, context in
            let arguments: Worker.Kind.Arguments
            do {
                arguments = try JSONDecoder().decode(Worker.Kind.Arguments.self, from: Data(job.argumentsJSON.utf8))
            } catch {
                // Arguments that do not decode never will: retrying cannot help.
                return .discard(reason: "the arguments do not decode as \(Worker.Kind.self).Arguments")
            }
            return try await worker.work(arguments, context: context)
        }
    }

    /// The kinds registered.
    public var kinds: [String] { workers.keys.sorted() }

    func worker(for kind: String) -> Run? { workers[kind] }
}

/// A job whose kind no worker on this daemon knows; retried, since another daemon version may.
struct UnknownJobKindError: Error, CustomStringConvertible {
    var kind: String
    var description: String { "unknown job kind \"\(kind)\": no worker is registered for it on this daemon" }
}
