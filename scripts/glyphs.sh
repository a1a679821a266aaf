#!/usr/bin/env bash
# Writes the web map's label glyphs, web/fonts/Noto Sans Regular/{range}.pbf, from
# Debian's Noto Sans (fonts-noto-core, SIL Open Font License 1.1), subset to what
# Vietnamese and English labels need so that a first visit loads little:
#   0-255      Basic Latin and Latin-1 (a, à, á, â, ã, è, é, ê, ì, í, ò, ó, ô, õ, ù, ú, ý)
#   256-511    ă, đ, ĩ, ũ (Latin Extended-A), ơ, ư (Latin Extended-B), both cases
#   768-1023   the five combining tone marks, for text in decomposed form (NFD)
#   7680-7935  the precomposed Vietnamese letters ạ…ỹ (U+1EA0-1EF9)
#   8192-8447  dashes, curly quotes and the ellipsis
# MapLibre asks only for the ranges a label uses. The files are committed (a few hundred
# KB); run this only to change the font or the ranges:
#   apt-get install -y fonts-noto-core fonttools && bash scripts/glyphs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
font=${NOTO_SANS:-/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf}
out="web/fonts/Noto Sans Regular"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pyftsubset "$font" --output-file="$work/subset.ttf" --no-hinting --layout-features='' \
  --unicodes='U+0020-007E,U+00A0-00FF,U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,U+0300-0301,U+0303,U+0309,U+0323,U+1EA0-1EF9,U+2013-2014,U+2018-2019,U+201C-201D,U+2026'
rm -rf "$out"
mkdir -p "$out"
cargo run --quiet --release --manifest-path tools/glyphs/Cargo.toml \
  --target-dir "${CARGO_TARGET_DIR:-target}/glyphs" -- "$work/subset.ttf" "$out" 0 256 768 7680 8192
cp /usr/share/doc/fonts-noto-core/copyright "$out/LICENSE-fonts-noto-core.txt"
