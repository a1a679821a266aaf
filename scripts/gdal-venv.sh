#!/usr/bin/env bash
# A maintained GDAL for tests/ogc_tiles_client.rs: the pyogrio wheel from PyPI bundles
# GDAL (3.12.4 in pyogrio 0.13.0) with its OGCAPI, MVT and OAPIF drivers built in,
# which Debian 12's gdal-bin (3.6.2) lacks for vector tiles (see that test's
# documentation). Installed pinned into a virtualenv under the cargo target dir, never
# into the system's Python, as scripts/schemathesis.sh installs schemathesis.
#
#   scripts/gdal-venv.sh     installs when missing or of other versions, then prints
#                            the virtualenv's python on its last line of standard output
#
# Safe to run concurrently (the test binaries do): one install at a time, under flock.
set -euo pipefail
cd "$(dirname "$0")/.."

PYOGRIO_VERSION=0.13.0
# pyogrio's dependencies, pinned too: the same install on every machine.
NUMPY_VERSION=2.4.6
PACKAGING_VERSION=26.4
CERTIFI_VERSION=2026.10.19.post1

target_dir=${CARGO_TARGET_DIR:-target}
mkdir -p "$target_dir"
venv="$target_dir/gdal-venv"
python="$venv/bin/python"

installed() {
  "$python" - "$PYOGRIO_VERSION" "$NUMPY_VERSION" 2>/dev/null <<'PY'
import sys
import numpy, pyogrio
sys.exit(0 if (pyogrio.__version__, numpy.__version__) == (sys.argv[1], sys.argv[2])
         and "OGCAPI" in pyogrio.list_drivers() else 1)
PY
}

exec 9>"$target_dir/gdal-venv.lock"
flock 9
if ! installed; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      echo "the GDAL of the tests needs Python's venv (sudo apt-get install -y python3-venv)" >&2
      exit 1
    fi
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: \
    "pyogrio==$PYOGRIO_VERSION" "numpy==$NUMPY_VERSION" \
    "packaging==$PACKAGING_VERSION" "certifi==$CERTIFI_VERSION" >&2
  if ! installed; then
    echo "pyogrio $PYOGRIO_VERSION installed in $venv but without GDAL's OGCAPI driver" >&2
    exit 1
  fi
fi
cd "$venv/bin" && echo "$PWD/python"
