#!/usr/bin/env bash
# Fuzzes what the server parses from requests: CQL2 text and JSON (compiled against the
# institutions' queryables and evaluated on the bundled institutions), the CSV reader
# behind imports and credential uploads, and the tile path parser.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#
# Not part of CI. Needs `cargo install cargo-fuzz`; cargo-fuzz asks for nightly
# features (-Zsanitizer), which RUSTC_BOOTSTRAP=1 unlocks on the stable toolchain.
# Each corpus starts from fuzz/seeds/<target> and grows in fuzz/corpus/<target>;
# crashes land in fuzz/artifacts/<target>. Prints how many inputs each target ran.
set -euo pipefail

secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cql2_text cql2_json csv_reader tile_path)

cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || { echo "fuzz.sh: run 'cargo install cargo-fuzz' first" >&2; exit 1; }
export RUSTC_BOOTSTRAP=1
# Sanitizer builds use other flags than normal ones: keep them out of the normal
# target directory, or each build would undo the other.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"

max_len() {
    case "$1" in
        cql2_text | cql2_json) echo 10000 ;; # past the 8 KiB filter limit
        csv_reader) echo 65536 ;;
        tile_path) echo 256 ;;
    esac
}

summary=()
for t in "${targets[@]}"; do
    corpus="fuzz/corpus/$t"
    mkdir -p "$corpus" "fuzz/artifacts/$t"
    cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
    log="$(mktemp)"
    echo "== $t for ${secs}s"
    # -timeout: an input taking 5 s is a hang (the parser's own bound is ~20 ms);
    # -rss_limit_mb: one input must not need more than 2 GiB.
    set +e
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
    cargo fuzz run "$t" "$corpus" -- \
        -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=5 -rss_limit_mb=2048 \
        "${dict[@]}" >"$log" 2>&1
    status=$?
    set -e
    grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|Done [0-9]+ runs)' "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$log"
    fi
    runs="$(grep -oE '^Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')"
    summary+=("$t: $runs inputs, exit $status")
    rm -f "$log"
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
