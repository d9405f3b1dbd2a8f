import PageoutCore

extension PageoutConfiguration {
    /// The configuration as a TOML file: every key with its value, and every region with its effective policy.
    ///
    /// A region's `[region.policy]` sets the keys the region overrides and lists the inherited ones as comments,
    /// so the text parses back to an equal configuration. This is what `pageoutd --check-config` prints.
    public func renderTOML() -> String {
        var lines = ["# pageoutd: effective configuration", "", "[daemon]"]
        for key in DaemonSettings.Key.allCases {
            lines.append("\(key.rawValue) = \(daemon.tomlValue(of: key))")
        }
        lines += ["", "[policy]"]
        for key in PolicySettings.Key.allCases {
            lines.append("\(key.rawValue) = \(policy.tomlValue(of: key))")
        }
        for region in regions {
            lines += ["", "[[region]]", "name = \(region.name.configQuoted)"]
            switch region.process {
            case .pid(let pid): lines.append("pid = \(pid)")
            case .pidfile(let path): lines.append("pidfile = \(path.configQuoted)")
            }
            switch region.memory {
            case .memfd(let name): lines.append("memfd = \(name.configQuoted)")
            case .shmFile(let path): lines.append("path = \(path.configQuoted)")
            }
            lines.append("[region.policy]")
            for key in PolicySettings.Key.allCases {
                let assignment = "\(key.rawValue) = \(region.policy.tomlValue(of: key))"
                lines.append(region.overriddenKeys.contains(key) ? assignment : "# \(assignment)  (from [policy])")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension DaemonSettings {
    /// The TOML value of `key`.
    func tomlValue(of key: Key) -> String {
        switch key {
        case .socket: socket.configQuoted
        case .socketMode: socketMode.configText.configQuoted
        case .socketGroup: socketGroup.configQuoted
        case .maxClients: "\(maxClients)"
        case .maxClientsPerUid: "\(maxClientsPerUid)"
        case .reservedClients: "\(reservedClients)"
        case .maxSubscribersPerUid: "\(maxSubscribersPerUid)"
        case .maxScanWindows: "\(maxScanWindows)"
        case .maxCPU: maxCPU.configText.configQuoted
        case .clientIdleTimeout: clientIdleTimeout.configText.configQuoted
        case .maxScanWindow: maxScanWindow.configText.configQuoted
        case .metricsTextfile: metricsTextfile.configQuoted
        case .stateDirectory: stateDirectory.configQuoted
        case .scanInterval: scanInterval.configText.configQuoted
        case .logLevel: logLevel.rawValue.configQuoted
        case .vmmUsers: "[" + vmmUsers.map(\.configQuoted).joined(separator: ", ") + "]"
        case .maxRegions: "\(maxRegions)"
        case .maxRegionsPerUser: "\(maxRegionsPerUser)"
        case .goneRegionGrace: goneRegionGrace.configText.configQuoted
        }
    }
}

extension PolicySettings {
    /// The TOML value of `key`.
    func tomlValue(of key: Key) -> String {
        switch key {
        case .coldAge: coldAge.configText.configQuoted
        case .minBackoff: minBackoff.configText.configQuoted
        case .maxBackoff: maxBackoff.configText.configQuoted
        case .maxPageoutRate: maxPageoutRate.rateText.configQuoted
        case .minFreeSwap: minFreeSwap.configText.configQuoted
        case .psiSomeAvg10Max: psiSomeAvg10Max.numberText.contains(".")
            ? psiSomeAvg10Max.numberText : psiSomeAvg10Max.numberText + ".0"
        case .maxSwappedPercent: maxSwappedPercent.configText.configQuoted
        case .probeBudget: probeBudget.configText.configQuoted
        case .probePerColdAge: probePerColdAge.configText.configQuoted
        case .maxProbeRate: maxProbeRate.rateText.configQuoted
        case .refaultTarget: refaultTarget.configText.configQuoted
        case .autoRepair: autoRepair ? "true" : "false"
        case .prefetch: prefetch ? "true" : "false"
        case .autoWindows: autoWindows ? "true" : "false"
        case .dryRun: dryRun ? "true" : "false"
        }
    }
}
