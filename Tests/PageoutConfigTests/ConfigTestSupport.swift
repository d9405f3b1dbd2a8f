import PageoutCore
@testable import PageoutConfig

/// The lines of the errors of `text` as a file named pageoutd.toml, or no lines when it is valid.
func errorLines(_ text: String) -> [String] {
    do {
        _ = try ConfigLoader.parse(text, fileName: "pageoutd.toml")
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// The path of the repository's Config/pageoutd.toml, found from this source file.
let defaultConfigPath: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return (parts + ["Config", "pageoutd.toml"]).joined(separator: "/")
}()

/// A region with the lines shared by many tests: `[[region]]`, a name, a pid and a memfd.
func regionText(_ name: String = "vm1", extra: String = "") -> String {
    "[[region]]\nname = \"\(name)\"\npid = 4242\nmemfd = \"memory-backend-memfd\"\n" + extra
}
