#!/usr/bin/env python3
"""Checks the system calls a traced run of pageoutd made against the unit's SystemCallFilter.

Usage: check-syscall-filter.py UNIT STRACE_LOG

UNIT is systemd/pageoutd.service; STRACE_LOG is what `strace -f -qq -o FILE pageoutd ...` wrote (the full
trace: `strace -c` leaves out the calls strace has no name for, such as cachestat on strace 6.1). The unit's
SystemCallFilter= lines are applied in order as systemd applies them (the first is an allow list: later plain
lines add to it, `~` lines take away), with the groups expanded by `systemd-analyze syscall-filter` of this
machine's systemd. Prints one JSON object: the calls made, the calls allowed, and those the filter would deny;
exits 1 when any would be denied.
"""
import json
import re
import subprocess
import sys

# Calls newer than the strace and kernel headers of Debian 12, which print them as syscall_0xNNN (x86_64 numbers).
NEWER_CALLS = {0x1C3: "cachestat", 0x1C4: "fchmodat2"}


def groups():
    """Every group of `systemd-analyze syscall-filter`, by name, as its members (calls and @groups)."""
    text = subprocess.run(["systemd-analyze", "syscall-filter"], check=True, capture_output=True, text=True).stdout
    found, current = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            current = found.setdefault(line.split()[0], [])
        elif line.startswith("    ") and current is not None:
            member = line.strip()
            if member and not member.startswith("#"):
                current.append(member)
        elif not line.strip():
            continue
        else:
            current = None
    return found


def expand(name, known, seen=None):
    """The calls `name` stands for: itself, or a group's members, recursively."""
    if not name.startswith("@"):
        return {name}
    seen = seen or set()
    if name in seen:
        return set()
    seen.add(name)
    calls = set()
    for member in known.get(name, []):
        calls |= expand(member, known, seen)
    return calls


def allowed(unit, known):
    """The calls the unit's SystemCallFilter= lines allow (it must start with an allow list)."""
    lines = [line.split("=", 1)[1].strip() for line in open(unit) if line.startswith("SystemCallFilter=")]
    if not lines or lines[0].startswith("~"):
        sys.exit("check-syscall-filter: the unit's first SystemCallFilter= is not an allow list")
    result = set()
    for line in lines:
        deny = line.startswith("~")
        names = line.lstrip("~").split()
        calls = set().union(*(expand(name, known) for name in names))
        result = result - calls if deny else result | calls
    return result


def used(log):
    """The calls an strace log shows (`PID name(...`); an unnamed call by the name its number has."""
    calls = set()
    pattern = re.compile(r"^\d+\s+([a-z_0-9]+)\(")
    for line in open(log, errors="replace"):
        match = pattern.match(line)
        if not match:
            continue
        name = match.group(1)
        if name.startswith("syscall_0x"):
            name = NEWER_CALLS.get(int(name[len("syscall_0x"):], 16), name)
        calls.add(name)
    return calls


# Calls the daemon makes that the unit denies on purpose (they fail with EPERM, and the daemon carries on):
# setpriority, from libdispatch's worker threads renicing themselves; with CAP_SYS_NICE, which process_madvise
# needs, it would renice any process.
DENIED_ON_PURPOSE = {"setpriority"}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    known = groups()
    allow = allowed(sys.argv[1], known)
    made = used(sys.argv[2])
    denied = sorted(made - allow - DENIED_ON_PURPOSE)
    print(json.dumps({"used": sorted(made), "allowed": len(allow), "denied": denied,
                      "denied_on_purpose": sorted(made & DENIED_ON_PURPOSE - allow)}))
    sys.exit(1 if denied else 0)


if __name__ == "__main__":
    main()
