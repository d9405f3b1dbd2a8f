#!/usr/bin/env bash
# Tests the systemd units and the installed daemon under a real systemd: boots a Debian 12 root with systemd as
# PID 1 in systemd-nspawn, installs pageoutd into it with `make install` (release build, Swift's runtime linked
# statically), and checks through systemctl, journalctl and pageoutctl inside the container:
#   - socket activation: the first `pageoutctl status` starts pageoutd.service; the unit is active only after
#     READY=1 (in the journal, the daemon's last line before READY=1 comes before PID 1's "Started");
#   - socket_group: the socket's group, a member may change the daemon, others cannot connect; the daemon binding
#     the socket itself (no pageoutd.socket) with socket_group set also starts under the unit's sandbox;
#   - a VMM (pageout-guestsim) running as another user (DynamicUser=) registered with pageoutctl: its cold
#     memory reaches swap; metrics_textfile written in a directory a drop-in makes writable;
#   - the journal: an entry of pageoutd with REGION, VMM_PID and BYTES fields;
#   - reload: RELOADING=1 then READY=1; a bad configuration fails `systemctl reload` and keeps the old one
#     (status shows reload_problem);
#   - registrations persist across `systemctl restart`;
#   - the watchdog: the scan thread stopped (ptrace, from outside the container) trips WatchdogSec (lowered by
#     a drop-in), systemd restarts the service (NRestarts), while the control socket still answered;
#   - `systemctl stop` is clean (exit status 0, well within TimeoutStopSec);
#   - prints `systemd-analyze security pageoutd.service`.
# Prints each check and the time of each phase; exits non-zero on the first failed check.
#
# The Debian root is built once with debootstrap and kept under .build/systemd-root/ (keyed by a hash of its
# package list); every run boots an overlay of it, so the cached root stays clean. Needs root, debootstrap,
# systemd-nspawn (package systemd-container), nsenter, python3 and active swap: scripts/setup-host.sh provides
# them.
#
# Usage: scripts/systemd-test.sh
# Environment: PAGEOUTD_TEST_MIRROR  Debian mirror for debootstrap (default http://deb.debian.org/debian)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

# The Swift toolchain's usual place when it is not on PATH.
if ! command -v swift >/dev/null; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi
export PATH="$PATH:/usr/sbin:/sbin"

suite=bookworm
mirror="${PAGEOUTD_TEST_MIRROR:-http://deb.debian.org/debian}"
packages=systemd,systemd-sysv,dbus
# The drop-in's watchdog interval: short, so a stall is caught within seconds.
watchdog_sec=3

# --- Output ------------------------------------------------------------------------------------------------
script_start=$(date +%s.%N)
phase_name=""
phase_start=""
phase_report=()

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
milliseconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

phase() {
    end_phase
    phase_name="$1"
    phase_start=$(now)
    echo
    echo "== $phase_name"
}

end_phase() {
    if [[ -n "$phase_name" ]]; then
        local took
        took=$(seconds_since "$phase_start")
        phase_report+=("$(printf '%-56s %6s s' "$phase_name" "$took")")
        echo "   ($phase_name: $took s)"
        phase_name=""
    fi
}

ok() { echo "  ok    $*"; }
note() { echo "        $*"; }

fail() {
    echo "  FAIL  $*" >&2
    exit 1
}

# --- Cleanup -----------------------------------------------------------------------------------------------
run_dir=""
nspawn_pid=""
stall_pid=""
overlay_mounted=false

