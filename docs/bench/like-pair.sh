#!/usr/bin/env bash
# CPU per createLike of two techconf binaries measured at the same time:
# both servers on core 0, each under its own wrk (32 connections, a new
# client UUID and requestId per request) on core 1, for the same seconds.
# Whatever else the machine runs slows both alike, so their ratio holds
# where figures of runs one after the other move by a third between runs.
#   docs/bench/like-pair.sh buffered|durable SECONDS BIN_A[:ENV=VALUE] BIN_B[:ENV=VALUE] [ROUNDS]
# prints, per round, each one's CPU µs per request and B's over A's.
# Ports P+601 and P+602 (PORT_BASE, default 18000).
set -euo pipefail
cd "$(dirname "$0")"
MODE=$1 SECS=$2 A=$3 B=$4 ROUNDS=${5:-1} P=${PORT_BASE:-18000} DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
serve() { # BIN[:ENV] port -> pid
  local bin=${1%%:*} env=X=1
  [[ $1 == *:* ]] && env=${1#*:}
  mkdir -p "$DIR/$2" && rm -f "$DIR/$2"/db*
  taskset -c 0 env "$env" "$bin" serve --addr 127.0.0.1:"$2" --db "sqlite:$DIR/$2/db" --like-ack "$MODE" \
    --like-rate-limit-per-addr 0 >/dev/null 2>&1 &
  echo $!
}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for r in $(seq "$ROUNDS"); do
  PA=$(serve "$A" $((P + 601))) PB=$(serve "$B" $((P + 602)))
  for port in $((P + 601)) $((P + 602)); do
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz/readiness" >/dev/null && break; sleep 0.1; done
  done
  a0=$(cpu "$PA") b0=$(cpu "$PB")
  taskset -c 1 wrk -t1 -c32 -d"${SECS}s" -s like-key.lua "http://127.0.0.1:$((P + 601))/2018/api/query" >"$DIR/a" &
  WA=$!
  taskset -c 1 wrk -t1 -c32 -d"${SECS}s" -s like-key.lua "http://127.0.0.1:$((P + 602))/2018/api/query" >"$DIR/b"
  wait $WA
  a1=$(cpu "$PA") b1=$(cpu "$PB")
  kill "$PA" "$PB"
  wait "$PA" "$PB" 2>/dev/null || true
  awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" -v na="$(awk '/requests in/ {print $1}' "$DIR/a")" \
    -v nb="$(awk '/requests in/ {print $1}' "$DIR/b")" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { x = a * 1e6 / hz / na; y = b * 1e6 / hz / nb
      printf "A %6.1f us/req (%d)   B %6.1f us/req (%d)   B/A %.3f   load %s\n", x, na, y, nb, y / x, load }'
done
