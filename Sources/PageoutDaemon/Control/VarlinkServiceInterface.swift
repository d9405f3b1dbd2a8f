import PageoutControl

/// `org.varlink.service`, the interface every varlink service implements: what the service is and the
/// descriptions of its interfaces.
enum VarlinkServiceInterface {
    /// The interface name.
    static let name = "org.varlink.service"

    /// Its methods, fully qualified.
    static let methods = ["GetInfo", "GetInterfaceDescription"].map { "\(name).\($0)" }

    /// What `GetInfo` reports.
    struct Info: Encodable, Sendable {
        var vendor = "pageoutd"
        var product = "pageoutd"
        var version = ControlServiceInfo.version
        var url = ControlServiceInfo.url
        var interfaces = [VarlinkServiceInterface.name, ControlInterface.name]
    }

    /// The description of `interface`, or nil when the service does not implement it.
    static func description(of interface: String) -> String? {
        switch interface {
        case name: idl
        case ControlInterface.name: ControlInterface.description
        default: nil
        }
    }

    /// The interface's IDL, as varlink.org publishes it.
    static let idl = """
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the service does not
        # implement it.
        error MethodNotImplemented (method: string)

        # One of the passed parameters is invalid.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        error ExpectedMore ()
        """
}

/// What the service says about itself in `org.varlink.service.GetInfo`.
public enum ControlServiceInfo {
    /// The daemon's version.
    public static let version = "0.1.0"
    /// The project's home page (none published yet).
    public static let url = ""
}
