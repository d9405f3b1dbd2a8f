#!/usr/bin/env python3
"""Measure what the kernel's levers do to guest pages that a second process (a vhost-user backend) also maps.

For every lever a fresh guest (pageout-guestsim, HOT% hot, touched every 10 ms) and a fresh backend
(pageout-guestsim backend, reading every (100/SHARE)th page of the cold part and keeping it mapped) are
started; the lever is applied; then the guest's pages are counted in three classes:

  hot      the guest's hot set (first HOT% of the pages), which it keeps touching
  backend  the cold pages the backend maps too (mapcount 2)
  cold     the other cold pages (mapped by the guest only)

A page is "out" when mincore on an untouched shared mapping of the memfd (this script's own) says it is not
resident: with no holes in the guest, that is a page in swap. "majflt" is the guest's major faults while the
lever ran and 1 s after: its hot pages coming back from swap. Bit 56 (PM_MMAP_EXCLUSIVE) of the guest's
pagemap is counted before each lever for the backend's pages and for the others.

Needs root, active swap, and the built pageout-guestsim (swift build). Prints one line per lever.
Usage: scripts/measure-shared-pageout.py [--guestsim PATH] [--size MiB] [--hot PERCENT] [--share PERCENT]
"""
import argparse
import ctypes
import mmap
import os
import signal
import subprocess
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]

PAGE = os.sysconf("SC_PAGE_SIZE")
SYS_PIDFD_OPEN, SYS_PROCESS_MADVISE = 434, 440
MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ = 20, 21, 22
PM_PRESENT, PM_EXCLUSIVE = 1 << 63, 1 << 56
KPF_ACTIVE = 1 << 6
MEMCG_V1 = "/sys/fs/cgroup/memory"
NODE_RECLAIM = "/sys/devices/system/node/node0/reclaim"
SHMEM_THP = "/sys/kernel/mm/transparent_hugepage/shmem_enabled"


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def check(result, what):
    if result == -1 or result is None:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def process_madvise(pid, start, length, advice):
    """process_madvise(pidfd_open(pid), [start, length), advice): the bytes advised."""
    pidfd = check(libc.syscall(SYS_PIDFD_OPEN, pid, 0), f"pidfd_open({pid})")
    try:
        iov = IoVec(start, length)
        return check(libc.syscall(SYS_PROCESS_MADVISE, pidfd, ctypes.byref(iov), 1, advice, 0),
                     f"process_madvise({pid}, {advice})")
    finally:
        os.close(pidfd)


def read_ready(process, prefix):
    for line in process.stdout:
        if line.startswith(prefix):
            return dict(field.split("=", 1) for field in line.split() if "=" in field)
    raise RuntimeError(f"no {prefix} line")


def major_faults(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[9])


def own_memcg_dir():
    """This process's v1 memory cgroup directory (/proc/self/cgroup line `N:memory:/path`)."""
    with open("/proc/self/cgroup") as text:
        for line in text:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "memory" in controllers.split(","):
                return MEMCG_V1 + path
    return None


