import Foundation
import Testing
@testable import MatchCore

@Suite("Configuration")
struct ConfigurationTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "lotsen-config-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func flagsBeatEnvironmentBeatFileBeatDefaults() throws {
        let path = try file("""
            [database]
            url = "host=/from-file"
            pool_size = 7
            [log]
            level = "debug"
            """)
        defer { unlink(path) }
        let fileOnly = try LotsenConfiguration.load(configFile: path, environment: [:])
        #expect(fileOnly.database.url == "host=/from-file")
        #expect(fileOnly.database.poolSize == 7)
        #expect(fileOnly.log.level == .debug)
        #expect(fileOnly.database.migrateOnStart == true)
        let withEnv = try LotsenConfiguration.load(configFile: path, environment: ["LOTSEN_DATABASE_URL": "host=/from-env",
                                                                                    "LOTSEN_DATABASE_POOL_SIZE": "3"])
        #expect(withEnv.database.url == "host=/from-env")
        #expect(withEnv.database.poolSize == 3)
        let withFlag = try LotsenConfiguration.load(flags: ["database.url": "host=/from-flag"], configFile: path,
                                                    environment: ["LOTSEN_DATABASE_URL": "host=/from-env"])
        #expect(withFlag.database.url == "host=/from-flag")
        let defaults = try LotsenConfiguration.load(environment: [:])
        #expect(defaults.database.url == "")
        #expect(defaults.database.poolSize == 10)
    }

    @Test func theConfigFileCanComeFromTheEnvironment() throws {
        let path = try file("[database]\npool_size = 5\n")
        defer { unlink(path) }
        let loaded = try LotsenConfiguration.load(environment: ["LOTSEN_CONFIG": path])
        #expect(loaded.database.poolSize == 5)
    }

    @Test func anUnknownKeyIsNamed() throws {
        let path = try file("[database]\npool_sise = 5\n")
        defer { unlink(path) }
        let error = #expect(throws: ConfigurationError.self) { try LotsenConfiguration.load(configFile: path, environment: [:]) }
        #expect(error?.key == "database.pool_sise")
        #expect(error?.description.contains("unknown key") == true)
    }

    @Test func badValuesAreNamedWithTheRule() throws {
        let path = try file("[database]\npool_size = \"many\"\n")
        defer { unlink(path) }
        let typeError = #expect(throws: ConfigurationError.self) { try LotsenConfiguration.load(configFile: path, environment: [:]) }
        #expect(typeError?.key == "database.pool_size")
        #expect(typeError?.description.contains("integer") == true)
        let rangeError = #expect(throws: ConfigurationError.self) {
            try LotsenConfiguration.load(environment: ["LOTSEN_DATABASE_POOL_SIZE": "0"])
        }
        #expect(rangeError?.source == "LOTSEN_DATABASE_POOL_SIZE")
        #expect(rangeError?.description.contains("from 1 to 500") == true)
        let levelError = #expect(throws: ConfigurationError.self) {
            try LotsenConfiguration.load(flags: ["log.level": "loud"], environment: [:])
        }
        #expect(levelError?.key == "log.level")
        let syntaxPath = try file("[database\nurl = 1")
        defer { unlink(syntaxPath) }
        #expect(throws: ConfigurationError.self) { try LotsenConfiguration.load(configFile: syntaxPath, environment: [:]) }
    }

    @Test func connectionStringsAreRewrittenAndRedacted() {
        let uri = "postgresql://alice:s3cret@localhost:5433/app?sslmode=disable"
        let replaced = ConnectionString.replacingDatabase(in: uri, with: "other db")
        #expect(replaced.contains("dbname='other db'"))
        #expect(replaced.contains("port=5433"))
        #expect(!ConnectionString.redacted(uri).contains("s3cret"))
    }

    @Test func theExampleDeploymentConfigurationIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../deploy/matchd.toml").standardizedFileURL.path
        let loaded = try LotsenConfiguration.load(configFile: path, environment: [:])
        #expect(loaded.queue.concurrency["notify"] == 8)
        #expect(loaded.queue.concurrency["matching"] == 2)
        #expect(loaded.supports.defaultMonthlyWage == 25_000)
        #expect(loaded.matching.topPerOffer == 20)
        #expect(loaded.matching.constraints.detourFactor == 1.3)
        #expect(loaded.http.port == 8080)
        #expect(loaded.database.migrateOnStart == false)
    }

    @Test func matchingWeightsMustAddUpToOne() throws {
        let moved = try LotsenConfiguration.load(environment: ["LOTSEN_MATCHING_WEIGHT_DISTANCE": "0.10",
                                                               "LOTSEN_MATCHING_WEIGHT_WAITING_TIME": "0.15"])
        #expect(moved.matching.weights.distance == 0.10)
        #expect(throws: ConfigurationError.self) {
            try LotsenConfiguration.load(environment: ["LOTSEN_MATCHING_WEIGHT_DISTANCE": "0.5"])
        }
        #expect(throws: ConfigurationError.self) {
            try LotsenConfiguration.load(environment: ["LOTSEN_MATCHING_DETOUR_FACTOR": "fast"])
        }
    }
}
