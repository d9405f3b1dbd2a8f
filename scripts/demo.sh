#!/usr/bin/env bash
# The main job, for a newcomer: prepares the host (scripts/setup-host.sh), builds pageoutd and its guest
# simulator, and runs `pageoutd demo` against a simulated VM. Run as root.
#
# Usage: scripts/demo.sh [pageoutd demo arguments...]    e.g. scripts/demo.sh --size 2GiB --hot-percent 10
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The Swift toolchain's usual place when it is not on PATH.
if ! command -v swift >/dev/null; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi

bash scripts/setup-host.sh
swift build --product pageout-guestsim
swift build --product pageoutd
exec "$(swift build --show-bin-path)/pageoutd" demo "$@"