class Guest:
    """A guest simulator and its backend, and this script's own untouched view of the guest's memfd."""

    def __init__(self, args, memcg=None, hugepages=False):
        def enter_memcg():
            if memcg:
                with open(os.path.join(memcg, "cgroup.procs"), "w") as procs:
                    procs.write("0")
        extra = ["--hugepages"] if hugepages else []
        self.guest = subprocess.Popen([args.guestsim, "--size", f"{args.size}MiB", "--hot-percent", str(args.hot)]
                                      + extra, stdout=subprocess.PIPE, text=True, preexec_fn=enter_memcg)
        ready = read_ready(self.guest, "READY")
        self.pid, self.start, self.end = int(ready["pid"]), int(ready["start"], 16), int(ready["end"], 16)
        self.pages = int(ready["pages"])
        self.backend = subprocess.Popen([args.guestsim, "backend", "--pid", str(self.pid), "--share",
                                         f"{args.share}%", "--from", f"{args.hot}%"],
                                        stdout=subprocess.PIPE, text=True)
        ready = read_ready(self.backend, "BACKEND READY")
        self.backend_pid, first, step = int(ready["pid"]), int(ready["first_page"]), int(ready["step"])
        self.first = first
        self.touched = set(range(first, self.pages, step))
        self.fd = os.open(f"/proc/{self.pid}/map_files/{self.start:x}-{self.end:x}", os.O_RDONLY)
        self.view = check(libc.mmap(None, self.end - self.start, mmap.PROT_READ, mmap.MAP_SHARED, self.fd, 0),
                          "mmap view")

    def backend_range(self):
        with open(f"/proc/{self.backend_pid}/maps") as maps:
            for line in maps:
                if "/memfd:" in line:
                    start, end = (int(x, 16) for x in line.split()[0].split("-"))
                    return start, end - start
        raise RuntimeError("backend maps no memfd")

    def classes(self):
        hot = range(0, self.first)
        backend = sorted(self.touched)
        cold = [p for p in range(self.first, self.pages) if p not in self.touched]
        return {"hot": hot, "backend": backend, "cold": cold}

    def resident(self):
        vec = ctypes.create_string_buffer(self.pages)
        check(libc.mincore(self.view, self.end - self.start, vec), "mincore")
        return vec.raw

    def pagemap(self):
        with open(f"/proc/{self.pid}/pagemap", "rb") as pagemap:
            pagemap.seek(self.start // PAGE * 8)
            data = pagemap.read(self.pages * 8)
        return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]

    def out_counts(self):
        """Pages not resident (in swap) per class."""
        resident = self.resident()
        return {name: sum(1 for p in pages if not resident[p] & 1) for name, pages in self.classes().items()}

    def stop(self):
        libc.munmap(self.view, self.end - self.start)
        os.close(self.fd)
        for process in (self.backend, self.guest):
            process.send_signal(signal.SIGTERM)
            process.wait()


def drain_lru():
    """mlock drains every CPU's LRU add batch: a page still in one cannot be isolated by MADV_PAGEOUT."""
    buf = mmap.mmap(-1, PAGE)
    buf[0] = 1
    address = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    if libc.mlock(ctypes.c_void_p(address), PAGE) == 0:
        libc.munlock(ctypes.c_void_p(address), PAGE)


def active_counts(guest):
    """Pages per class on an active LRU list (/proc/kpageflags of the PFN the guest's pagemap gives root)."""
    entries = guest.pagemap()
    counts = {}
    with open("/proc/kpageflags", "rb") as flags:
        for name, pages in guest.classes().items():
            active = 0
            for p in pages:
                pfn = entries[p] & ((1 << 55) - 1)
                if entries[p] & PM_PRESENT and pfn:
                    flags.seek(pfn * 8)
                    active += bool(int.from_bytes(flags.read(8), "little") & KPF_ACTIVE)
            counts[name] = active
    return counts


def lever_vmm(guest, args):
    cold = guest.start + guest.first * PAGE
    process_madvise(guest.pid, cold, guest.end - cold, MADV_PAGEOUT)


def lever_backend(guest, args):
    process_madvise(guest.backend_pid, *guest.backend_range(), MADV_PAGEOUT)


def lever_both(guest, args):
    lever_vmm(guest, args)
    lever_backend(guest, args)


def lever_own_view(guest, args):
    """The daemon's own mapping populated (a third mapper), then MADV_PAGEOUT on it and through the VMM."""
    offset = guest.first * PAGE
    length = guest.end - guest.start - offset
    check(libc.madvise(guest.view + offset, length, MADV_POPULATE_READ), "MADV_POPULATE_READ")
    drain_lru()
    check(libc.madvise(guest.view + offset, length, MADV_PAGEOUT), "MADV_PAGEOUT own view")
    lever_vmm(guest, args)
    check(libc.madvise(guest.view, guest.end - guest.start, mmap.MADV_DONTNEED), "MADV_DONTNEED own view")


def lever_cold_then_memcg(guest, args):
    cold = guest.start + guest.first * PAGE
    process_madvise(guest.pid, cold, guest.end - cold, MADV_COLD)
    process_madvise(guest.backend_pid, *guest.backend_range(), MADV_COLD)
    print(f"    after MADV_COLD, pages on an active LRU: {active_counts(guest)}")
    lever_memcg_limit(guest, args)


def lever_memcg_limit(guest, args):
    """Lower the v1 memcg's limit by half the cold part: the kernel reclaims that much from the cgroup."""
    usage = int(open(os.path.join(args.memcg, "memory.usage_in_bytes")).read())
    target = usage - (guest.pages - guest.first) * PAGE // 2
    try:
        with open(os.path.join(args.memcg, "memory.limit_in_bytes"), "w") as limit:
            limit.write(str(target))
    finally:
        with open(os.path.join(args.memcg, "memory.limit_in_bytes"), "w") as limit:
            limit.write("-1")


