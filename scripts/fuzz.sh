#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for a fixed number of inputs: the parsers of what a tenant or
# the kernel hands the daemon must not crash, trap (overflow, index out of range, force unwrap), leak or hang.
#
# Usage: scripts/fuzz.sh [--runs N] [--seed S] [--build-only] [target...]
#   --runs N       inputs per target (default 100000); scripts/fuzz.sh --runs 1000000 is the long run
#   --seed S       libFuzzer's random seed (default: a new one each run); the same seed, corpus and build run the
#                  same inputs, which is what CI wants: a regression check, while the long run explores
#   --build-only   build the targets, run nothing
#   target         maps stat smaps swaps pressure meminfo pidfile varlink config (default: all)
# Each target starts from its seed corpus (Fuzz/Corpus/TARGET) and keeps what it learns in .build/fuzz/corpus;
# an input that fails is saved in .build/fuzz/artifacts/TARGET. An input running longer than 1 s is a hang.
# Prints one line per target (executions, executions per second, result); exits non-zero when any target failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The Swift toolchain's usual place when it is not on PATH.
if ! command -v swiftc >/dev/null; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi

all_targets=(maps stat smaps swaps pressure meminfo pidfile varlink config)
runs=100000
seed=
build_only=false
targets=()

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs)
            [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { echo "fuzz: --runs needs a number" >&2; exit 2; }
            runs="$2"
            shift 2
            ;;
        --seed)
            [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { echo "fuzz: --seed needs a number" >&2; exit 2; }
            seed="$2"
            shift 2
            ;;
        --build-only) build_only=true; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "fuzz: unknown option '$1' (try --help)" >&2; exit 2 ;;
        *)
            [[ " ${all_targets[*]} " == *" $1 "* ]] || { echo "fuzz: no target '$1' (${all_targets[*]})" >&2; exit 2; }
            targets+=("$1")
            shift
            ;;
    esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

out=.build/fuzz
mkdir -p "$out/lib" "$out/bin"
# Swift 6 language mode as the package; -O keeps Swift's overflow, bounds and unwrap checks.
swift_flags=(-sanitize=fuzzer,address -parse-as-library -O -g -I "$out/lib")

# Whether `output` is missing or older than any of the other files.
stale() {
    local output="$1"
    shift
    [[ ! -e "$output" ]] && return 0
    local file
    for file in "$@"; do [[ "$file" -nt "$output" ]] && return 0; done
    return 1
}

# Builds the Swift module `name` (language mode `mode`) from the files given as a static library with its
# interface in $out/lib; rebuilt when a file or a library in `depends` is newer. `extra_flags` go to swiftc.
swift_module() {
    local name="$1" mode="$2"
    shift 2
    stale "$out/lib/lib$name.a" "$@" "${depends[@]}" || return 0
    echo "fuzz: building $name"
    swiftc "${swift_flags[@]}" -swift-version "$mode" -module-name "$name" -emit-module \
        -emit-module-path "$out/lib/$name.swiftmodule" -emit-library -static -o "$out/lib/lib$name.a" "$@" \
        "${extra_flags[@]}"
}

# The Swift files of a directory, recursively (TOMLKit's directories have spaces in their names).
swift_sources() {
    find "$1" -name '*.swift' -print0 | sort -z
}

build_core() {
    local sources
    extra_flags=() depends=()
    mapfile -d '' sources < <(swift_sources Sources/PageoutCore)
    swift_module PageoutCore 6 "${sources[@]}"
}

build_control() {
    local sources
    build_core
    extra_flags=() depends=("$out/lib/libPageoutCore.a")
    mapfile -d '' sources < <(swift_sources Sources/PageoutControl)
    swift_module PageoutControl 6 "${sources[@]}"
}

ctoml=.build/checkouts/TOMLKit/Sources/CTOML
ctoml_flags=(-Xcc "-fmodule-map-file=$ctoml/include/CTOML/module.modulemap" -I "$ctoml/include/CTOML")

# TOMLKit from the package's checkout: its C++ (toml++) instrumented too, so the fuzzer sees inside the parser.
build_config() {
    local sources objects=() file
    build_core
    if [[ ! -d .build/checkouts/TOMLKit ]]; then
        swift package resolve
    fi
    mapfile -d '' sources < <(find "$ctoml/Sources" -name '*.cpp' -print0 | sort -z)
    if stale "$out/lib/libCTOML.a" "${sources[@]}"; then
        echo "fuzz: building CTOML (toml++)"
        mkdir -p "$out/ctoml"
        for file in "${sources[@]}"; do
            objects+=("$out/ctoml/$(basename "$file" .cpp | tr '&' '_').o")
            clang++ -std=c++17 -DTOML_EXCEPTIONS=1 -fsanitize=fuzzer-no-link,address -O1 -g -w \
                -I "$ctoml/include" -c "$file" -o "${objects[-1]}"
        done
        rm -f "$out/lib/libCTOML.a"
        ar rcs "$out/lib/libCTOML.a" "${objects[@]}"
    fi
    # TOMLKit's warnings are its own; whatever imports TOMLKit needs CTOML's module map.
    extra_flags=("${ctoml_flags[@]}" -suppress-warnings)
    depends=("$out/lib/libCTOML.a")
    mapfile -d '' sources < <(swift_sources .build/checkouts/TOMLKit/Sources/TOMLKit)
    swift_module TOMLKit 5 "${sources[@]}"
    extra_flags=("${ctoml_flags[@]}")
    depends=("$out/lib/libTOMLKit.a" "$out/lib/libPageoutCore.a")
    mapfile -d '' sources < <(swift_sources Sources/PageoutConfig)
    swift_module PageoutConfig 6 "${sources[@]}"
}