cleanup() {
    local status=$?
    set +e
    if [[ -n "$stall_pid" ]]; then
        kill "$stall_pid" 2>/dev/null
        wait "$stall_pid" 2>/dev/null
    fi
    if [[ $status -ne 0 && -n "$nspawn_pid" && -n "${leader:-}" ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
        echo
        echo "== diagnostics: the container's journal for pageoutd (last 60 lines)"
        in_ct journalctl --no-pager -u pageoutd.service -u pageoutd.socket -n 60 2>&1 | sed 's/^/   | /'
    fi
    if [[ -n "$nspawn_pid" ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
        # SIGTERM asks systemd-nspawn to shut the container down cleanly.
        kill -TERM "$nspawn_pid"
        for _ in $(seq 150); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$nspawn_pid" 2>/dev/null
        wait "$nspawn_pid" 2>/dev/null
    fi
    if [[ $overlay_mounted == true ]]; then
        umount "$run_dir/root" 2>/dev/null || umount -l "$run_dir/root"
    fi
    if [[ -n "$run_dir" ]]; then
        rm -rf "$run_dir"
    fi
    if [[ $status -eq 0 ]]; then
        echo
        echo "systemd-test: all checks passed in $(seconds_since "$script_start") s"
    else
        echo "systemd-test: FAILED (exit $status) after $(seconds_since "$script_start") s" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Requirements ------------------------------------------------------------------------------------------
if [[ $(id -u) -ne 0 ]]; then
    echo "systemd-test: must run as root (debootstrap, mounts, systemd-nspawn)" >&2
    exit 1
fi
for tool in debootstrap systemd-nspawn nsenter python3 swift; do
    command -v "$tool" >/dev/null || { echo "systemd-test: $tool is missing (run scripts/setup-host.sh)" >&2; exit 1; }
done
if [[ $(awk 'NR > 1' /proc/swaps | wc -l) -eq 0 ]]; then
    echo "systemd-test: no active swap (run scripts/setup-host.sh)" >&2
    exit 1
fi

# --- Helpers -----------------------------------------------------------------------------------------------
leader=""
# Runs a command inside the container: in all namespaces of its PID 1, with a clean environment.
in_ct() {
    nsenter -t "$leader" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

# Polls `command` every 0.2 s until it succeeds (0) or `seconds` have passed (1).
wait_until() {
    local seconds="$1"
    shift
    local deadline=$(($(date +%s) + seconds))
    while true; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        if [[ $(date +%s) -ge $deadline ]]; then return 1; fi
        sleep 0.2
    done
}

# A unit property inside the container, e.g. `prop pageoutd.service MainPID`.
prop() { in_ct systemctl show -P "$2" "$1"; }

# pageoutctl inside the container as root.
ctl() { in_ct pageoutctl "$@"; }

# A value from `pageoutctl --json status`, selected by a python expression over `s` (the reply) and `r` (the
# region named vm1, or None), e.g. `status_value 'r["swapped"]'`.
status_value() {
    local json
    json=$(ctl --json status) || return 1
    python3 -c '
import json, sys
s = json.loads(sys.argv[1])
s = s.get("status", s)
r = next((x for x in s.get("regions", []) if x.get("name") == "vm1"), None)
print(eval(sys.argv[2]))' "$json" "$1"
}

# The journal of the unit as JSON lines, from inside the container.
journal_json() { in_ct journalctl --no-pager -o json "$@"; }

# --- Phase: build and install ------------------------------------------------------------------------------
phase "build (make, release, static Swift runtime)"
make_flags=(SWIFT_BUILD_FLAGS=--static-swift-stdlib)
make --no-print-directory build "${make_flags[@]}" | grep -v '^\(swift build\|\[\|Building for\|Build of\|Compiling\|Write\|Planning\)' || true
bindir=$(swift build -c release --static-swift-stdlib --show-bin-path)
for product in pageoutd pageoutctl pageout-guestsim; do
    [[ -x "$bindir/$product" ]] || fail "no $product in $bindir"
    if ldd "$bindir/$product" | grep libswiftCore >/dev/null; then
        fail "$product links Swift's runtime dynamically (the container has no Swift toolchain)"
    fi
done
ok "pageoutd, pageoutctl, pageout-guestsim built; Swift runtime linked statically ($(du -h "$bindir/pageoutd" | cut -f1) pageoutd)"

# --- Phase: the Debian root --------------------------------------------------------------------------------
phase "Debian root (debootstrap once, then cached)"
key=$(printf '%s\n' "$suite" minbase "$packages" "$mirror" | sha256sum | cut -c1-16)
cache_dir="$repo/.build/systemd-root"
cached="$cache_dir/$suite-$key"
if [[ -x "$cached/lib/systemd/systemd" ]]; then
    ok "cached root $suite-$key reused"
else
    mkdir -p "$cache_dir"
    # Another key's root, or a partial one from an interrupted run, is of no use any more.
    find "$cache_dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    partial="$cached.partial"
    log="$cache_dir/debootstrap-$key.log"
    if ! debootstrap --variant=minbase --include="$packages" "$suite" "$partial" "$mirror" >"$log" 2>&1; then
        tail -20 "$log" >&2
        fail "debootstrap $suite failed (log above)"
    fi
    mv "$partial" "$cached"
    ok "debootstrap --variant=minbase --include=$packages $suite: $(du -sh "$cached" | cut -f1)"
fi

# --- Phase: install into an overlay of it ------------------------------------------------------------------
phase "install (overlay, make install DESTDIR=)"
mkdir -p "$repo/.build"
# What a run killed before its cleanup left behind (an overlay still mounted belongs to a run in progress).
for stale in "$repo"/.build/systemd-test.*; do
    if [[ -d "$stale" ]] && ! mountpoint -q "$stale/root"; then rm -rf "$stale"; fi
done
run_dir=$(mktemp -d "$repo/.build/systemd-test.XXXXXX")
mkdir -p "$run_dir/upper" "$run_dir/work" "$run_dir/root"
mount -t overlay overlay -o "lowerdir=$cached,upperdir=$run_dir/upper,workdir=$run_dir/work" "$run_dir/root"
overlay_mounted=true
root="$run_dir/root"
make --no-print-directory install DESTDIR="$root" BINDIR_SOURCE="$bindir" >"$run_dir/install.log"
for file in usr/local/bin/pageoutd usr/local/bin/pageoutctl usr/local/libexec/pageoutd/pageout-guestsim \
    usr/local/lib/systemd/system/pageoutd.service usr/local/lib/systemd/system/pageoutd.socket \
    etc/pageoutd/pageoutd.toml; do
    [[ -e "$root/$file" ]] || fail "make install did not install /$file"
done
ok "make install DESTDIR=<root>: binaries, units, /etc/pageoutd/pageoutd.toml"

# The control group (socket_group) with one member, and a user outside it.
groupadd --root "$root" --system pageout-ctl
useradd --root "$root" --no-create-home --shell /usr/sbin/nologin --groups pageout-ctl operator1
useradd --root "$root" --no-create-home --shell /usr/sbin/nologin tenant1

# The configuration: the shipped file with socket_group and metrics_textfile set, as an operator would edit it,
# and a short cold_age, so that the guest's cold memory goes to swap within seconds.
config="$root/etc/pageoutd/pageoutd.toml"
sed -i -e 's|^socket_group = .*|socket_group = "pageout-ctl"|' \
    -e 's|^metrics_textfile = .*|metrics_textfile = "/var/lib/prometheus/node-exporter/pageoutd.prom"|' \
    -e 's|^cold_age = .*|cold_age = "2s"|' "$config"
grep -q '^cold_age = "2s"' "$config" || fail "could not set cold_age in the installed configuration"
grep -q '^socket_group = "pageout-ctl"' "$config" || fail "could not set socket_group in the installed configuration"
grep -q '^metrics_textfile = "/var' "$config" || fail "could not set metrics_textfile in the installed configuration"
cp "$config" "$run_dir/good.toml"
mkdir -p "$root/var/lib/prometheus/node-exporter"

# Drop-ins an operator writes: the socket's group, and the textfile directory writable (ProtectSystem=strict).
mkdir -p "$root/etc/systemd/system/pageoutd.socket.d" "$root/etc/systemd/system/pageoutd.service.d"
printf '[Socket]\nSocketGroup=pageout-ctl\n' >"$root/etc/systemd/system/pageoutd.socket.d/group.conf"
printf '[Service]\nReadWritePaths=/var/lib/prometheus/node-exporter\n' \
    >"$root/etc/systemd/system/pageoutd.service.d/textfile.conf"
ok "socket_group = \"pageout-ctl\" (member operator1; tenant1 not), metrics_textfile in /var/lib/prometheus/node-exporter"

# --- Phase: boot -------------------------------------------------------------------------------------------
phase "boot (systemd-nspawn, systemd as PID 1)"
machine="pageoutd-test-$$"
# pageoutd needs CAP_CHECKPOINT_RESTORE, which systemd-nspawn leaves out of the container's bounding set. A
# network namespace of its own gives the container CAP_NET_ADMIN, so PrivateNetwork= can set up the service's
# loopback device (without it systemd logs a failure from the service's process before it runs pageoutd).
systemd-nspawn -D "$root" --register=no --keep-unit -M "$machine" --capability=CAP_CHECKPOINT_RESTORE \
    --private-network --console=passive -b >"$run_dir/console.log" 2>&1 &
nspawn_pid=$!
find_leader() {
    local child
    for child in $(pgrep -P "$nspawn_pid"); do
        if [[ $(cat "/proc/$child/comm" 2>/dev/null) == systemd ]]; then
            leader=$child
            return 0
        fi
    done
    return 1
}
wait_until 60 find_leader || fail "systemd did not start in the container (console: $(tail -3 "$run_dir/console.log"))"
bus_up() { in_ct test -S /run/systemd/private; }
wait_until 60 bus_up || fail "the container's systemd opened no bus (console: $(tail -3 "$run_dir/console.log"))"
state=$(timeout 120 nsenter -t "$leader" -a env -i PATH=/usr/bin:/bin systemctl is-system-running --wait || true)
case "$state" in
    running) ;;
    degraded) note "failed units: $(in_ct systemctl --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')" ;;
    *) fail "the container's systemd did not finish booting (state '$state')" ;;
esac
ok "$(in_ct systemctl --version | head -1) is PID 1, system $state"

# --- Phase: socket activation ------------------------------------------------------------------------------
phase "socket activation, READY before active"
in_ct systemctl start pageoutd.socket
[[ $(prop pageoutd.socket ActiveState) == active ]] || fail "pageoutd.socket is not active"
[[ $(prop pageoutd.service ActiveState) == inactive ]] || fail "pageoutd.service runs before any connection"
socket_stat=$(in_ct stat -c '%a %U:%G' /run/pageoutd/pageoutd.sock)
[[ "$socket_stat" == "660 root:pageout-ctl" ]] || fail "control socket is $socket_stat, expected 660 root:pageout-ctl"
ok "pageoutd.socket listening (/run/pageoutd/pageoutd.sock $socket_stat), pageoutd.service inactive"
started=$(now)
ctl status >/dev/null || fail "the first pageoutctl status failed"
ok "first pageoutctl status answered in $(seconds_since "$started") s, starting the service"
[[ "$(prop pageoutd.service ActiveState)/$(prop pageoutd.service SubState)" == active/running ]] ||
    fail "pageoutd.service is $(prop pageoutd.service ActiveState)/$(prop pageoutd.service SubState)"
main_pid=$(prop pageoutd.service MainPID)
ok "pageoutd.service active/running, MainPID $main_pid, StatusText: $(prop pageoutd.service StatusText)"

# The order in the journal: the daemon's last line before READY=1 ("control socket listening"), then PID 1's
# "Started" (the start job done), which a Type=notify unit logs on READY=1; both come through the journal's
# socket, in order. (A Type=simple unit is "Started" before the daemon has logged anything.)
journal_json -u pageoutd.service >"$run_dir/start.json"
python3 - "$run_dir/start.json" "$main_pid" <<'EOF' || fail "READY=1 did not come before active (journal above)"
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
pid = sys.argv[2]
def first(predicate, what):
    for index, entry in enumerate(entries):
        if predicate(entry):
            return index, int(entry["__MONOTONIC_TIMESTAMP"])
    for entry in entries[-30:]:
        print("   |", entry.get("_PID", "?"), entry.get("MESSAGE", ""), file=sys.stderr)
    sys.exit(f"no journal entry: {what}")
message = lambda entry: entry.get("MESSAGE", "") if isinstance(entry.get("MESSAGE"), str) else ""
starting = first(lambda e: e.get("_PID") == pid and "pageoutd starting" in message(e),
                 "the daemon's 'pageoutd starting'")
listening = first(lambda e: e.get("_PID") == pid and "control socket listening" in message(e),
                  "the daemon's 'control socket listening'")
started = first(lambda e: e.get("_PID") == "1" and e.get("JOB_TYPE") == "start" and e.get("JOB_RESULT") == "done",
                "PID 1's 'Started' (start job done)")
if not starting[0] < listening[0] < started[0]:
    sys.exit(f"journal order wrong: starting {starting[0]}, listening {listening[0]}, Started {started[0]}")
print(f"  ok    journal: 'pageoutd starting' -> 'control socket listening' "
      f"(+{(listening[1] - starting[1]) / 1000:.1f} ms) -> READY=1 -> PID 1's 'Started' "
      f"(+{(started[1] - listening[1]) / 1000:.1f} ms)")
EOF
[[ $(prop pageoutd.service Type) == notify ]] || fail "pageoutd.service is not Type=notify"

# --- Phase: a VMM of another user --------------------------------------------------------------------------
phase "guest of another user, registration, pageout"
in_ct systemd-run --quiet --unit=pageout-guest -p DynamicUser=yes \
    /usr/local/libexec/pageoutd/pageout-guestsim --size 128MiB --hot-percent 20
guest_ready() { in_ct journalctl --no-pager -o cat -u pageout-guest.service | grep '^READY ' >/dev/null; }
wait_until 60 guest_ready || fail "pageout-guestsim did not print READY"
guest_pid=$(prop pageout-guest.service MainPID)
guest_uid=$(in_ct awk '/^Uid:/ { print $2 }' "/proc/$guest_pid/status")
[[ "$guest_uid" != 0 ]] || fail "the guest runs as root"
ok "pageout-guestsim (128 MiB, memfd ram0) as DynamicUser uid $guest_uid, pid $guest_pid"

ctl register --name vm1 --pid "$guest_pid" --memfd ram0 >/dev/null || fail "pageoutctl register failed"
region_active() { [[ $(status_value 'r and r["state"]') == active ]]; }
wait_until 30 region_active || fail "vm1 is not active: $(ctl status)"
ok "pageoutctl register --name vm1 --pid $guest_pid --memfd ram0: vm1 active"

# socket_group: a member may call the methods that change the daemon, on the regions it registered only (vm1 is
# root's: refused); root may; someone else cannot even connect (mode 0660).
as_user() { local user="$1"; shift; in_ct setpriv --reuid="$user" --regid="$user" --init-groups "$@"; }
set +e
member_output=$(as_user operator1 pageoutctl pause vm1 2>&1)
member_status=$?
set -e
[[ $member_status -ne 0 && "$member_output" == *vm1* ]] || fail "operator1 paused root's vm1: $member_output"
ctl pause vm1 >/dev/null || fail "root could not pause vm1"
region_paused() { [[ $(status_value 'r["state"]') == paused ]]; }
wait_until 15 region_paused || fail "vm1 not paused after root's pause"
ctl resume vm1 >/dev/null || fail "root could not resume vm1"
ok "operator1 (member of socket_group pageout-ctl) refused on root's vm1: '$(echo "$member_output" | head -1)'; root paused and resumed it"
set +e
tenant_output=$(as_user tenant1 pageoutctl pause vm1 2>&1)
tenant_status=$?
set -e
[[ $tenant_status -ne 0 ]] || fail "tenant1 (not in pageout-ctl) paused vm1"
ok "tenant1 (not a member) refused: exit $tenant_status, '$(echo "$tenant_output" | head -1)'"

# Pageout of another user's memfd: process_madvise (CAP_SYS_NICE) on memory the daemon does not own (CAP_FOWNER),
# through the unit's capabilities, namespaces and system call filter.
pageout_start=$(now)
swapped_some() { [[ $(status_value 'r["swapped"]') -ge $((16 << 20)) ]]; }
wait_until 60 swapped_some || fail "vm1's memory did not reach swap: $(ctl status)"
ok "vm1's cold memory going to swap: $(($(status_value 'r["swapped"]') >> 20)) MiB after $(seconds_since "$pageout_start") s (cold_age 2s)"

textfile=/var/lib/prometheus/node-exporter/pageoutd.prom
textfile_written() { in_ct grep -q '^pageoutd_region_swapped_bytes{region="vm1"}' "$textfile"; }
wait_until 30 textfile_written || fail "metrics_textfile $textfile has no vm1 metrics"
ok "metrics_textfile $textfile written ($(in_ct stat -c '%a %U' "$textfile"), $(in_ct grep -c '^pageoutd_' "$textfile") samples)"

# --- Phase: the journal ------------------------------------------------------------------------------------
phase "journal fields"
journal_json -u pageoutd.service >"$run_dir/fields.json"
python3 - "$run_dir/fields.json" "$guest_pid" <<'EOF' || fail "no journal entry of pageoutd with REGION, VMM_PID and BYTES"
import json, sys
for line in open(sys.argv[1]):
    entry = json.loads(line)
    if entry.get("REGION") == "vm1" and "VMM_PID" in entry and "BYTES" in entry:
        if entry["VMM_PID"] != sys.argv[2]:
            sys.exit(f"VMM_PID={entry['VMM_PID']}, the guest is {sys.argv[2]}")
        print(f"  ok    journalctl -u pageoutd -o json: MESSAGE={entry['MESSAGE']!r} REGION={entry['REGION']} "
              f"VMM_PID={entry['VMM_PID']} BYTES={entry['BYTES']} PRIORITY={entry['PRIORITY']} "
              f"SYSLOG_IDENTIFIER={entry.get('SYSLOG_IDENTIFIER')}")
        sys.exit(0)
sys.exit(1)
EOF

# --- Phase: reload -----------------------------------------------------------------------------------------
phase "reload (good, bad, good)"
# PID 1's log of the daemon's notifications since `cursor`.
notifications_since() {
    in_ct journalctl --no-pager -o cat -u pageoutd.service --after-cursor="$1" |
        grep -E "Got notification message from PID $main_pid|Changed (running -> reload|reload -> running)" || true
}
# The same, shortened: "running -> reload, RELOADING=1, READY=1, reload -> running".
sequence_since() {
    notifications_since "$1" | sed -n -e 's/.*Changed \(.*\)$/\1/p' \
        -e 's/.*Got notification message from PID [0-9]* (\(RELOADING=1\|READY=1\).*/\1/p' |
        paste -sd, | sed 's/,/, /g'
}
cursor() { in_ct journalctl --no-pager -u pageoutd.service -n 0 --show-cursor | sed -n 's/^-- cursor: //p'; }
reload_seen() {
    local seen
    seen=$(notifications_since "$1" | tr '\n' '|')
    [[ "$seen" =~ RELOADING=1.*READY=1 && $(prop pageoutd.service SubState) == running ]]
}

# At debug level PID 1 logs every notification and state change of the unit. (Only in this phase: at debug level
# journald may file the first lines of a process PID 1 forks under PID 1's own unit, out of `journalctl -u`.)
in_ct systemd-analyze log-level debug
before=$(cursor)
in_ct systemctl reload pageoutd.service || fail "systemctl reload of the shipped configuration failed"
wait_until 30 reload_seen "$before" || fail "no RELOADING=1 / READY=1 around the reload: $(notifications_since "$before")"
[[ $(status_value 's.get("reload_problem")') == None ]] || fail "a good reload left reload_problem set"
ok "systemctl reload: PID 1 saw $(sequence_since "$before"); no reload_problem"

printf '\n[daemon]\nscan_interval = "fast"\n' >>"$config"
before=$(cursor)
if in_ct systemctl reload pageoutd.service 2>/dev/null; then fail "systemctl reload accepted a bad configuration"; fi
# ExecReload waited for the daemon's answer: the refusal is in the status as soon as systemctl returns.
problem=$(status_value 's.get("reload_problem")')
[[ "$problem" != None ]] || fail "the bad reload left no reload_problem in the status"
wait_until 30 reload_seen "$before" || fail "no RELOADING=1 / READY=1 around the bad reload"
[[ $(prop pageoutd.service MainPID) == "$main_pid" && $(prop pageoutd.service ActiveState) == active ]] ||
    fail "the bad reload stopped or restarted the daemon"
scans=$(status_value 's["scans"]')
still_scanning() { [[ $(status_value 's["scans"]') -gt $scans ]]; }
wait_until 15 still_scanning || fail "no scan round after the bad reload"
ok "systemctl reload of a bad configuration failed; PID 1 saw $(sequence_since "$before")"
ok "bad configuration refused, old one kept (still active, rounds go on); reload_problem: $problem"

cp "$run_dir/good.toml" "$config"
before=$(cursor)
in_ct systemctl reload pageoutd.service || fail "systemctl reload of the repaired configuration failed"
wait_until 30 reload_seen "$before" || fail "no RELOADING=1 / READY=1 around the repaired reload"
[[ $(status_value 's.get("reload_problem")') == None ]] || fail "reload_problem still set after a good reload"
ok "good configuration again: reload_problem cleared"
in_ct systemd-analyze log-level info

# --- Phase: restart keeps registrations --------------------------------------------------------------------
phase "restart keeps registrations"
in_ct systemctl restart pageoutd.service
new_pid=$(prop pageoutd.service MainPID)
[[ "$new_pid" != "$main_pid" && "$new_pid" != 0 ]] || fail "systemctl restart did not start a new daemon"
main_pid=$new_pid
region_back() { [[ $(status_value 'r and (r["state"], r["pid"])') == "('active', $guest_pid)" ]]; }
wait_until 30 region_back || fail "vm1 not restored after restart: $(ctl status)"
ok "systemctl restart: new MainPID $main_pid, vm1 restored from /var/lib/pageoutd (pid $guest_pid, active)"

# --- Phase: watchdog ---------------------------------------------------------------------------------------
phase "watchdog (WatchdogSec=${watchdog_sec}s drop-in, scan thread stopped)"
printf '[Service]\nWatchdogSec=%ss\nRestartSec=1s\n' "$watchdog_sec" \
    >"$root/etc/systemd/system/pageoutd.service.d/watchdog-test.conf"
in_ct systemctl daemon-reload
in_ct systemctl restart pageoutd.service
main_pid=$(prop pageoutd.service MainPID)
restarts=$(prop pageoutd.service NRestarts)
wait_until 30 region_back || fail "vm1 not restored after the restart with the watchdog drop-in"
ok "WatchdogUSec=$(prop pageoutd.service WatchdogUSec), MainPID $main_pid, NRestarts $restarts"

# The daemon's pid outside the container, then its scan thread ("pageoutd-round"), stopped with
# PTRACE_INTERRUPT: the rest of the process runs on, as when a scan hangs in the kernel.
host_pid=$(python3 - "$leader" "$main_pid" <<'EOF'
import os, sys
leader, inner = sys.argv[1], sys.argv[2]
namespace = os.readlink(f"/proc/{leader}/ns/pid")
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        if os.readlink(f"/proc/{entry}/ns/pid") != namespace:
            continue
        nspid = next(line.split()[1:] for line in open(f"/proc/{entry}/status") if line.startswith("NSpid:"))
    except (OSError, StopIteration):
        continue
    if nspid[-1] == inner:
        print(entry)
        break
EOF
)
[[ -n "$host_pid" ]] || fail "cannot find the daemon's pid outside the container"
round_tid=""
for task in /proc/"$host_pid"/task/*; do
    if [[ $(cat "$task/comm" 2>/dev/null) == pageoutd-round ]]; then round_tid=${task##*/}; fi
done
[[ -n "$round_tid" ]] || fail "the daemon has no pageoutd-round thread"
stall_started=$(now)
python3 - "$round_tid" >"$run_dir/stall.log" 2>&1 <<'EOF' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_SEIZE, PTRACE_INTERRUPT, WALL = 0x4206, 0x4207, 0x40000000
tid = int(sys.argv[1])
if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0 or libc.ptrace(PTRACE_INTERRUPT, tid, None, None) != 0:
    sys.exit(f"ptrace: {os.strerror(ctypes.get_errno())}")
print("stopped", flush=True)
# Keep the thread stopped (never resume it) and reap it when the process dies.
while True:
    try:
        os.waitpid(tid, WALL)
    except ChildProcessError:
        break
EOF
stall_pid=$!
thread_stopped() { grep -q stopped "$run_dir/stall.log" && grep -q '^State:.*t (tracing stop)' "/proc/$host_pid/task/$round_tid/status"; }
wait_until 10 thread_stopped || fail "could not stop the scan thread: $(cat "$run_dir/stall.log")"
ok "scan thread $round_tid stopped; pings stop, the rest of the daemon runs on"
ctl status >/dev/null || fail "pageoutctl status did not answer while the scan thread was stopped"
ok "pageoutctl status still answers during the stall (the watchdog pings come from the scan loop alone)"
restarted() {
    [[ $(prop pageoutd.service NRestarts) -gt $restarts && $(prop pageoutd.service ActiveState) == active &&
        $(prop pageoutd.service MainPID) != "$main_pid" ]]
}
wait_until 90 restarted || fail "no watchdog restart: $(in_ct systemctl status --no-pager pageoutd.service | head -5)"
took=$(seconds_since "$stall_started")
kill "$stall_pid" 2>/dev/null || true
wait "$stall_pid" 2>/dev/null || true
stall_pid=""
watchdog_log=$(in_ct journalctl --no-pager -o cat -u pageoutd.service)
timeout_line=$(grep -m1 'Watchdog timeout' <<<"$watchdog_log" || true)
[[ -n "$timeout_line" ]] || fail "no 'Watchdog timeout' from PID 1 in the journal"
exit_line=$(sed -n '/Watchdog timeout/,$p' <<<"$watchdog_log" | grep -m1 'Main process exited' || true)
ok "PID 1: '$timeout_line', '${exit_line#pageoutd.service: }'"
ok "active again after $took s, NRestarts $(prop pageoutd.service NRestarts), MainPID $(prop pageoutd.service MainPID)"
main_pid=$(prop pageoutd.service MainPID)
wait_until 30 region_back || fail "vm1 not restored after the watchdog restart"
ok "vm1 restored after the watchdog restart"
rm "$root/etc/systemd/system/pageoutd.service.d/watchdog-test.conf"
in_ct systemctl daemon-reload

# --- Phase: the daemon binding its own socket --------------------------------------------------------------
phase "socket_group when pageoutd binds the socket itself"
# The installed unit without pageoutd.socket, its own runtime and state directories, and a configuration naming
# a socket there: the daemon binds the socket and gives it to socket_group under the unit's sandbox. Without
# CAP_CHOWN, root must be a member of the group for that (SupplementaryGroups=, as the unit's comment says).
sed -e '/^Requires=pageoutd.socket/d' -e '/^After=pageoutd.socket/d' \
    -e 's|^\[Service\]$|[Service]\nSupplementaryGroups=pageout-ctl|' \
    -e 's|^RuntimeDirectory=pageoutd|RuntimeDirectory=pageoutd-own|' \
    -e 's|^StateDirectory=pageoutd|StateDirectory=pageoutd-own|' \
    -e 's|/etc/pageoutd/pageoutd.toml|/etc/pageoutd/own-socket.toml|' \
    "$root/usr/local/lib/systemd/system/pageoutd.service" >"$root/etc/systemd/system/pageoutd-own.service"
sed -e 's|^socket = .*|socket = "/run/pageoutd-own/pageoutd.sock"|' \
    -e 's|^state_directory = .*|state_directory = "/var/lib/pageoutd-own"|' \
    -e 's|^metrics_textfile = .*|metrics_textfile = ""|' "$run_dir/good.toml" >"$root/etc/pageoutd/own-socket.toml"
in_ct systemctl daemon-reload
if ! in_ct systemctl start pageoutd-own.service; then
    in_ct journalctl --no-pager -o cat -u pageoutd-own.service -n 15 | sed 's/^/   | /' >&2
    fail "pageoutd with socket_group, binding its own socket, did not start under the unit"
fi
own_stat=$(in_ct stat -c '%a %U:%G' /run/pageoutd-own/pageoutd.sock)
[[ "$own_stat" == "660 root:pageout-ctl" ]] || fail "self-bound socket is $own_stat, expected 660 root:pageout-ctl"
as_user operator1 pageoutctl --socket /run/pageoutd-own/pageoutd.sock status >/dev/null ||
    fail "operator1 cannot use the self-bound socket"
in_ct systemctl stop pageoutd-own.service
ok "active; /run/pageoutd-own/pageoutd.sock $own_stat, operator1 connects; stopped"

# --- Phase: exposure ---------------------------------------------------------------------------------------
phase "systemd-analyze security"
in_ct systemd-analyze security --no-pager pageoutd.service >"$run_dir/security.txt" 2>&1 || true
sed 's/^/   | /' "$run_dir/security.txt"
exposure=$(grep -o 'Overall exposure level for pageoutd.service: .*' "$run_dir/security.txt" || true)
[[ -n "$exposure" ]] || fail "systemd-analyze security printed no overall exposure"
ok "$exposure"

# --- Phase: stop -------------------------------------------------------------------------------------------
phase "stop"
stop_started=$(now)
# (systemctl warns that pageoutd.socket may start the service again: it is stopped below.)
in_ct systemctl stop pageoutd.service 2>/dev/null
stop_took=$(milliseconds_since "$stop_started")
result="$(prop pageoutd.service Result) $(prop pageoutd.service ExecMainCode) $(prop pageoutd.service ExecMainStatus)"
# ExecMainCode 1 is CLD_EXITED: the daemon exited by itself, with status 0.
[[ "$result" == "success 1 0" ]] || fail "stop was not clean: Result ExecMainCode ExecMainStatus = $result"
in_ct journalctl --no-pager -o cat "_PID=$main_pid" | grep 'pageoutd stopping' >/dev/null ||
    fail "pageoutd (pid $main_pid) did not log 'pageoutd stopping'"
ok "systemctl stop in $stop_took ms: Result=success, exit status 0, 'pageoutd stopping' logged"
in_ct systemctl stop pageoutd.socket pageout-guest.service
if in_ct test -e /run/pageoutd/pageoutd.sock; then fail "the control socket is still there after stopping pageoutd.socket"; fi
ok "pageoutd.socket stopped, socket file removed"

end_phase
echo
echo "== timings"
printf '   %s\n' "${phase_report[@]}"
