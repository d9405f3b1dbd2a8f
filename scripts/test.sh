#!/usr/bin/env bash
# Builds pageoutd with its tests and runs them: the pure tests and the real-kernel and end-to-end tests
# (memfd guests, zram swap), then a short fuzz run (scripts/fuzz.sh), the installed units under a real systemd
# (scripts/systemd-test.sh) and a real QEMU guest (scripts/qemu-test.sh). Run as root; prepares the host first with scripts/setup-host.sh.
#
# Usage: scripts/test.sh [swift test arguments...]    e.g. scripts/test.sh --filter PageoutCoreTests
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The Swift toolchain's usual place when it is not on PATH.
if ! command -v swift >/dev/null; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi

bash scripts/setup-host.sh

# The journal tests need a journald. A systemd host runs one; a container does not: start one for this run
# and, on exit, stop it and remove the sockets it made, leaving the machine as it was.
if ! pgrep -x systemd-journal >/dev/null && [ -x /lib/systemd/systemd-journald ] && [ "$(id -u)" = 0 ]; then
    /lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &
    journald_pid=$!
    trap 'kill "$journald_pid" 2>/dev/null; wait "$journald_pid" 2>/dev/null
          rm -f /run/systemd/journal/socket /run/systemd/journal/stdout /run/systemd/journal/dev-log \
                /run/systemd/journal/io.systemd.journal' EXIT
    for _ in $(seq 50); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.1; done
    echo "test.sh: started a journald for the journal tests (pid $journald_pid); it stops when the tests end"
fi

swift build --build-tests
if [ "$#" -gt 0 ]; then
    swift test --skip-build "$@"
    exit  # the EXIT trap still runs
fi
# Every target but the Exclusive* suites in parallel: the pure ones, PageoutDaemonTests (in process),
# PageoutLinuxTests (the kernel layer) and PageoutEndToEndTests (the binaries, root, swap). The Exclusive*
# suites (PageoutEndToEndTests.ExclusiveTests) change machine-wide state (swapoff, shmem THP) or have verdicts
# in time (convergence, watchdog, latency): they run alone, after everything else.
swift test --skip-build --skip Exclusive
swift test --skip-build --filter Exclusive
# A short fuzz run of every target, with a fixed seed: the same inputs each run (the long run explores).
bash scripts/fuzz.sh --runs 100000 --seed 1
# The release build installed into a Debian root booted with systemd as PID 1 (systemd-nspawn).
bash scripts/systemd-test.sh
# The real-QEMU test: a Linux guest with memfd RAM, convergence, its migration inside and outside a scan window.
bash scripts/qemu-test.sh
