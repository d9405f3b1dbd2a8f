"""Talks to pageoutd's control socket with the python varlink package, an implementation none of us wrote.

Usage: varlink_check.py SOCKET PID MEMFD
Prints one JSON object with what each call returned; the Swift test asserts on it.
"""
import json
import sys

import varlink


def main():
    socket, pid, memfd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    result = {}
    with varlink.Client(address="unix:" + socket) as client:
        with client.open("org.varlink.service", namespaced=True) as service:
            info = service.GetInfo()
            result["info_interfaces"] = list(info.interfaces)
            result["info_vendor"] = info.vendor
            description = service.GetInterfaceDescription("io.pageoutd")
            result["description_first_line"] = description.description.splitlines()[0]
        with client.open("io.pageoutd", namespaced=True) as pageoutd:
            status = pageoutd.GetStatus()
            result["status_regions"] = len(status.status.regions)
            registered = pageoutd.Register(name="py-vm", pid=pid, memfd=memfd)
            result["registered"] = registered.region.name
            result["listed"] = [region.name for region in pageoutd.ListRegions().regions]
            try:
                pageoutd.GetRegion("no-such-region")
                result["error"] = None
            except varlink.VarlinkError as error:
                result["error"] = error.error()
                result["error_parameters"] = error.parameters()
            updates = []
            for reply in pageoutd.GetStatus(_more=True):
                updates.append(reply.status.scans)
                if len(updates) == 3:
                    break
            result["more_scans"] = updates
        with client.open("io.pageoutd", namespaced=True) as pageoutd:
            pageoutd.Unregister("py-vm")
            result["after_unregister"] = [region.name for region in pageoutd.ListRegions().regions]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
