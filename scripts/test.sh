#!/usr/bin/env bash
# The whole test suite: unit tests, the server against the bundled files and against a
# real PostGIS, and the browser tests. Run as root on Debian (as CI does), it installs
# and starts what the tests need; otherwise it says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
pg_version=${pg_version:-15}
missing=()
[ -f "/usr/share/postgresql/$pg_version/extension/postgis.control" ] || missing+=("postgresql-$pg_version-postgis-3")
# tests/backup.rs runs pg_dump, pg_restore and createdb: postgresql-client-N, which the
# server package postgresql-N depends on; named here so that a missing one is installed.
[ -x "/usr/lib/postgresql/$pg_version/bin/pg_restore" ] || command -v pg_restore >/dev/null ||
  missing+=("postgresql-client-$pg_version")
command -v chromium >/dev/null || missing+=(chromium)
# GDAL's ogrinfo is the real OGC API – Features client of tests/ogc_client.rs.
command -v ogrinfo >/dev/null || missing+=(gdal-bin)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "the tests need: ${missing[*]} (sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

# The tests connect as postgres@127.0.0.1 with no password (tests/common/mod.rs), but
# Debian's pg_hba.conf asks for one on 127.0.0.1: as root, trust that one user on loopback.
pg_no_password() {
  env -u PGPASSWORD psql -w -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}
if [ "$(id -u)" = 0 ] && ! pg_no_password; then
  hba=$(su postgres -c "psql -p 5432 -Atc 'show hba_file'")
  if grep -qx 'host all postgres 127.0.0.1/32 trust' "$hba"; then
    echo "postgres@127.0.0.1 still cannot connect without a password, though $hba trusts it" >&2
    exit 1
  fi
  echo "PostgreSQL asks postgres@127.0.0.1 for a password: adding trust lines at the top of $hba"
  { printf '%s\n' '# added by vetmap scripts/test.sh: the tests connect without a password' \
      'host all postgres 127.0.0.1/32 trust' 'host all postgres ::1/128 trust'
    cat "$hba"; } >"$hba.vetmap-new"
  cat "$hba.vetmap-new" >"$hba" # keeps the file's owner and mode
  rm "$hba.vetmap-new"
  su postgres -c "psql -p 5432 -Atqc 'select pg_reload_conf()'" >/dev/null
  for _ in $(seq 1 10); do pg_no_password && break; sleep 0.5; done
fi

if [ -f web/package.json ]; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi

# GDAL 3.12's OGCAPI driver (pyogrio's wheel, pinned, in a virtualenv under target/) is
# the OGC API – Tiles client of tests/ogc_tiles_client.rs, which would install it on first
# use; done here so that a failed install shows before the build. Installs python3-venv
# as root when missing.
bash scripts/gdal-venv.sh >/dev/null
# Bounded: a test that hangs (a deadlock) fails the run within the bound, naming itself
# in cargo's "has been running for over 60 seconds", instead of holding CI for its whole
# 90 minutes. A fresh build and the suite take 15-20 minutes on two cores.
if ! timeout 50m cargo test --locked --all-targets; then
  echo "cargo test failed or ran past 50 minutes (a hung test is named above)" >&2
  exit 1
fi
# The API fuzzed from its own OpenAPI document (schemathesis, pinned, in a virtualenv
# under target/): on the bundled files, a fixed seed and number of cases, about a minute.
# `scripts/schemathesis.sh --db` fuzzes the officials' routes too, on PostGIS.
bash scripts/schemathesis.sh
# --all-targets leaves out the doc examples; they are API documentation that must compile
# and run.
cargo test --locked --doc
