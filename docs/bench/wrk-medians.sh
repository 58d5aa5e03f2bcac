#!/usr/bin/env bash
# Measures the HTTP figures of docs/performance.md: each one three times,
# printing every run and the median. The server runs on core 0, wrk on
# core 1. Needs wrk (apt-get install -y wrk) and the two binaries:
#   go build -o /tmp/techconf ./cmd/techconf
#   go build -o /tmp/techconf-bench ./cmd/techconf-bench
set -euo pipefail
cd "$(dirname "$0")"
T=/tmp/techconf B=/tmp/techconf-bench DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT

rps() { taskset -c 1 wrk -t2 -c64 -d8s "$@" 2>/dev/null | awk '/Requests\/sec/ {print $2}'; }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
measure() { # name, then wrk arguments
  local name=$1; shift
  local a b c
  a=$(rps "$@"); b=$(rps "$@"); c=$(rps "$@")
  printf '%-40s %10s %10s %10s   median %s\n' "$name" "$a" "$b" "$c" "$(median "$a" "$b" "$c")"
}
PID=
serve() { # ack mode
  rm -f "$DIR"/db*
  taskset -c 0 "$T" serve --addr 127.0.0.1:18081 --db "sqlite:$DIR/db" --log-level warn --like-ack "$1" &
  PID=$!
  sleep 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

taskset -c 0 "$B" baseline --addr 127.0.0.1:18090 >/dev/null &
PID=$!
sleep 0.5
measure "plain net/http handler" http://127.0.0.1:18090/
stop

serve buffered
measure "createLike, buffered" -s like.lua http://127.0.0.1:18081/2018/api/query
measure "sessionList, content only" -s timetable.lua http://127.0.0.1:18081/2018/api/query
measure "sessionList with liked" -s timetable-liked.lua http://127.0.0.1:18081/2018/api/query
measure "landing page /2018/" -H 'Accept-Language: en' http://127.0.0.1:18081/2018/
stop

serve durable
measure "createLike, durable" -s like.lua http://127.0.0.1:18081/2018/api/query
stop
