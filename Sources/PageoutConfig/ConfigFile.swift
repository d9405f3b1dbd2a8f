#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading the config file: the only I/O of this module.
enum ConfigFile {
    /// The bytes of the file at `path`, at most `limit` of them.
    ///
    /// - Throws: `ConfigError` naming the file and the errno, or the size limit.
    static func contents(path: String, limit: Int) throws(ConfigError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot open", errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw failure(path, "cannot read", code)
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= limit else {
                throw ConfigError(file: path, problem: "larger than \(limit >> 20) MiB: not a config file")
            }
        }
    }

    private static func failure(_ path: String, _ action: String, _ code: Int32) -> ConfigError {
        ConfigError(file: path, problem: "\(action): \(String(cString: strerror(code)))")
    }

    /// The line (from 1) of the first byte that is not part of valid UTF-8, or nil when all of it is valid.
    static func invalidUTF8Line(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        var line = 1
        while true {
            switch codec.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\n" { line += 1 }
            case .emptyInput: return nil
            case .error: return line
            }
        }
    }
}
