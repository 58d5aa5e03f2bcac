#!/usr/bin/env bash
# The cost of the issue-10 bounds on the like and timetable figures: the
# binary before them and the binary with them, run in turn in one session
# (before, after, before, after, ...), three runs each, medians printed.
# Server on core 0, wrk on core 1. Needs wrk and two binaries:
#   mkdir /tmp/before && git archive <commit before> | tar -x -C /tmp/before
#   (cd /tmp/before && go build -o /tmp/techconf-before ./cmd/techconf)
#   go build -o /tmp/techconf ./cmd/techconf
# (or set BEFORE and AFTER to their paths).
# The per-address like limit is raised out of the way (one wrk address
# would otherwise be limited, by design) but still runs on every like.
set -euo pipefail
cd "$(dirname "$0")"
BEFORE=${BEFORE:-/tmp/techconf-before} AFTER=${AFTER:-/tmp/techconf}
DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
rps() { taskset -c 1 wrk -t2 -c64 -d8s "$@" 2>/dev/null | awk '/Requests\/sec/ {print $2}'; }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
PID=
serve() { # binary, extra flags...
  local bin=$1; shift
  rm -f "$DIR"/db*
  taskset -c 0 "$bin" serve --addr 127.0.0.1:18081 --db "sqlite:$DIR/db" --log-level warn --like-ack buffered "$@" &
  PID=$!
  sleep 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
declare -A R
for run in 1 2 3; do
  serve "$BEFORE"
  R[before-like]+="$(rps -s like.lua http://127.0.0.1:18081/2018/api/query) "
  R[before-timetable]+="$(rps -s timetable.lua http://127.0.0.1:18081/2018/api/query) "
  stop
  serve "$AFTER" --like-rate-limit-per-addr 1e9
  R[after-like]+="$(rps -s like.lua http://127.0.0.1:18081/2018/api/query) "
  R[after-timetable]+="$(rps -s timetable.lua http://127.0.0.1:18081/2018/api/query) "
  stop
done
for k in before-like after-like before-timetable after-timetable; do
  # shellcheck disable=SC2086
  printf '%-18s %s  median %s\n' "$k" "${R[$k]}" "$(median ${R[$k]})"
done
