#!/usr/bin/env bash
# Checks that the benchmark tools work, not how fast anything is: a tiny
# fanout and idle run of loadgen against the real roomcast binary (and the
# limit server), each expected to join every client, deliver messages and
# read the server's RSS. Needs no npm.
# Usage: smoke_test.sh ROOMCAST LOADGEN LIMIT_SERVER
set -uo pipefail

roomcast=${1:?usage: smoke_test.sh ROOMCAST LOADGEN LIMIT_SERVER}
loadgen=${2:?}
limit=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/roomcast-bench-smoke.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
check() { # NAME CONDITION-RESULT DETAIL
  if [ "$2" = ok ]; then
    echo "PASS $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1: $3"
    failed=$((failed + 1))
  fi
}

# Starts "$@" with stdout in $tmp/$name.out; sets server_pid and server_port.
start_server() {
  local name=$1
  shift
  "$@" >"$tmp/$name.out" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  server_port=
  for _ in $(seq 1 200); do
    server_port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$tmp/$name.out" | head -1 | sed 's/.*://')
    [ -n "$server_port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:"
  tail -20 "$tmp/$name.out"
  return 1
}

field() { # JSON KEY -> first numeric value of "KEY":
  grep -o "\"$2\":[-0-9.]*" <<<"$1" | head -1 | cut -d: -f2
}

gt0() { awk -v v="${1:-0}" 'BEGIN { exit !(v > 0) }'; }

run_pair() { # LABEL PID PORT
  local label=$1 pid=$2 port=$3 out
  out=$("$loadgen" --target "127.0.0.1:$port" --server-pid "$pid" --label "$label" --no-progress \
    --scenario fanout --connections 20 --rate 20 --duration 2 --warmup 0.5 --drain 1 --max-seconds 60 \
    2>"$tmp/$label-fanout.err")
  local joined delivered
  joined=$(field "$out" joined)
  delivered=$(field "$out" delivered)
  if [ "${joined:-0}" = 20 ] && gt0 "$delivered"; then
    check "$label fanout: 20 joined, $delivered delivered" ok
  else
    check "$label fanout" fail "joined=${joined:-?} delivered=${delivered:-?} ${out:0:400} $(tail -3 "$tmp/$label-fanout.err")"
  fi

  out=$("$loadgen" --target "127.0.0.1:$port" --server-pid "$pid" --label "$label" --no-progress \
    --scenario idle --connections 20 --room-size 5 --duration 1 --max-seconds 60 2>"$tmp/$label-idle.err")
  local rss
  joined=$(field "$out" joined)
  rss=$(field "$out" rss_after_kib)
  if [ "${joined:-0}" = 20 ] && gt0 "$rss"; then
    check "$label idle: 20 joined, server RSS $rss KiB" ok
  else
    check "$label idle" fail "joined=${joined:-?} rss=${rss:-?} ${out:0:400} $(tail -3 "$tmp/$label-idle.err")"
  fi
}

if start_server limit "$limit" --listen 127.0.0.1:0; then
  run_pair limit "$server_pid" "$server_port"
else
  check "limit_server starts" fail "no 'listening on' line"
fi

if start_server roomcast "$roomcast" --listen 127.0.0.1:0 --data-dir "$tmp/data" \
  --config "$here/configs/roomcast-bench.toml"; then
  run_pair roomcast "$server_pid" "$server_port"
else
  check "roomcast starts" fail "no 'listening on' line"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
