#!/usr/bin/env bash
# Builds pageoutd with its tests and runs them: the pure tests and the real-kernel tests (memfd guests,
# zram swap). Run as root; prepares the host first with scripts/setup-host.sh.
#
# Usage: scripts/test.sh [swift test arguments...]    e.g. scripts/test.sh --filter PageoutCoreTests
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The Swift toolchain's usual place when it is not on PATH.
if ! command -v swift >/dev/null; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi

bash scripts/setup-host.sh
swift build --build-tests
if [ "$#" -gt 0 ]; then
    swift test --skip-build "$@"
    exit
fi
# Suites named Exclusive* change machine-wide state (swapoff) or need the machine to themselves (timing):
# they run alone, after everything else.
swift test --skip-build --skip Exclusive
swift test --skip-build --filter Exclusive
