#!/usr/bin/env bash
# Checks pageoutd's config reader against the TOML 1.0 files of the toml-test suite
# (https://github.com/toml-lang/toml-test): every valid document must be read as TOML (pageoutd may then refuse its
# keys, which are not pageoutd's), every invalid one refused as TOML, by the grammar check or by toml++.
#
# Usage: scripts/toml-test.sh TOML_TEST_DIR
#   TOML_TEST_DIR   a checkout of toml-test (its tests/files-toml-1.0.0 lists the files)
# Prints the counts and every file read the wrong way; exits non-zero when there is one.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -eq 1 && -f "$1/tests/files-toml-1.0.0" ]] || { sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
tests="$1/tests"

if ! command -v swift >/dev/null; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi
swift build --product pageoutd >/dev/null
pageoutd="$(swift build --show-bin-path)/pageoutd"

valid=0 valid_refused=0 invalid=0 by_grammar=0 by_tomlpp=0 invalid_read=0
while read -r name; do
    [[ $name == *.toml ]] || continue
    # --check-config exits 1 for a file it refuses; the message says whether TOML or a key was refused.
    message=$("$pageoutd" --check-config "$tests/$name" 2>&1 >/dev/null || true)
    refused_as_toml=false
    [[ $message == *"invalid TOML"* || $message == *"not valid UTF-8"* || $message == *"contains a"* ]] \
        && refused_as_toml=true
    case "$name" in
        valid/*)
            valid=$((valid + 1))
            if $refused_as_toml; then
                valid_refused=$((valid_refused + 1))
                echo "valid but refused: $name: $message"
            fi
            ;;
        invalid/*)
            invalid=$((invalid + 1))
            if ! $refused_as_toml; then
                invalid_read=$((invalid_read + 1))
                echo "invalid but read: $name"
            elif [[ $message == *"Error while parsing"* ]]; then
                by_tomlpp=$((by_tomlpp + 1))
            else
                by_grammar=$((by_grammar + 1))
            fi
            ;;
    esac
done <"$tests/files-toml-1.0.0"

echo "valid: $valid files, $((valid - valid_refused)) read as TOML, $valid_refused refused"
echo "invalid: $invalid files, $by_grammar refused by the grammar check, $by_tomlpp by toml++, $invalid_read read"
[[ $valid_refused -eq 0 && $invalid_read -eq 0 ]]