# The file of a target's entry point, and the libraries it links, in link order.
target_file() {
    case "$1" in
        maps) echo Maps ;; stat) echo Stat ;; smaps) echo Smaps ;; swaps) echo Swaps ;; pressure) echo Pressure ;;
        meminfo) echo MemInfo ;; pidfile) echo PidFile ;; varlink) echo Varlink ;; config) echo Config ;;
    esac
}
target_libraries() {
    case "$1" in
        varlink) echo "-lPageoutControl -lPageoutCore" ;;
        config) echo "-lPageoutConfig -lTOMLKit -lCTOML -lPageoutCore -lstdc++" ;;
        *) echo "-lPageoutCore" ;;
    esac
}

build_target() {
    local target="$1" binary="$out/bin/$1" entry libraries
    case "$target" in
        varlink) build_control ;;
        config) build_config ;;
        *) build_core ;;
    esac
    entry="Fuzz/Targets/$(target_file "$target").swift"
    read -ra libraries <<<"$(target_libraries "$target")"
    stale "$binary" "$entry" Fuzz/Support/*.swift "$out"/lib/*.a || return 0
    echo "fuzz: linking $target"
    # ld.gold warns about every ASan helper symbol it cannot export; those lines are noise.
    swiftc "${swift_flags[@]}" "${ctoml_flags[@]}" -swift-version 6 -module-name "Fuzz_$target" \
        "$entry" Fuzz/Support/*.swift -L "$out/lib" "${libraries[@]}" -o "$binary" \
        2> >(grep -v "Cannot export local symbol" >&2)
}

for target in "${targets[@]}"; do
    build_target "$target"
done
[[ $build_only == false ]] || exit 0

# Inputs per fuzzer process: a run of more is split into processes of at most this many, each starting from the
# corpus the ones before it grew. config: TOMLKit leaks (suppressed) tens of KiB per parse, so a process of 10^5
# inputs would pass -rss_limit_mb; the others' memory stays flat, but a process stays short all the same.
chunk_inputs() {
    case "$1" in config) echo 20000 ;; *) echo 100000 ;; esac
}

# Runs one target for $runs inputs, in processes of at most chunk_inputs each; returns non-zero when it found a
# failing input. A hang that does not happen again when its input runs alone was the machine's load, not the
# input's: that process starts over, at most twice.
run_target() {
    local target="$1" corpus="$out/corpus/$1" artifacts="$out/artifacts/$1/" log="$out/$1.log" options=()
    mkdir -p "$corpus" "$artifacts"
    [[ -f "Fuzz/Dictionaries/$target.dict" ]] && options+=("-dict=Fuzz/Dictionaries/$target.dict")
    [[ -n $seed ]] && options+=("-seed=$seed")
    # libFuzzer's own leak check reruns an input whose mallocs outnumber its frees and scans the whole heap with
    # LeakSanitizer: TOMLKit's leak makes that every input (about 40 inputs a second). Without it LeakSanitizer
    # still checks the heap when each process exits (suppressions applied) and fails the run on any other leak.
    [[ $target == config ]] && options+=(-detect_leaks=0)
    local status=0 attempt hang left="$runs" inputs done_inputs executions=0 seconds=0 started
    local chunk
    chunk=$(chunk_inputs "$target")
    : >"$log"
    while [[ $left -gt 0 && $status -eq 0 ]]; do
        inputs=$((left < chunk ? left : chunk))
        for attempt in 1 2 3; do
            status=0
            started=$(date +%s)
            # Swift's own crash handler would report a trap in place of libFuzzer, and trips AddressSanitizer.
            SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan-suppressions.txt" \
                "$out/bin/$target" -runs="$inputs" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 \
                -artifact_prefix="$artifacts" "${options[@]}" "$corpus" "Fuzz/Corpus/$target" >"$log.part" 2>&1 \
                || status=$?
            hang=$(grep -m1 -oE "Test unit written to .*/timeout-[0-9a-f]+" "$log.part" \
                | sed 's/Test unit written to //') || true
            [[ $status -ne 0 && -n "$hang" ]] || break
            "$out/bin/$target" -timeout=1 -runs=1 "$hang" >/dev/null 2>&1 || break
            echo "fuzz: $target: $hang took over 1 s under load but not alone; running again" >&2
            rm -f "$hang"
        done
        cat "$log.part" >>"$log"
        seconds=$((seconds + $(date +%s) - started))
        done_inputs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log.part" | tail -1)
        executions=$((executions + ${done_inputs:-0}))
        left=$((left - inputs))
    done
    rm -f "$log.part"
    report "$target" "$log" "$status" "$executions" "$seconds"
}

# Prints a target's line: `executions` inputs in `seconds`, the result from its log; returns `status`.
report() {
    local target="$1" log="$2" status="$3" executions="$4" seconds="$5" speed result
    speed=$((executions / (seconds > 0 ? seconds : 1)))
    if [[ $status -eq 0 ]]; then
        result="0 crashes, 0 leaks, 0 hangs"
    else
        result=$(grep -m1 -oE "ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-zA-Z -]+" "$log" \
            || echo "failed with status $status")
        result="$result; input: $(grep -m1 -oE "Test unit written to [^ ]+" "$log" | sed 's/Test unit written to //')"
    fi
    printf '%-9s %10s executions %8s exec/s  %s\n' "$target" "$executions" "$speed" "$result"
    [[ $status -eq 0 ]] || { tail -n 30 "$log" >&2; return "$status"; }
}

failed=0
for target in "${targets[@]}"; do
    run_target "$target" || failed=1
done
exit "$failed"
