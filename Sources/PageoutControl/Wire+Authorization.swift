extension ControlError {
    /// io.pageoutd.NotYourVMM: the caller may not register process `pid`, which runs as `uid`, for `reason`.
    public static func notYourVMM(pid: Int, uid: Int, reason: String) -> ControlError {
        ControlError(name: "io.pageoutd.NotYourVMM",
                     parameters: ["pid": .number(Double(pid)), "uid": .number(Double(uid)), "reason": .string(reason)])
    }

    /// io.pageoutd.NotYourRegion: the caller may not act on region `name`, for `reason`.
    public static func notYourRegion(_ name: String, reason: String) -> ControlError {
        ControlError(name: "io.pageoutd.NotYourRegion", parameters: ["name": .string(name), "reason": .string(reason)])
    }

    /// io.pageoutd.TooManyRegions: a registration would pass `limit`, set by `[daemon] key`.
    public static func tooManyRegions(limit: Int, key: String) -> ControlError {
        ControlError(name: "io.pageoutd.TooManyRegions",
                     parameters: ["limit": .number(Double(limit)), "key": .string(key)])
    }
}

extension ControlError {
    /// The error for a person: the errors of the authorisation model as a sentence after their name, the others
    /// as `description` (the name and its parameters).
    public var sentence: String {
        switch name {
        case "io.pageoutd.NotYourVMM", "io.pageoutd.NotYourRegion":
            guard case .string(let reason)? = parameters["reason"] else { return description }
            return "\(name): \(reason)"
        case "io.pageoutd.TooManyRegions":
            guard case .number(let limit)? = parameters["limit"], case .string(let key)? = parameters["key"] else {
                return description
            }
            return "\(name): at most \(Int(limit)) registered regions ([daemon] \(key))"
        default:
            return description
        }
    }
}
