#!/bin/sh
# Issue 6's yardstick measured the way scripts/video-four.sh measures Relais: four headless
# Chromium, each camera a ~1.7 Mbit/s Y4M texture, on a bare str0m forwarding loop
# (crates/relais-video/benches/bare_loop.rs, release); prints the loop's % of one core per Mbit/s
# the pages received over E2E_MEASURE_SECONDS (30). Run it and video-four.sh in turns, with the
# same RELAIS_BIN and E2E_MEASURE_SECONDS (and RELAIS_VIDEO_SIMULCAST=false there: the loop
# forwards one stream per camera), and compare the "per received Mbit/s" lines.
#
#   RELAIS_BIN=/path/release/relais scripts/video-bare.sh   (as root; builds the loop with
#   cargo bench --no-run unless E2E_BARE_BIN names it)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
Y4M=${Y4M:-/tmp/relais-texture.y4m}
[ -s "$Y4M" ] || python3 "$here/scripts/texture-y4m.py" "$Y4M" 10
if [ -z "${E2E_BARE_BIN:-}" ]; then
  E2E_BARE_BIN=$(cd "$here" && cargo bench -p relais-video --bench bare_loop --no-run --message-format=json \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "bare_loop" and m.get("executable"):
        print(m["executable"])')
fi
[ -n "$E2E_BARE_BIN" ] || { echo "the bare loop did not build (cargo bench -p relais-video --bench bare_loop --no-run)" >&2; exit 1; }
cd "$here/e2e"
[ -e node_modules ] || { echo "e2e/node_modules missing (npm ci, or a link to a checkout's)" >&2; exit 1; }
# The global setup starts a Relais server too (RELAIS_BIN, else the debug build): the pages'
# origin, idle during the measurement; the release one, as video-four.sh measures, keeps the two
# runs alike.
export E2E_BARE_BIN E2E_CAMERA_Y4M="$Y4M"
unshare -n sh -c 'ip link set lo up && npx playwright test tests/video-bare.spec.js'
