#!/usr/bin/env bash
# createLike throughput of two techconf binaries in one session, against
# the plain net/http handler: a new client UUID per request, 64
# connections, the server with default flags on core 0, wrk on core 1, a
# fresh SQLite database for each run. Both binaries get an idempotency key
# (requestId) with every request, as the web page sends (like-key.lua);
# BEFORE_LUA=like-fresh.lua for a "before" binary older than the key
# (issue 15), and AFTER_LUA=like-fresh.lua for likes without a key.
#   go build -o /tmp/tc-after ./cmd/techconf           # this tree
#   (cd OLD_TREE && go build -o /tmp/tc-before ./cmd/techconf)
#   go build -o /tmp/techconf-bench ./cmd/techconf-bench
#   docs/bench/like-before-after.sh /tmp/tc-before /tmp/tc-after [rounds]
# With SPANNER=1, each run gets a new database on a Cloud Spanner emulator
# (emulator_main on PATH or in the Google Cloud SDK) instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")"
BEFORE=$1 AFTER=$2 ROUNDS=${3:-2} B=${BENCH:-/tmp/techconf-bench} DIR=$(mktemp -d)
BEFORE_LUA=${BEFORE_LUA:-like-key.lua} AFTER_LUA=${AFTER_LUA:-like-key.lua}
P=${PORT_BASE:-18000} # ports P+81, P+90, P+1010, P+1081: PORT_BASE=28000 beside another run
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT

# cpu: the server's CPU time so far (user + system), in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# run: wrk's requests/s, and the server's CPU microseconds per request:
# on a machine shared with other work, throughput follows the load of the
# moment, while CPU per request says what a request costs.
run() {
  local c0 c1 out
  c0=$(cpu)
  out=$(taskset -c 1 wrk -t2 -c64 -d8s "$@" 2>/dev/null)
  c1=$(cpu)
  awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" '/requests in/ {n=$1} /Requests\/sec/ {r=$2} END {printf "%10s req/s %8.1f us CPU/req", r, c*1e6/hz/n}' <<<"$out"
}
PID=
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
RUN=0
if [ "${SPANNER:-}" = 1 ]; then
  EMU=$(command -v emulator_main || echo "$(gcloud info --format='value(installation.sdk_root)')/bin/cloud_spanner_emulator/emulator_main")
  taskset -c 1 "$EMU" --host_port 127.0.0.1:$((P + 1010)) >/dev/null 2>&1 &
  export SPANNER_EMULATOR_HOST=127.0.0.1:$((P + 1010))
  sleep 2
fi
serve() { # binary, ack mode
  rm -f "$DIR"/db*
  RUN=$((RUN + 1))
  local db="sqlite:$DIR/db"
  if [ "${SPANNER:-}" = 1 ]; then
    db="spanner:projects/bench/instances/bench/databases/d$RUN-$$"
    "$AFTER" migrate --create --db "$db" >/dev/null
  fi
  # Every request comes from 127.0.0.1: a binary with a per-address like
  # limit gets it lifted (its default, 2,000 likes/s, would answer most
  # requests RATE_LIMITED, cheaply), and one with an admin address reports
  # the likes it refused, which must be 0.
  local extra=()
  ADMIN=
  if "$1" serve --help 2>&1 | grep -- --like-rate-limit-per-addr >/dev/null; then
    extra+=(--like-rate-limit-per-addr 0 --admin-addr 127.0.0.1:$((P + 1081)))
    ADMIN=http://127.0.0.1:$((P + 1081))/metrics
  fi
  taskset -c 0 "$1" serve --addr 127.0.0.1:$((P + 81)) --db "$db" --like-ack "$2" "${extra[@]}" 2>/dev/null &
  PID=$!
  for _ in $(seq 50); do curl -fs http://127.0.0.1:$((P + 81))/healthz/readiness >/dev/null && return; sleep 0.1; done
}
baseline() {
  taskset -c 0 "$B" baseline --addr 127.0.0.1:$((P + 90)) >/dev/null &
  PID=$!
  sleep 0.5
  printf '%-20s %s\n' "plain handler" "$(run http://127.0.0.1:$((P + 90))/)"
  stop
}
like() { # name, binary, ack mode, script
  serve "$2" "$3"
  local refused=""
  printf '%-20s %s' "$1" "$(run -s "$4" http://127.0.0.1:$((P + 81))/2018/api/query)"
  if [ -n "$ADMIN" ]; then
    refused=$(curl -fs "$ADMIN" | awk '/^techconf_likes_rejected_total/ {n += $2} END {print n + 0}')
    printf '   refused %s' "$refused"
  fi
  printf '   load %s\n' "$(cut -d' ' -f1 /proc/loadavg)"
  stop
}
for r in $(seq "$ROUNDS"); do
  echo "round $r"
  baseline
  like "before, buffered" "$BEFORE" buffered "$BEFORE_LUA"
  like "after, buffered" "$AFTER" buffered "$AFTER_LUA"
  like "before, durable" "$BEFORE" durable "$BEFORE_LUA"
  like "after, durable" "$AFTER" durable "$AFTER_LUA"
done
baseline
