import PageoutConfig
import PageoutCore

/// The config file: `ConfigLoader.parse(bytes:fileName:)` (UTF-8 check, TOML's grammar, then TOMLKit, every key
/// and value checked). A file it accepts renders as TOML (`--check-config`) that parses back to the same
/// configuration; a file it refuses yields at least one error, each naming the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let configuration: PageoutConfiguration
    do {
        configuration = try ConfigLoader.parse(bytes: fuzzBytes(data, size), fileName: "fuzz.toml")
    } catch {
        invariant(!error.errors.isEmpty, "refused without an error")
        invariant(error.errors.allSatisfy { $0.description.hasPrefix("fuzz.toml") }, "\(error) names no file")
        return 0
    }
    let rendered = configuration.renderTOML()
    do {
        let again = try ConfigLoader.parse(rendered, fileName: "rendered.toml")
        invariant(again == configuration, "the rendered configuration parses differently:\n\(rendered)")
    } catch {
        invariant(false, "the rendered configuration does not parse: \(error)\n\(rendered)")
    }
    return 0
}
