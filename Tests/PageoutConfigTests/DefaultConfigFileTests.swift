import PageoutCore
import Testing
@testable import PageoutConfig

@Suite("Config/pageoutd.toml and rendering")
struct DefaultConfigFileTests {
    @Test("Config/pageoutd.toml is the built-in default")
    func fileIsDefault() throws {
        #expect(try ConfigLoader.load(path: defaultConfigPath) == .default)
    }

    @Test("Config/pageoutd.toml documents every key the parser knows, and no other")
    func everyKeyDocumented() throws {
        let text = String(decoding: try ConfigFile.contents(path: defaultConfigPath, limit: 1 << 20), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var documented: Set<String> = []
        for (number, line) in lines.enumerated() {
            let isComment = line.hasPrefix("#")
            let body = isComment ? line.dropFirst().drop(while: { $0 == " " }) : line[...]
            if body.hasPrefix("[") {
                let name = body.filter { $0 != "[" && $0 != "]" }
                documented.formUnion(name.split(separator: ".").map(String.init))
            } else if let equals = body.firstIndex(of: "="),
                      case let key = body[..<equals].trimmingSuffix(" "), key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                      !key.isEmpty {
                documented.insert(String(key))
                // Every key is explained by the comment right above it.
                let above = number > 0 ? lines[number - 1] : ""
                #expect(above.hasPrefix("#") || isComment, "\(key) on line \(number + 1) has no comment above it")
            }
        }
        let known = Set(PageoutConfiguration.Key.allCases.map(\.rawValue) + DaemonSettings.Key.allCases.map(\.rawValue)
            + PolicySettings.Key.allCases.map(\.rawValue) + RegionConfig.Key.allCases.map(\.rawValue))
        #expect(documented == known)
    }

    @Test("the default renders to text that parses back to the default")
    func renderDefault() throws {
        let text = PageoutConfiguration.default.renderTOML()
        #expect(text.contains("max_pageout_rate = \"256MiB/s\"\n"))
        #expect(text.contains("psi_some_avg10_max = 10.0\n"))
        #expect(try ConfigLoader.parse(text, fileName: "rendered.toml") == .default)
    }

    static let roundTripConfigurations: [PageoutConfiguration] = {
        var policy = PolicySettings(coldAge: .milliseconds(1500), minBackoff: .nanoseconds(1500),
                                    maxBackoff: .seconds(7200), maxPageoutRate: ByteSize(bytes: 4097),
                                    minFreeSwap: .percent(Percent(value: 2.5) ?? .zero),
                                    psiSomeAvg10Max: Percent(value: 12.25) ?? .zero, maxSwappedPercent: .hundred,
                                    probeBudget: .zero, dryRun: true)
        let global = policy
        policy.coldAge = .seconds(600)
        policy.minFreeSwap = .size(.gib(3))
        return [
            PageoutConfiguration(),
            PageoutConfiguration(
                daemon: DaemonSettings(socket: "/run/a \"quoted\" dir/x.sock", socketMode: FileMode(0o600),
                                       socketGroup: "kvm-operators", maxClients: 4096,
                                       clientIdleTimeout: .milliseconds(1500), stateDirectory: "/var/lib/p\u{E9}",
                                       scanInterval: .milliseconds(250), logLevel: .trace,
                                       vmmUsers: ["libvirt-qemu", "1001"], maxRegions: 7, maxRegionsPerUser: 3,
                                       goneRegionGrace: .seconds(90)),
                policy: global,
                regions: [
                    RegionConfig(name: "vm1", process: .pid(4242), memory: .memfd("memory-backend-memfd"),
                                 policy: policy, overriddenKeys: [.coldAge, .minFreeSwap]),
                    RegionConfig(name: "vm.2", process: .pidfile("/run/vm2.pid"), memory: .shmFile("/dev/shm/vm2"),
                                 policy: global),
                ]),
        ]
    }()

    @Test("render() parses back to an equal configuration", arguments: roundTripConfigurations)
    func roundTrip(configuration: PageoutConfiguration) throws {
        #expect(configuration.validationIssues().isEmpty)
        let text = configuration.renderTOML()
        #expect(try ConfigLoader.parse(text, fileName: "rendered.toml") == configuration)
    }
}

extension Substring {
    /// This text without trailing copies of `character`.
    fileprivate func trimmingSuffix(_ character: Character) -> Substring {
        var text = self
        while text.last == character { text = text.dropLast() }
        return text
    }
}
