#!/usr/bin/env bash
# What --metrics-listen costs per session, in instructions (callgrind), so
# the figure repeats where wall-clock CPU on a shared machine does not.
# Runs the release server under callgrind for 50 and for 250 sessions
# (loadgen, 5 at a time, loopback), with and without --metrics-listen
# (scraped before and after), and prints instructions per session: the
# difference of the two runs over 200 sessions, so start-up cancels out.
#
#   cargo build --release --bin sshfolio --example loadgen
#   bench/metrics-overhead.sh            # needs valgrind and curl
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/sshfolio
loadgen=target/release/examples/loadgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" serve --listen 127.0.0.1:0 --keys "$work/keys" --data "$work/seed" >/dev/null 2>&1 &
pid=$!; sleep 1; kill "$pid"; wait "$pid" 2>/dev/null || true

run() { # on|off sessions -> total instructions
  local dir="$work/$1-$2" port=$((20000 + RANDOM % 20000)) extra=()
  mkdir -p "$dir/keys" && cp "$work/keys/"* "$dir/keys/"
  [ "$1" = on ] && extra=(--metrics-listen "127.0.0.1:$((port + 1))")
  valgrind --tool=callgrind --callgrind-out-file="$dir/out" "$bin" serve \
    --listen "127.0.0.1:$port" --keys "$dir/keys" --data "$dir/data" \
    --max-connections-per-ip 5000 --connect-rate-per-ip 100000 \
    --handshake-timeout 60 "${extra[@]}" >"$dir/log" 2>&1 &
  local vpid=$!
  for _ in $(seq 120); do grep -q "listening on" "$dir/log" && break; sleep 0.5; done
  [ "$1" = on ] && curl -s "127.0.0.1:$((port + 1))/metrics" >/dev/null
  "$loadgen" --addr "127.0.0.1:$port" --sessions "$2" --concurrency 5 >/dev/null
  [ "$1" = on ] && curl -s "127.0.0.1:$((port + 1))/metrics" >/dev/null
  kill -TERM "$vpid"; wait "$vpid" 2>/dev/null || true
  sed -n 's/^summary: //p' "$dir/out"
}

for mode in off on; do
  small=$(run "$mode" 50)
  large=$(run "$mode" 250)
  echo "metrics $mode: $(( (large - small) / 200 )) instructions per session"
done
