import Foundation
#if canImport(FoundationXML)
import FoundationXML  // XMLParser lives here outside Apple's platforms
#endif

/// An SVG text parsed with Foundation's XMLParser, an XML parser none of us wrote: how many elements of each name
/// it has, the fill colours of its rectangles, and the texts of its `text` elements.
public struct SVGDocument {
    /// Elements by name, counted.
    public private(set) var elements: [String: Int] = [:]
    /// The `fill` of every `rect`, in document order.
    public private(set) var fills: [String] = []
    /// The content of every `text` element, in document order.
    public private(set) var texts: [String] = []

    /// Parses `text`; throws when it is not well-formed XML.
    public init(_ text: String) throws {
        let parser = XMLParser(data: Data(text.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw TestFailure("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        elements = collector.elements
        fills = collector.fills
        texts = collector.texts
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:]
        var fills: [String] = []
        var texts: [String] = []
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
            if name == "rect", let fill = attributes["fill"] { fills.append(fill) }
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(text) }
        }
    }
}
