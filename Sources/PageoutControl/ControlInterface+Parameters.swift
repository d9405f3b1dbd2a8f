extension ControlInterface {
    /// The parameters each `io.pageoutd` method takes, by the method's short name; the ones not listed take none.
    public static let parameterNames: [String: Set<String>] = [
        "GetRegion": ["name"], "GetHeatmap": ["name", "cells"], "Register": RegisterParameters.names,
        "Unregister": ["name"], "Pause": ["name"], "Resume": ["name"], "PageoutNow": ["name", "bytes"],
        "BeginScan": ["name"], "EndScan": ["token"],
    ]
}
