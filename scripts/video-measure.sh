#!/bin/sh
# Samples the Relais server of a video e2e run once a second: CPU ticks (utime+stime, 1/100 s)
# and the bytes its SFU forwarded (/metrics). Start it beside the run, in the same network
# namespace, e.g.:
#   unshare -n sh -c 'ip link set lo up && (RELAIS_BIN=$CARGO_TARGET_DIR/release/relais scripts/video-measure.sh > m.log &) &&
#     cd e2e && E2E_CAMERA_Y4M=/tmp/texture.y4m RELAIS_BIN=$CARGO_TARGET_DIR/release/relais npx playwright test video'
# Each line: unix time, CPU ticks, forwarded bytes. Differences between lines give % of a core
# and Mbit/s forwarded (docs/video.md).
for _ in $(seq 1 120); do
  pid=$(pgrep -f "^${RELAIS_BIN:?the relais binary under test} serve" | head -1)
  if [ -n "$pid" ]; then
    bind=$(tr '\0' '\n' < "/proc/$pid/environ" | grep '^RELAIS_BIND=' | cut -d= -f2)
    ticks=$(awk '{print $14+$15}' "/proc/$pid/stat")
    bytes=$(curl -s "http://$bind/metrics" | awk '/^relais_video_forwarded_bytes_total/ {print $2}')
    echo "$(date +%s.%N) $ticks ${bytes:-0}"
  fi
  sleep 1
done
