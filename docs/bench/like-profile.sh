#!/usr/bin/env bash
# Where the CPU of a createLike goes: the server (default flags, a fresh
# SQLite database, or Spanner with SPANNER_DB set and the emulator running)
# on core 0 under 64 connections from wrk on core 1, a 15 s CPU profile
# from its admin address, and the profile's time split into parts, each in
# microseconds per request (the server's CPU per request from
# /proc/PID/stat over the same 15 s, times the part's share).
#   docs/bench/like-profile.sh /tmp/techconf buffered|durable
# PROFILE_OUT=FILE keeps the profile (go tool pprof -top -cum BINARY FILE).
set -euo pipefail
cd "$(dirname "$0")"
BIN=$1 MODE=$2 DIR=$(mktemp -d)
P=${PORT_BASE:-18000} # ports P+81 and P+1081: PORT_BASE=28000 beside another run
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
DB=${SPANNER_DB:-sqlite:$DIR/db}
taskset -c 0 "$BIN" serve --addr 127.0.0.1:$((P + 81)) --admin-addr 127.0.0.1:$((P + 1081)) --db "$DB" --like-ack "$MODE" \
  --like-rate-limit-per-addr 0 2>/dev/null &
PID=$!
for _ in $(seq 50); do curl -fs http://127.0.0.1:$((P + 81))/healthz/readiness >/dev/null && break; sleep 0.1; done
taskset -c 1 wrk -t2 -c64 -d20s -s like-key.lua http://127.0.0.1:$((P + 81))/2018/api/query >"$DIR/wrk" &
WRK=$!
sleep 2
reqs() { curl -fs http://127.0.0.1:$((P + 1081))/metrics | awk '/^techconf_http_requests_total.*api\/query/ {n += $2} END {print n + 0}'; }
n0=$(reqs) c0=$(awk '{print $14 + $15}' /proc/$PID/stat)
curl -fs -o "$DIR/cpu.pb.gz" "http://127.0.0.1:$((P + 1081))/debug/pprof/profile?seconds=15"
n1=$(reqs) c1=$(awk '{print $14 + $15}' /proc/$PID/stat)
wait $WRK
[ -n "${PROFILE_OUT:-}" ] && cp "$DIR/cpu.pb.gz" "$PROFILE_OUT"
grep Requests/sec "$DIR/wrk"
US=$(awk -v c=$((c1 - c0)) -v n=$((n1 - n0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", c * 1e6 / hz / n}')
echo "CPU per request: $US us ($((n1 - n0)) requests in the profile's 15 s; load $(cut -d' ' -f1 /proc/loadavg))"
go tool pprof -top -cum -nodecount=100000 "$BIN" "$DIR/cpu.pb.gz" 2>/dev/null | awk -v us="$US" '
  /^Duration:/ { for (i = 1; i <= NF; i++) if ($i == "=") { total = $(i + 1); sub(/s$/, "", total) } }
  NF >= 6 && $4 ~ /s$/ && $5 ~ /%$/ {
    v = $4; if (v ~ /ms$/) { sub(/ms$/, "", v); v /= 1000 } else sub(/s$/, "", v)
    name = $6; for (i = 7; i <= NF; i++) name = name " " $i
    cum[name] = v
  }
  function c(f) { return (f in cum) ? cum[f] : 0 }
  function row(label, v) { printf "%-62s %5.1f %%  %6.1f us\n", label, 100 * v / total, us * v / total; done += v }
  END {
    srv = c("github.com/techconf/techconf/server.(*Server).ServeHTTP")
    api = c("github.com/techconf/techconf/graphql.(*apiHandler).ServeHTTP")
    logl = c("log/slog.(*Logger).log") + c("log/slog.(*Logger).logAttrs") + c("github.com/techconf/techconf/server.(*Server).logRequest")
    fast = c("github.com/techconf/techconf/graphql.(*apiHandler).serveFast")
    res = c("github.com/techconf/techconf/graphql.(*mutationResolver).CreateLike")
    row("HTTP: reading, parsing, writing (net/http, system calls)", c("net/http.(*conn).serve") - srv)
    row("middleware: limits, routing, metrics, headers", srv - api - logl)
    row("the request log line (formatted; written in batches)", logl + c("github.com/techconf/techconf/telemetry.(*LogBuffer).Flush"))
    row("API handler: body, checks, fast path reader and answer", api - res)
    row("like service: validation, rate limits, like ids, buffer, ack wait", res)
    row("flusher: SQLite/Spanner writes, commits, WAL checkpoints", c("github.com/techconf/techconf/like.(*Buffer).run"))
    row("observer: reading summaries after commits", c("github.com/techconf/techconf/like.(*Observer).Run"))
    row("garbage collection (background)", c("runtime.gcBgMarkWorker") + c("runtime.bgsweep") + c("runtime.bgscavenge"))
    row("the rest: scheduler, network poller, timers", total - done)
  }'
