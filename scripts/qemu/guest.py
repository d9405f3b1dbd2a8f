"""A QEMU guest running the test workload (workload.c): starts it, reads its reports, sends it commands."""
import os
import re
import socket
import subprocess
import threading
import time

from memfd import GuestMemory
from qmp import QMP


class Guest:
    """A QEMU VM with memfd guest RAM whose second serial port carries the workload's reports and commands.

    `accel` is "kvm" or "tcg". Files go to `workdir`: console.log (the first serial port), the sockets of the
    workload's port and of two QMP monitors (one for the test, one for the migration command).
    """

    def __init__(self, workdir, kernel, initrd, accel, guest_mib, workload_mib, hot_percent, used_mib):
        self.workdir = workdir
        self.guest_mib = guest_mib
        self.work_socket = os.path.join(workdir, "work.sock")
        self.qmp_socket = os.path.join(workdir, "qmp.sock")
        self.migrate_socket = os.path.join(workdir, "qmp-migrate.sock")
        for path in (self.work_socket, self.qmp_socket, self.migrate_socket):
            if os.path.exists(path):
                os.unlink(path)
        cpu = ["-accel", "kvm", "-cpu", "host,-arch-capabilities"] if accel == "kvm" else ["-accel", "tcg"]
        command = ["qemu-system-x86_64", *cpu, "-m", f"{guest_mib}M",
                   "-object", f"memory-backend-memfd,id=mem0,size={guest_mib}M,share=on",
                   "-machine", "q35,memory-backend=mem0", "-name", "guest=pageout-test,debug-threads=on",
                   "-display", "none", "-vga", "none", "-monitor", "none", "-no-reboot",
                   "-kernel", kernel, "-initrd", initrd,
                   "-append", f"console=ttyS0 panic=-1 quiet workload={workload_mib},{hot_percent},{used_mib}",
                   "-serial", f"file:{os.path.join(workdir, 'console.log')}",
                   "-chardev", f"socket,id=work,path={self.work_socket},server=on,wait=off",
                   "-serial", "chardev:work",
                   "-qmp", f"unix:{self.qmp_socket},server=on,wait=off",
                   "-qmp", f"unix:{self.migrate_socket},server=on,wait=off"]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                        stdout=open(os.path.join(workdir, "qemu.log"), "w"),
                                        stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        with open(os.path.join(workdir, "qemu.pid"), "w") as pidfile:
            pidfile.write(f"{self.pid}\n")  # for the calling script's cleanup, should this script be killed
        self.lines = []  # (monotonic time received, line)
        self.lock = threading.Condition()
        self.port = self._connect(self.work_socket)
        threading.Thread(target=self._read, daemon=True).start()
        self.qmp = QMP(self.qmp_socket)

    def _connect(self, path, deadline=30.0):
        stop = time.monotonic() + deadline
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"QEMU exited with {self.process.returncode}: see qemu.log")
            try:
                port = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                port.connect(path)
                return port
            except OSError:
                port.close()
                if time.monotonic() > stop:
                    raise
                time.sleep(0.05)

    def _read(self):
        buffer = b""
        while True:
            data = self.port.recv(4096)
            if not data:
                return
            buffer += data
            *complete, buffer = buffer.split(b"\n")
            with self.lock:
                for line in complete:
                    self.lines.append((time.monotonic(), line.decode(errors="replace").strip()))
                self.lock.notify_all()

    def wait_line(self, prefix, after=0.0, timeout=60.0):
        """The first line starting with `prefix` received after monotonic time `after`, waiting up to `timeout`."""
        stop = time.monotonic() + timeout
        with self.lock:
            while True:
                for stamp, line in self.lines:
                    if stamp > after and line.startswith(prefix):
                        return stamp, line
                left = stop - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"no '{prefix}' line from the guest within {timeout:.0f} s")
                self.lock.wait(min(left, 0.5))

    def passes(self, start, end):
        """The PASS reports received in [start, end + 1 s]: each covers the second before it arrived."""
        with self.lock:
            found = [line for stamp, line in self.lines if start < stamp <= end + 1.0 and line.startswith("PASS")]
        return [dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", line)) for line in found]

    def worst_ms(self, start, end):
        """The slowest hot-loop pass reported in [start, end], in ms (0 without reports)."""
        return max((report["worst_us"] for report in self.passes(start, end)), default=0) / 1000

    def median_ms(self, start, end):
        """The median of the per-second median passes reported in [start, end], in ms."""
        return self.pooled_median_ms([(start, end)])

    def pooled_median_ms(self, windows):
        """The median of the per-second median passes reported in any of `windows` ((start, end) pairs), in ms."""
        medians = sorted(report["median_us"] for start, end in windows for report in self.passes(start, end))
        return medians[len(medians) // 2] / 1000 if medians else 0

    def memfd_pages(self, frames):
        """The pages of the guest-RAM memfd holding guest page frames `frames` (a "first+count,..." list, as the
        workload's WARM line gives them), as ranges. QEMU's q35 machine puts the guest's RAM below 4 GiB up to
        2 GiB (all of it when it is smaller than 2.75 GiB) and the rest from 4 GiB on, in memfd order."""
        ram = self.guest_mib * (1 << 20) // GuestMemory.PAGE
        low = min(ram, (0x80000000 if ram * GuestMemory.PAGE >= 0xb0000000 else 0xb0000000) // GuestMemory.PAGE)
        high = (1 << 32) // GuestMemory.PAGE
        pages = []
        for run in filter(None, frames.split(",")):
            first, count = (int(part) for part in run.split("+"))
            for start, end in ((first, min(first + count, low)), (max(first, high), first + count)):
                if start < end:
                    offset = 0 if start < low else low - high
                    pages.append(range(start + offset, end + offset))
        return pages

    def send(self, text):
        self.port.sendall(text.encode())

    def stop(self):
        if self.process.poll() is None:
            try:
                self.qmp.command("quit")
            except (OSError, RuntimeError, EOFError):
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
