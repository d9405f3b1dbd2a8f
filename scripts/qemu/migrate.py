"""Migrates a QEMU VM to nowhere (`exec:cat > /dev/null`) over QMP, throttled, and lets the source run on.

Usage: migrate.py QMP_SOCKET BANDWIDTH_BYTES_PER_SECOND [DOWNTIME_LIMIT_MS]

DOWNTIME_LIMIT_MS (default 2000): the pause QEMU may take for the last pass. The guest rewrites its hot set all the
time; at a low bandwidth the last pass must be allowed to take that set's size over the bandwidth, or the
migration never completes.

This is the command scripts/qemu-test.sh runs inside `pageoutctl scan-wrap` (and once without it). It prints one
line of figures: `MIGRATED total_ms=… downtime_ms=… ram_bytes=… status_after=…`. After an exec: migration completes
QEMU leaves the source paused (run state "postmigrate"); `cont` resumes it, as after a cancelled migration.
"""
import sys
import time

from qmp import QMP


def main():
    qmp = QMP(sys.argv[1])
    downtime = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    qmp.command("migrate-set-parameters", **{"max-bandwidth": int(sys.argv[2]), "downtime-limit": downtime})
    qmp.command("migrate", uri="exec:cat > /dev/null")
    deadline = time.monotonic() + 300
    while True:
        info = qmp.command("query-migrate")
        if info.get("status") in ("completed", "failed", "cancelled"):
            break
        if time.monotonic() > deadline:
            qmp.command("migrate_cancel")
            raise SystemExit("migration did not complete within 300 s")
        time.sleep(0.05)
    if info["status"] != "completed":
        raise SystemExit(f"migration {info['status']}: {info.get('error-desc', '')}")
    # QEMU reports the migration completed before its migration thread has left the run state "finish-migrate"
    # for "postmigrate", and refuses `cont` until it has ("Migration is not finalized yet").
    while (after := qmp.command("query-status")["status"]) == "finish-migrate":
        if time.monotonic() > deadline:
            raise SystemExit("the source stayed in finish-migrate after the migration completed")
        time.sleep(0.05)
    qmp.command("cont")
    print(f"MIGRATED total_ms={info.get('total-time')} downtime_ms={info.get('downtime')} "
          f"ram_bytes={info['ram']['transferred']} status_after={after}", flush=True)


if __name__ == "__main__":
    main()
