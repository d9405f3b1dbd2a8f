/// The pageoutd configuration of a policy measurement: every setting at its default except `cold_age`, and one
/// region, `guest`, for the guest simulator.
public enum PolicyRunConfig {
    /// The region's name.
    public static let regionName = "guest"

    /// The configuration file's text for guest `pid` with memfd `memfd` and a cold age of `coldAgeSeconds`
    /// (and `prefetch = false` when `prefetch` is false: a baseline).
    ///
    /// With `directory`, the control socket (`directory/pageoutd.sock`) and the state directory
    /// (`directory/state`) go there, so the daemon meets no other; without, the caller places them.
    public static func text(pid: Int32, memfd: String, coldAgeSeconds: Int, directory: String? = nil,
                            prefetch: Bool = true) -> String {
        var text = ""
        if let directory {
            text += "[daemon]\nsocket = \"\(socketPath(in: directory))\"\nstate_directory = \"\(directory)/state\"\n\n"
        }
        return text + """
            [policy]
            cold_age = "\(coldAgeSeconds)s"\(prefetch ? "" : "\nprefetch = false")

            [[region]]
            name = "\(regionName)"
            pid = \(pid)
            memfd = "\(memfd)"

            """
    }

    /// The control socket's path for a daemon configured with `directory`.
    public static func socketPath(in directory: String) -> String {
        directory + "/pageoutd.sock"
    }
}
