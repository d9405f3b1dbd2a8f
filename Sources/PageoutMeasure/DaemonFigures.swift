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
        let reply = try call(socket, "io.pageoutd.GetRegion", ["name": .string(region)])
        for key in workingSetKeys {
            if case .number(let bytes)? = reply.field("region")?.field(key), bytes >= 0 { return UInt64(bytes) }
        }
        return nil
    }

    /// The bytes pageoutd prefetched for region `region` since it was registered, and of them the bytes the guest
    /// used (`prefetched` and `prefetch_hits` of `GetRegion`); nil when its status has no such figures.
    ///
    /// - Throws: as `workingSetBytes(socket:region:)`.
    public static func prefetchBytes(socket: String, region: String) throws -> (prefetched: UInt64, used: UInt64)? {
        let status = try call(socket, "io.pageoutd.GetRegion", ["name": .string(region)]).field("region")
        guard case .number(let prefetched)? = status?.field("prefetched"), prefetched >= 0,
              case .number(let used)? = status?.field("prefetch_hits"), used >= 0 else { return nil }
        return (UInt64(prefetched), UInt64(used))
    }

    /// Opens a scan window on region `region` (`BeginScan` on the socket at `socket`); returns its token.
    ///
    /// - Throws: `VarlinkClientError`, `ControlError` (e.g. `TooManyScanWindows`), `MeasureError` for a reply
    ///   without a token.
    public static func beginScan(socket: String, region: String) throws -> String {
        let reply = try call(socket, "io.pageoutd.BeginScan", ["name": .string(region)])
        guard case .string(let token)? = reply.field("token") else {
            throw MeasureError("BeginScan on \(region) answered without a token: \(reply)")
        }
        return token
    }

    /// Closes the scan window `token` (`EndScan`).
    public static func endScan(socket: String, token: String) throws {
        _ = try call(socket, "io.pageoutd.EndScan", ["token": .string(token)])
    }

    /// One call of `method` over a connection of its own to the socket at `socket`.
    private static func call(_ socket: String, _ method: String, _ parameters: [String: JSONValue]) throws
        -> JSONValue {
        let connection = try VarlinkConnection(path: socket, timeout: .seconds(10))
        defer { connection.close() }
        return try connection.call(method: method, parameters: parameters)
    }
}
