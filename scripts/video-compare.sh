#!/bin/sh
# Relais and the bare str0m loop in turns, ROUNDS (3) times each, and one line per round:
# the server's % of one core, what the pages received, and % per received Mbit/s. Issue 6's
# comparison on one host and one day (docs/video.md, "The bare loop kept, side by side").
#
#   RELAIS_BIN=/path/release/relais scripts/video-compare.sh     (as root)
#
# E2E_BARE_BIN, E2E_MEASURE_SECONDS (40 here) and the camera file are passed on to
# video-four.sh (one stream per camera) and video-bare.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${RELAIS_BIN:?the release relais binary to measure}"
export RELAIS_BIN E2E_MEASURE_SECONDS="${E2E_MEASURE_SECONDS:-40}" RELAIS_VIDEO_SIMULCAST=false
round=1
while [ "$round" -le "${ROUNDS:-3}" ]; do
  for server in relais bare; do
    if [ "$server" = relais ]; then script=video-four.sh; else script=video-bare.sh; fi
    out=$(sh "$here/$script" 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
    core=$(printf '%s\n' "$out" | sed -n 's/^server: \([0-9.]*\) % of one core.*/\1/p')
    per=$(printf '%s\n' "$out" | sed -n 's/.*received \([0-9.]*\) Mbit\/s.* \([0-9.]*\) % per received Mbit\/s.*/\1 Mbit\/s received, \2 % per received Mbit\/s/p')
    cameras=$(printf '%s\n' "$out" | sed -n 's/.*each camera sends \(.*\) Mbit\/s.*/\1/p')
    echo "round $round $server: $core % of one core, $per (cameras $cameras)"
    sleep 20
  done
  round=$((round + 1))
done