def lever_force_empty(guest, args):
    with open(os.path.join(args.memcg, "memory.force_empty"), "w") as force:
        force.write("0")


def lever_node_reclaim(guest, args):
    """Per-node proactive reclaim (Linux 6.17): as much as the guest's cold part, from the whole node."""
    with open(NODE_RECLAIM, "w") as reclaim:
        reclaim.write(str((guest.pages - guest.first) * PAGE))


LEVERS = [
    ("none", None, False),
    ("1 process_madvise(PAGEOUT) via VMM pidfd", lever_vmm, False),
    ("2 process_madvise(PAGEOUT) via backend pidfd", lever_backend, False),
    ("1+2 via both pidfds", lever_both, False),
    ("3 own view populated + PAGEOUT (mapcount 3)", lever_own_view, False),
    ("4 MADV_COLD via both + v1 memcg limit", lever_cold_then_memcg, True),
    ("5a v1 memcg limit lowered by half the cold", lever_memcg_limit, True),
    ("5b v1 memory.force_empty", lever_force_empty, True),
    ("6 node0/reclaim of the cold part's size", lever_node_reclaim, False),
]


def run_lever(args, name, lever, in_memcg, hugepages=False):
    guest = Guest(args, memcg=args.memcg if in_memcg else None, hugepages=hugepages)
    try:
        entries = guest.pagemap()
        shared = sum(1 for p in guest.touched if not entries[p] & PM_EXCLUSIVE)
        others = [p for p in range(guest.pages) if p not in guest.touched]
        exclusive = sum(1 for p in others if entries[p] & PM_EXCLUSIVE)
        faults = major_faults(guest.pid)
        drain_lru()
        began = time.monotonic()
        error = ""
        if lever:
            try:
                lever(guest, args)
            except OSError as failure:
                error = f" error={failure}"
        took = time.monotonic() - began
        time.sleep(1)  # a measurement window for the hot set's major faults, not a wait for a condition
        out = guest.out_counts()
        sizes = {name: len(pages) for name, pages in guest.classes().items()}
        print(f"{name:46} out: hot {out['hot']}/{sizes['hot']} backend {out['backend']}/{sizes['backend']} "
              f"cold {out['cold']}/{sizes['cold']}  majflt={major_faults(guest.pid) - faults} "
              f"took={took:.2f}s bit56: backend-shared {shared}/{len(guest.touched)} "
              f"others-exclusive {exclusive}/{len(others)}{error}", flush=True)
    finally:
        guest.stop()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guestsim", default=os.path.join(here, "..", ".build", "debug", "pageout-guestsim"))
    parser.add_argument("--size", type=int, default=128, help="guest RAM in MiB (default 128)")
    parser.add_argument("--hot", type=int, default=10, help="hot percent (default 10)")
    parser.add_argument("--share", type=int, default=25, help="backend share percent (default 25)")
    parser.add_argument("--thp", action="store_true", help="also run levers 1 and 2 with PMD-mapped shmem THP")
    args = parser.parse_args()

    with open("/sys/fs/cgroup/unified/cgroup.controllers") as controllers:
        print(f"cgroup2 controllers: '{controllers.read().strip()}' "
              f"(memory.reclaim needs the memory controller on cgroup2)")
    parent = own_memcg_dir()
    print(f"v1 memory cgroup of this process: {parent}")
    args.memcg = os.path.join(parent, f"pageout-measure-{os.getpid()}")
    os.mkdir(args.memcg)
    try:
        for name, lever, in_memcg in LEVERS:
            if lever is lever_node_reclaim and not os.path.exists(NODE_RECLAIM):
                print(f"{name:46} not available ({NODE_RECLAIM} missing)")
                continue
            run_lever(args, name, lever, in_memcg)
        if args.thp:
            with open(SHMEM_THP) as setting:
                before = setting.read().split("[")[1].split("]")[0]
            try:
                with open(SHMEM_THP, "w") as setting:
                    setting.write("advise")
                for name, lever, _ in LEVERS[:3]:
                    run_lever(args, "THP " + name, lever, False, hugepages=True)
            finally:
                with open(SHMEM_THP, "w") as setting:
                    setting.write(before)
    finally:
        os.rmdir(args.memcg)


if __name__ == "__main__":
    sys.exit(main())
