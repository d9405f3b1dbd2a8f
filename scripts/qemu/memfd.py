"""The guest RAM of a QEMU process as the kernel counts it, read independently of pageoutd.

Opens the VMM's mapping of its memfd through /proc/PID/map_files (no page is touched) and asks cachestat(2)
(syscall 451) how many of its pages are in memory (nr_cache) and how many were evicted, which for shmem means
in swap (nr_evicted).
"""
import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_CACHESTAT = 451


class _Range(ctypes.Structure):
    _fields_ = [("off", ctypes.c_uint64), ("len", ctypes.c_uint64)]


class _Stat(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64)
                for name in ("nr_cache", "nr_dirty", "nr_writeback", "nr_evicted", "nr_recently_evicted")]


class GuestMemory:
    """The memfd of QEMU process `pid` named `name` (QEMU names every memfd backend memory-backend-memfd)."""

    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self, pid, name="memory-backend-memfd"):
        with open(f"/proc/{pid}/maps") as maps:
            lines = [line.split() for line in maps if f"/memfd:{name}" in line]
        if not lines:
            raise RuntimeError(f"process {pid} maps no memfd named {name}")
        start, end = lines[0][0].split("-")
        self.pages = (int(end, 16) - int(start, 16)) // self.PAGE
        self.fd = os.open(f"/proc/{pid}/map_files/{start}-{end}", os.O_RDONLY)

    def counts(self, pages=None):
        """(resident pages, swapped pages) of the whole memfd, or of its pages `pages` (a range)."""
        span = _Range(0, 0) if pages is None else _Range(pages.start * self.PAGE, len(pages) * self.PAGE)
        stat = _Stat()
        if _libc.syscall(_CACHESTAT, self.fd, ctypes.byref(span), ctypes.byref(stat), 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
        return stat.nr_cache, stat.nr_evicted

    def close(self):
        os.close(self.fd)
