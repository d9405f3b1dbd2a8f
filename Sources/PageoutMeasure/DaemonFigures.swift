import PageoutControl

/// Figures read from a running pageoutd over its control socket.
public enum DaemonFigures {
    /// The keys under which a region's status may carry its working-set figure, in bytes.
    public static let workingSetKeys = ["working_set", "working_set_bytes"]

    /// The working set pageoutd reports for region `region`, in bytes, from `GetRegion` on the socket at `socket`;
    /// nil when the daemon's status has no working-set figure.
    ///
    /// - Throws: `VarlinkClientError` when the socket cannot be reached, `ControlError` when the daemon refuses
    ///   (e.g. `RegionNotFound`).
    public static func workingSetBytes(socket: String, region: String) throws -> UInt64? {
        let connection = try VarlinkConnection(path: socket, timeout: .seconds(10))
        defer { connection.close() }
        let reply = try connection.call(method: "io.pageoutd.GetRegion", parameters: ["name": .string(region)])
        for key in workingSetKeys {
            if case .number(let bytes)? = reply.field("region")?.field(key), bytes >= 0 { return UInt64(bytes) }
        }
        return nil
    }
}
