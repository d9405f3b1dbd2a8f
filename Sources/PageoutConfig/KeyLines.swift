import PageoutCore

/// The line on which each key, table header and array element of a TOML document is written.
///
/// TOMLKit reports positions for syntax errors only, so this scans the text itself: table headers, arrays of
/// tables (counted, so the second `[[region]]` is `region[1]`), dotted and quoted keys, inline tables and arrays,
/// and it steps over strings (multi-line ones too) and comments. It runs on text that TOMLKit has accepted, so it
/// need not diagnose anything.
struct KeyLines {
    private var lines: [ConfigKeyPath: Int]

    /// Scans `text`.
    init(text: String) {
        var scanner = KeyLineScanner(bytes: Array(text.utf8))
        scanner.scanDocument()
        lines = scanner.lines
    }

    /// The line of `path`, or else of the nearest enclosing key or table that is written in the text (the
    /// `[[region]]` header for a key that the region lacks); nil when not even the table is.
    func line(for path: ConfigKeyPath) -> Int? {
        var candidate: ConfigKeyPath? = path
        while let current = candidate {
            if let line = lines[current] { return line }
            candidate = current.parent
        }
        return nil
    }
}

/// The scanner behind `KeyLines`: a cursor over UTF-8 bytes that counts lines.
private struct KeyLineScanner {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    /// The first line of every path seen.
    var lines: [ConfigKeyPath: Int] = [:]
    /// For every array of tables, the index of its latest element.
    var latestElement: [ConfigKeyPath: Int] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where position < bytes.count {
            if bytes[position] == UInt8(ascii: "\n") { line += 1 }
            position += 1
        }
    }

    mutating func record(_ path: ConfigKeyPath, line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// Skips blanks and comments, and newlines too when `newlines` is set.
    mutating func skipTrivia(newlines: Bool) {
        while let byte = current {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                advance()
            } else if byte == UInt8(ascii: "\n") && newlines {
                advance()
            } else if byte == UInt8(ascii: "#") {
                while let next = current, next != UInt8(ascii: "\n") { advance() }
            } else {
                return
            }
        }
    }

    mutating func scanDocument() {
        var table = ConfigKeyPath.root
        while true {
            skipTrivia(newlines: true)
            guard let byte = current else { return }
            let start = position
            if byte == UInt8(ascii: "[") {
                table = scanHeader()
            } else {
                scanKeyValue(in: table)
            }
            if position == start { advance() }
        }
    }

    /// Scans `[a.b]` or `[[a.b]]` and returns the path of the table it opens.
    mutating func scanHeader() -> ConfigKeyPath {
        let isArray = peek(1) == UInt8(ascii: "[")
        let headerLine = line
        advance(isArray ? 2 : 1)
        let keys = scanKey()
        while let byte = current, byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "#") { advance() }
        var path = ConfigKeyPath.root
        for (offset, key) in keys.enumerated() {
            path = path.appending(key)
            if isArray && offset == keys.count - 1 {
                let index = (latestElement[path] ?? -1) + 1
                latestElement[path] = index
                record(path, line: headerLine)
                path = path.appending(index: index)
            } else if let index = latestElement[path] {
                record(path, line: headerLine)
                path = path.appending(index: index)
            }
            record(path, line: headerLine)
        }
        return path
    }

    /// Scans `a.b = value` inside the table at `table`.
    mutating func scanKeyValue(in table: ConfigKeyPath) {
        let keyLine = line
        var path = table
        for key in scanKey() {
            path = path.appending(key)
            record(path, line: keyLine)
        }
        skipTrivia(newlines: false)
        if current == UInt8(ascii: "=") { advance() }
        skipTrivia(newlines: false)
        scanValue(at: path)
    }

    /// Scans a key, dotted or not, bare or quoted, and returns its parts.
    mutating func scanKey() -> [String] {
        var keys: [String] = []
        while true {
            skipTrivia(newlines: false)
            switch current {
            case UInt8(ascii: "\""): keys.append(scanString(quote: UInt8(ascii: "\""), escapes: true))
            case UInt8(ascii: "'"): keys.append(scanString(quote: UInt8(ascii: "'"), escapes: false))
            default:
                let start = position
                while let byte = current, String(UnicodeScalar(byte)).isBareConfigKey { advance() }
                keys.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            skipTrivia(newlines: false)
            guard current == UInt8(ascii: ".") else { return keys }
            advance()
        }
    }

    /// Scans a one-line string and returns its content (escapes other than `\"` and `\\` kept as written).
    mutating func scanString(quote: UInt8, escapes: Bool) -> String {
        advance()
        var content: [UInt8] = []
        while let byte = current, byte != quote, byte != UInt8(ascii: "\n") {
            if escapes && byte == UInt8(ascii: "\\"), let next = peek(1) {
                if next != quote && next != UInt8(ascii: "\\") { content.append(byte) }
                content.append(next)
                advance(2)
            } else {
                content.append(byte)
                advance()
            }
        }
        advance()
        return String(decoding: content, as: UTF8.self)
    }

    /// Steps over a multi-line string: its three quotes, content, and closing quotes (up to five in a row).
    mutating func skipMultilineString(quote: UInt8, escapes: Bool) {
        advance(3)
        while let byte = current {
            if escapes && byte == UInt8(ascii: "\\") {
                advance(2)
            } else if byte == quote && peek(1) == quote && peek(2) == quote {
                advance(3)
                for _ in 0..<2 where current == quote { advance() }
                return
            } else {
                advance()
            }
        }
    }

    /// Scans a value, recording the elements of arrays and the keys of inline tables below `path`.
    mutating func scanValue(at path: ConfigKeyPath) {
        switch current {
        case let quote? where quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'"):
            if peek(1) == quote && peek(2) == quote {
                skipMultilineString(quote: quote, escapes: quote == UInt8(ascii: "\""))
            } else {
                _ = scanString(quote: quote, escapes: quote == UInt8(ascii: "\""))
            }
        case UInt8(ascii: "["):
            advance()
            var index = 0
            while true {
                skipTrivia(newlines: true)
                guard let byte = current, byte != UInt8(ascii: "]") else { break }
                let start = position
                record(path.appending(index: index), line: line)
                scanValue(at: path.appending(index: index))
                index += 1
                skipTrivia(newlines: true)
                if current == UInt8(ascii: ",") { advance() }
                if position == start { advance() }
            }
            advance()
        case UInt8(ascii: "{"):
            advance()
            while true {
                skipTrivia(newlines: false)
                guard let byte = current, byte != UInt8(ascii: "}"), byte != UInt8(ascii: "\n") else { break }
                let start = position
                scanKeyValue(in: path)
                skipTrivia(newlines: false)
                if current == UInt8(ascii: ",") { advance() }
                if position == start { advance() }
            }
            advance()
        default:
            let stops: [UInt8] = Array(",]}\n#".utf8)
            while let byte = current, !stops.contains(byte) { advance() }
        }
    }
}
