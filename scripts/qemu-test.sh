#!/usr/bin/env bash
# The real-QEMU test: boots a Debian kernel in QEMU (memfd guest RAM) with a workload that writes a known pattern
# and keeps part of it hot, registers the VM with a pageoutd built from this tree, and checks convergence, a
# migration inside `pageoutctl scan-wrap`, the same migration without a window, and the guest's pattern (see
# scripts/qemu/qemu_test.py). Uses KVM when a stock guest boots with it, TCG otherwise, and says which.
# Run as root after `swift build` (scripts/setup-host.sh installs QEMU, busybox-static and gcc).
#
# The kernel (from Debian's linux-image-amd64) and the initramfs are cached under .build/qemu-test/, keyed by
# the hashes of the kernel package and of the initramfs's inputs.
#
# Usage: scripts/qemu-test.sh [qemu_test.py options...]    e.g. scripts/qemu-test.sh --accel tcg
#   PAGEOUT_QEMU_KEEP=1 keeps the run's files (console, QEMU and daemon logs) and prints where they are.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

if ! command -v swift >/dev/null; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi
bin=$(swift build --show-bin-path)
for product in pageoutd pageoutctl; do
    [[ -x $bin/$product ]] || { echo "qemu-test: $bin/$product missing: run swift build first" >&2; exit 1; }
done
for tool in qemu-system-x86_64 gcc busybox; do
    command -v $tool >/dev/null || { echo "qemu-test: $tool missing: run scripts/setup-host.sh" >&2; exit 1; }
done

cache=$root/.build/qemu-test
mkdir -p "$cache"
work=$(mktemp -d /tmp/pageoutd-qemu.XXXXXX)
cleanup() {
    # The test stops QEMU and the daemon itself; these catch what an interrupted run left behind.
    for pidfile in "$work"/*.pid; do
        [[ -e $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    if [[ -n ${PAGEOUT_QEMU_KEEP:-} ]]; then
        echo "qemu-test: files kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# --- The kernel: vmlinuz of the package linux-image-amd64 depends on, cached by the package's hash ---------
kernel_package=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
[[ -n $kernel_package ]] || { echo "qemu-test: cannot tell which kernel linux-image-amd64 depends on" >&2; exit 1; }
kernel_hash=$(apt-cache show "$kernel_package" | sed -n 's/^SHA256: //p' | head -1)
kernel=$cache/vmlinuz-${kernel_hash:0:16}
if [[ ! -e $kernel ]]; then
    (cd "$work" && apt-get download "$kernel_package" 2>&1 | grep -v "unsandboxed" || true)
    deb=$(ls "$work"/"$kernel_package"_*.deb)
    echo "$kernel_hash  $deb" | sha256sum --check --quiet
    mkdir "$work/kernel"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/kernel" --wildcards './boot/vmlinuz-*'
    cp "$work"/kernel/boot/vmlinuz-* "$kernel.tmp" && mv "$kernel.tmp" "$kernel"
    rm -rf "$work/kernel" "$deb"
    echo "qemu-test: kernel $kernel_package extracted"
fi

# --- The initramfs: busybox, the init script and the workload, cached by the hash of its inputs -----------
busybox=$(command -v busybox)
initrd_hash=$( (sha256sum "$busybox" scripts/qemu/init scripts/qemu/workload.c; gcc --version | head -1) \
    | sha256sum | cut -c1-16)
initrd=$cache/initrd-$initrd_hash.gz
if [[ ! -e $initrd ]]; then
    tree=$work/initramfs
    mkdir -p "$tree"/{bin,dev,proc,sys}
    cp "$busybox" "$tree/bin/busybox"
    install -m 0755 scripts/qemu/init "$tree/init"
    gcc -O2 -static -Wall -Wextra -Werror -o "$tree/workload" scripts/qemu/workload.c
    (cd "$tree" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    rm -rf "$tree"
    echo "qemu-test: initramfs built"
fi

start=$(date +%s)
PYTHONDONTWRITEBYTECODE=1 python3 scripts/qemu/qemu_test.py --workdir "$work" --kernel "$kernel" --initrd "$initrd" \
    --pageoutd "$bin/pageoutd" --pageoutctl "$bin/pageoutctl" "$@"
echo "qemu-test: whole test $(( $(date +%s) - start )) s"
