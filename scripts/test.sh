#!/usr/bin/env bash
# Runs every Relais test suite on a fresh Debian machine: sets up what the tests need (PostgreSQL
# running, cargo-nextest, Debian's Chromium, the Playwright packages), then formatting, lints,
# all Rust tests on SQLite and PostgreSQL, and the browser tests (e2e/).
# Usage: scripts/test.sh            (CI calls exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "PostgreSQL"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null; then
    # A fresh Debian machine: install PostgreSQL, and give the tests a password login (Debian's
    # default TCP authentication wants one).
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fresh_install=1
  fi
  # (Already running after a fresh install: that is fine; readiness is checked below.)
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  if [ "${fresh_install:-0}" = 1 ]; then
    su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'relais-tests'\""
    export TEST_DATABASE_URL="postgres://postgres:relais-tests@127.0.0.1:5432/postgres"
  fi
fi
pg_isready -h 127.0.0.1 -p 5432
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

step "MQTT broker (Mosquitto)"
# The device tests publish to a real broker: the machine's at 127.0.0.1:1883, and the browser
# tests start their own (inside their loopback-only namespace) with mosquitto and mosquitto_pub.
if ! command -v mosquitto >/dev/null || ! command -v mosquitto_pub >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
  for _ in $(seq 1 20); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.5; done
fi

step "Rust tools"
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

step "Formatting"
cargo fmt --all -- --check

step "Lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Tests (SQLite and PostgreSQL)"
cargo nextest run --workspace --locked --no-fail-fast

step "Browser tests (Playwright, Debian's Chromium)"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v npm >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
cargo build -p relais --bin relais --locked
# The suite starts this binary (wherever CARGO_TARGET_DIR puts it).
export RELAIS_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/relais"
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)
# In a network namespace with only loopback when we may make one (root): nothing the browser
# or the server does can reach beyond this machine.
# Then the video visit again with one stream per camera: sessions the SFU does not pace, whose
# frames it sends together (see e2e/tests/video.spec.js).
suite='npx playwright test && RELAIS_VIDEO_SIMULCAST=false npx playwright test tests/video.spec.js'
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  unshare -n sh -c "ip link set lo up && cd e2e && $suite"
else
  (cd e2e && sh -c "$suite")
fi
