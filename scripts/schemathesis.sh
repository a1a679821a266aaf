#!/usr/bin/env bash
# Property-based fuzzing of the HTTP API, driven by its own OpenAPI document (/api):
# schemathesis generates requests from every operation's parameters and bodies (valid
# and invalid ones), sends them to the real server on loopback, and checks each answer:
# no 5xx, a documented status, a documented content type, a body that fits the
# documented schema, the documented headers. Any finding fails the script.
#
#   scripts/schemathesis.sh              the bundled files (what scripts/test.sh runs in CI)
#   scripts/schemathesis.sh --db         a fresh PostGIS database with the bundled data
#                                        and an administrator's API token: the officials'
#                                        routes too (needs PostgreSQL on 127.0.0.1:5432,
#                                        user postgres without a password)
#   --max-examples N   test cases per operation (default 20)
#   --seed S           the run's seed (default 20261130): the same seed, the same cases
#
# schemathesis is installed from PyPI, pinned, into a virtualenv under target/, never
# into the system's Python.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
target_dir=${CARGO_TARGET_DIR:-target}
venv="$target_dir/schemathesis-venv"
with_db=false
max_examples=20
seed=20261130
while [ $# -gt 0 ]; do
  case "$1" in
    --db) with_db=true ;;
    --max-examples) max_examples=$2; shift ;;
    --seed) seed=$2; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
  shift
done

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      echo "schemathesis needs Python's venv (sudo apt-get install -y python3-venv)" >&2
      exit 1
    fi
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --locked --quiet --bin vetmap
vetmap="$target_dir/debug/vetmap"

scratch=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
server_pid=""
database=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$database" ]; then psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# The credential endpoints' limits (30 checks a minute per client, 5 an hour per serial)
# would answer most of the run with 429, which is documented but tests nothing else;
# tests/credentials*.rs test the limits. The answer floor only slows the run.
export VETMAP_BIND="127.0.0.1:$port"
export VETMAP_SIGNING_KEYS="$scratch/signing-keys.pem"
export VETMAP_VERIFY_RATE_PER_MINUTE=1000000
export VETMAP_VERIFY_ATTEMPTS_PER_SERIAL_PER_HOUR=1000000
export VETMAP_VERIFY_ANSWER_FLOOR_MS=1
export RUST_LOG=${RUST_LOG:-warn}

exclude=()
auth=()
config="$scratch/schemathesis.toml"
: >"$config"
if $with_db; then
  database="vetmap_fuzz_$$"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $database" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database"
  "$vetmap" migrate >/dev/null
  "$vetmap" import data >/dev/null
  printf 'fuzz-password-%s\n' "$seed" |
    "$vetmap" accounts create --login fuzz-admin --name "Fuzz" --role admin >/dev/null
else
  unset DATABASE_URL
  # Without a database these answer 503 NeedsDatabase by design (the --db run fuzzes
  # them): sign-in, accounts, tokens, edits, history, audit, reports, and the officials'
  # credential writes.
  exclude+=(--exclude-tag officials
    --exclude-path-regex '^/api/v1/credentials/(batches|revocations|reinstatements)$'
    --exclude-path /api/v1/indicators/snapshots)
  # `period=` asks for the figures reported in the database: 503 NeedsDatabase without
  # one, by design. Every other 5xx there is still a finding.
  cat >>"$config" <<'TOML'
[[operations]]
include-path = "/api/v1/indicators"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]
TOML
fi

"$vetmap" serve >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -sf "$base/ready" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$scratch/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -sf "$base/ready" >/dev/null || { echo "the server did not get ready" >&2; cat "$scratch/server.log" >&2; exit 1; }

if $with_db; then
  # An administrator's API token: every officials' route is reached past sign-in.
  jar="$scratch/cookies"
  csrf=$(curl -sf -c "$jar" -H 'content-type: application/json' \
    -d "{\"login\":\"fuzz-admin\",\"password\":\"fuzz-password-$seed\"}" "$base/api/v1/session" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])')
  token=$(curl -sf -b "$jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d '{"name":"schemathesis","expires_in_days":1}' "$base/api/v1/tokens" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  auth=(-H "Authorization: Bearer $token")
fi

status=0
"$venv/bin/schemathesis" --config-file "$config" run "$base/api" \
  --url "$base" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --workers 1 \
  --generation-database none \
  --suppress-health-check too_slow,filter_too_much \
  --report junit --report-dir "$target_dir/schemathesis-report" \
  --no-color \
  ${exclude[@]+"${exclude[@]}"} ${auth[@]+"${auth[@]}"} || status=$?
if [ "$status" != 0 ]; then
  echo "schemathesis found problems (exit $status); the server's log:" >&2
  tail -n 50 "$scratch/server.log" >&2
fi
exit "$status"
