import PageoutMeasure

extension GuestSim {
    /// The next LOAD line of a zipf workload.
    public func nextLoad(timeout: Double = 10) throws -> GuestLoad {
        try GuestLoad(output.line(startingWith: "LOAD", timeout: timeout))
    }
}
