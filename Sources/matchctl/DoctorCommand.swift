import ArgumentParser
import Foundation
import MatchCore

/// `matchctl doctor`: what is wrong with this installation, and what to do about it.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the database, migrations, daemons (alive, leader, clocks, matching settings), queues and the jobs table; exit 1 on a problem.")

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print JSON: {\"ok\": …, \"findings\": [{check, ok, summary, advice}]}.") var json = false

    struct Report: Encodable {
        var ok: Bool
        var findings: [Doctor.Finding]
    }

    func run() async throws {
        let findings = await Doctor().examine(conninfo: try await database.connectionString())
        let ok = findings.allSatisfy(\.ok)
        if json {
            try Output.json(Report(ok: ok, findings: findings))
        } else {
            for finding in findings {
                print("\(finding.ok ? "ok     " : "PROBLEM") \(finding.check): \(finding.summary)")
                if let advice = finding.advice, !finding.ok { print("        → \(advice)") }
            }
            print(ok ? "no problems found" : "\(findings.filter { !$0.ok }.count) problem(s) found")
        }
        if !ok { throw ExitCode(1) }
    }
}
