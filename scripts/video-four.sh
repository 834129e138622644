#!/bin/sh
# The figure of issue 6 with real browsers: four headless Chromium in one room on a release
# server, each camera a ~1.7 Mbit/s Y4M texture; prints the server's % of one core per
# forwarded Mbit/s over E2E_MEASURE_SECONDS (30), with the load average.
#
#   CARGO_TARGET_DIR=/path cargo build --release -p relais -j 1
#   RELAIS_BIN=/path/release/relais scripts/video-four.sh
#
# Runs in a network namespace with only loopback (as root), like the e2e tests. The camera file
# is made once by scripts/texture-y4m.py (pure Python) at $Y4M (/tmp/relais-texture.y4m).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
: "${RELAIS_BIN:?the release relais binary to measure}"
Y4M=${Y4M:-/tmp/relais-texture.y4m}
[ -s "$Y4M" ] || python3 "$here/scripts/texture-y4m.py" "$Y4M" 10
cd "$here/e2e"
[ -e node_modules ] || { echo "e2e/node_modules missing (npm ci, or a link to a checkout's)" >&2; exit 1; }
export RELAIS_BIN E2E_CAMERA_Y4M="$Y4M" E2E_MEASURE=1
unshare -n sh -c 'ip link set lo up && npx playwright test tests/video-measure.spec.js'
