#!/usr/bin/env bash
# Prepares a Debian 12 host (as root) for building and testing pageoutd:
#   - installs libsystemd-dev and pkg-config if they are missing (the daemon links libsystemd);
#   - makes sure mkswap and swapon exist;
#   - installs the python varlink package (an independent client for the control-socket tests);
#   - installs the python prometheus_client package (an independent parser for the metrics tests);
#   - installs QEMU, busybox-static and gcc for the real-QEMU test (scripts/qemu-test.sh);
#   - installs debootstrap and systemd-container (systemd-nspawn) for the test under a real systemd
#     (scripts/systemd-test.sh);
#   - installs libfuse3-dev, fuse3 and gcc (the tests build a FUSE file system that lies about its files);
#   - installs strace and systemd-analyze (the test of the unit's SystemCallFilter);
#   - enables zram swap on /dev/zram0 when no swap is active, because paging shmem out without swap
#     does nothing and the kernel tests need real swap.
# Idempotent: an existing swap, whatever it is, is left alone. Prints one line per thing it did or found.
#
# Usage: scripts/setup-host.sh [--zram-size SIZE]
#   SIZE is the uncompressed capacity of the zram device in the kernel's notation (e.g. 512M, 8G).
#   Default: $PAGEOUT_ZRAM_SIZE, else 8G.
set -euo pipefail

zram_size="${PAGEOUT_ZRAM_SIZE:-8G}"

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --zram-size)
            [[ $# -ge 2 ]] || { echo "setup-host: --zram-size needs a value" >&2; exit 2; }
            zram_size="$2"
            shift 2
            ;;
        --zram-size=*)
            zram_size="${1#*=}"
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "setup-host: unknown argument '$1' (try --help)" >&2
            exit 2
            ;;
    esac
done

if ! [[ "$zram_size" =~ ^[1-9][0-9]*[KMGT]?$ ]]; then
    echo "setup-host: zram size '$zram_size' is not a size like 512M or 8G" >&2
    exit 2
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "setup-host: must run as root (installs packages, configures swap)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=false

# Installs Debian packages, running apt-get update once per script run.
apt_install() {
    if [[ $apt_updated == false ]]; then
        apt-get update -qq
        apt_updated=true
    fi
    apt-get install -y -qq "$@" >/dev/null
}

# Whether a Debian package is installed (dpkg -s alone also succeeds for removed-but-configured packages).
installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# --- Packages --------------------------------------------------------------------------------------------
# The python varlink package is the independent client the control-socket tests talk to pageoutd with.
if python3 -c 'import varlink' 2>/dev/null; then
    echo "python varlink: already installed"
else
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore varlink
    echo "python varlink: installed"
fi
# prometheus_client's parser is the independent reader the metrics tests parse pageoutd's Prometheus text with.
if python3 -c 'import prometheus_client' 2>/dev/null; then
    echo "python prometheus_client: already installed"
else
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore prometheus_client
    echo "python prometheus_client: installed"
fi
if installed libsystemd-dev; then
    echo "libsystemd-dev: already installed"
else
    apt_install libsystemd-dev pkg-config
    echo "libsystemd-dev: installed (with pkg-config)"
fi
# The hostile FUSE file system of the kernel-input tests (Tests/c/hostile_fuse.c) is built with gcc against
# libfuse3, and unmounted with fusermount3.
if installed libfuse3-dev && installed fuse3 && command -v gcc >/dev/null; then
    echo "libfuse3-dev, fuse3, gcc: already installed"
else
    apt_install libfuse3-dev fuse3 gcc
    echo "libfuse3-dev, fuse3, gcc: installed"
fi
# The syscall filter test traces the daemon with strace and expands the unit's filter groups with
# systemd-analyze (package systemd).
if command -v strace >/dev/null && command -v systemd-analyze >/dev/null; then
    echo "strace, systemd-analyze: already installed"
else
    apt_install strace systemd
    echo "strace, systemd-analyze: installed"
fi
if command -v pkg-config >/dev/null; then
    echo "pkg-config: already installed"
else
    apt_install pkg-config
    echo "pkg-config: installed"
fi

# The real-QEMU test (scripts/qemu-test.sh): QEMU, a static busybox for the guest's initramfs, gcc for its workload.
for package in qemu-system-x86 busybox-static gcc libc6-dev; do
    if installed "$package"; then
        echo "$package: already installed"
    else
        apt_install --no-install-recommends "$package"
        echo "$package: installed"
    fi
done

# scripts/systemd-test.sh builds a Debian root with debootstrap and boots it with systemd-nspawn.
if installed debootstrap && installed systemd-container; then
    echo "debootstrap, systemd-container: already installed"
else
    apt_install debootstrap systemd-container
    echo "debootstrap, systemd-container: installed"
fi

# scripts/fuzz.sh links the toolchain's libFuzzer runtime and archives its libraries with ar (binutils).
if command -v ar >/dev/null; then
    echo "ar: already installed"
else
    apt_install binutils
    echo "ar: installed (binutils)"
fi
swift_bin=$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)
if compgen -G "$(dirname "$swift_bin")/../lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null; then
    echo "libFuzzer runtime: present in the Swift toolchain"
else
    echo "libFuzzer runtime: missing from the Swift toolchain ($swift_bin); scripts/fuzz.sh cannot link" >&2
fi

# Debian 12 ships mkswap in util-linux and swapon in mount.
export PATH="$PATH:/usr/sbin:/sbin"
if command -v mkswap >/dev/null && command -v swapon >/dev/null; then
    echo "mkswap, swapon: present"
else
    apt_install util-linux mount
    echo "mkswap, swapon: installed (util-linux, mount)"
fi

# --- Swap ------------------------------------------------------------------------------------------------
# /proc/swaps: a header line, then "Filename Type Size(KiB) Used Priority" per active swap area.
active=$(awk 'NR > 1 { printf "%s%s, %s KiB", (n++ ? "; " : ""), $1, $3 }' /proc/swaps)
if [[ -n "$active" ]]; then
    echo "swap: already active ($active), left alone"
    exit 0
fi

zram=/sys/block/zram0
if [[ ! -d $zram ]]; then
    modprobe zram 2>/dev/null || true
fi
if [[ ! -d $zram || ! -b /dev/zram0 ]]; then
    echo "swap: none active and no /dev/zram0 (zram module not available); configure swap by hand" >&2
    exit 1
fi

# The disk size can only be set on a reset device; a configured device that is not swapped on is ours to reuse.
if [[ $(cat $zram/disksize) != 0 ]]; then
    if ! echo 1 >$zram/reset 2>/dev/null; then
        echo "swap: /dev/zram0 is configured and busy (mounted or open?), not touching it" >&2
        exit 1
    fi
    echo "zram0: was configured but not swapped on, reset"
fi

# comp_algorithm lists the choices with the current one in brackets: "[lzo-rle] lzo lz4".
if grep -qw lz4 $zram/comp_algorithm; then
    echo lz4 >$zram/comp_algorithm
fi
algorithm=$(sed -n 's/.*\[\([^]]*\)\].*/\1/p' $zram/comp_algorithm)

echo "$zram_size" >$zram/disksize
mkswap /dev/zram0 >/dev/null
swapon --priority 100 /dev/zram0
echo "swap: /dev/zram0 $zram_size enabled ($algorithm)"
