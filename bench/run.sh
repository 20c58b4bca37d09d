#!/usr/bin/env bash
# Side-by-side benchmark: the same load generator against roomcast, the Node
# `ws` conference server, the socket.io@4 /chat server and the C++ limit
# server, alternating between them in one run, all on 127.0.0.1.
#
#   bench/run.sh fanout|rooms|idle|storm|durable|shop|fanout-deflate|all [--quick]
#
# fanout-deflate: fanout with permessage-deflate on both sides (loadgen
# --deflate --prose, chat of a few hundred bytes), roomcast against the Node
# `ws` server with perMessageDeflate on (WS_DEFLATE=1); not part of "all".
#
# Writes bench/results/SCENARIO.md and SCENARIO.png and ends with one line per
# comparison: "ratio roomcast/PEER: X.XX" and "cpu-per-delivery roomcast/PEER: X.XX".
# --quick: small sizes, one round, about a minute per scenario.
# Environment: BENCH_ROUNDS (rounds per server, default 3; --quick: 1),
# BENCH_THREADS (loadgen threads, default 1), BENCH_BUILD_DIR (default build-bench),
# BENCH_QUIET_WAIT (seconds to wait before a run for other processes to use
# under half a core; default 60, --quick: 0).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
scenario=
quick=0
for a in "$@"; do
  case $a in
  --quick) quick=1 ;;
  fanout | rooms | idle | storm | durable | shop | fanout-deflate | all) scenario=$a ;;
  *) echo "usage: bench/run.sh fanout|rooms|idle|storm|durable|shop|fanout-deflate|all [--quick]" >&2; exit 2 ;;
  esac
done
[ -n "$scenario" ] || { echo "usage: bench/run.sh fanout|rooms|idle|storm|durable|shop|fanout-deflate|all [--quick]" >&2; exit 2; }

rounds=${BENCH_ROUNDS:-$([ $quick = 1 ] && echo 1 || echo 3)}
threads=${BENCH_THREADS:-1}
quiet_wait=${BENCH_QUIET_WAIT:-$([ $quick = 1 ] && echo 0 || echo 60)}
bdir=${BENCH_BUILD_DIR:-$root/build-bench}
results=$here/results
work=$(mktemp -d /tmp/roomcast-bench.XXXXXX)
mkdir -p "$results"
say() { echo "run.sh: $*"; }
exec 3>&1 # loadgen's progress reaches the terminal while its stdout is captured

# -- cleanup: every server this script started dies with it --------------------
pids=()
stop_pid() {
  local p=$1
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
autogroup_nice=
cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p"; done
  [ -n "$autogroup_nice" ] && echo "$autogroup_nice" >/proc/self/autogroup 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -- tools ---------------------------------------------------------------------
apt_install() {
  say "installing $*"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ -x "$root/scripts/install-deps" ]; then "$root/scripts/install-deps" >/dev/null || say "scripts/install-deps failed"; fi
command -v gnuplot >/dev/null || apt_install gnuplot-nox
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
command -v cmake >/dev/null && command -v ninja >/dev/null || apt_install cmake ninja-build g++

# -- build: roomcast and the tools, Release, in build-bench -------------------
tools=$bdir/bench
roomcast_bin=
roomcast_why=
say "building in $bdir (log: $work/build.log)"
if [ ! -f "$bdir/build.ninja" ]; then
  cmake -S "$root" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >>"$work/build.log" 2>&1 || true
fi
if [ -f "$bdir/build.ninja" ] && cmake --build "$bdir" -j2 --target loadgen limit_server >>"$work/build.log" 2>&1; then
  if cmake --build "$bdir" -j2 --target roomcast >>"$work/build.log" 2>&1; then
    roomcast_bin=$bdir/roomcast
  else
    roomcast_why="roomcast does not build right now (see cmake --build $bdir --target roomcast)"
  fi
else
  # The whole project does not configure or build: build the tools alone.
  roomcast_why="the project does not configure or build right now"
  tsrc=$work/tools-src
  mkdir -p "$tsrc"
  cat >"$tsrc/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.22)
project(roomcast_bench_tools LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER \${CCACHE_PROGRAM})
endif()
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
set(ROOMCAST_BENCH_TOOLS_ONLY ON)
add_subdirectory("$here" bench)
EOF
  cmake -S "$tsrc" -B "$bdir-tools" -G Ninja -DCMAKE_BUILD_TYPE=Release >>"$work/build.log" 2>&1 &&
    cmake --build "$bdir-tools" -j2 --target loadgen limit_server >>"$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log"; say "cannot build the load generator"; exit 1; }
  tools=$bdir-tools/bench
fi
loadgen=$tools/loadgen
limit=$tools/limit_server
[ -n "$roomcast_bin" ] || say "roomcast will be skipped: $roomcast_why"

# -- Node peers ------------------------------------------------------------------
peers_ok=1
if [ ! -d "$here/peers/node_modules" ] || [ "$here/peers/package-lock.json" -nt "$here/peers/node_modules" ]; then
  say "installing the Node peers (npm ci)"
  (cd "$here/peers" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; }) \
    >>"$work/npm.log" 2>&1 || { peers_ok=0; say "npm failed, the ws and socket.io peers will be skipped"; tail -5 "$work/npm.log"; }
fi

# -- servers ---------------------------------------------------------------------
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# Servers and loadgen run at a higher priority than anything else on the
# machine (a build, say), so a busy machine disturbs every server less.
# With autogroup scheduling, nice only ranks processes within one session, so
# this session's group is raised too (and restored on exit).
prio=()
if [ "$(id -u)" -eq 0 ] && nice -n -10 true 2>/dev/null; then prio=(nice -n -10); fi
autogroup_nice=
if [ "$(id -u)" -eq 0 ] && [ -w /proc/self/autogroup ]; then
  autogroup_nice=$(sed -n 's/.*nice \(-\?[0-9]*\).*/\1/p' /proc/self/autogroup)
  echo -10 >/proc/self/autogroup 2>/dev/null || autogroup_nice=
fi
fd_max=$(( $(ulimit -n) - 300 ))
server_pid=
server_port=
data_n=0
# start_server NAME: sets server_pid and server_port, or returns 1.
start_server() {
  local name=$1 log=$work/$1.log
  : >"$log"
  case $name in
  roomcast)
    data_n=$((data_n + 1))
    "${prio[@]}" "$roomcast_bin" --listen 127.0.0.1:0 --data-dir "$work/data-$data_n" \
      --config "$here/configs/roomcast-bench.toml" >"$log" 2>&1 &
    ;;
  ws) "${prio[@]}" node "$here/peers/conference_ws.js" 0 >"$log" 2>&1 & ;;
  wsdeflate) WS_DEFLATE=1 "${prio[@]}" node "$here/peers/conference_ws.js" 0 >"$log" 2>&1 & ;;
  shopws) JWT_SECRET=roomcast-bench-secret "${prio[@]}" node "$here/peers/shop_ws.js" 0 >"$log" 2>&1 & ;;
  socketio) JWT_SECRET=roomcast-bench-secret "${prio[@]}" node "$here/peers/chatrooms_socketio.js" 0 >"$log" 2>&1 & ;;
  limit) "${prio[@]}" "$limit" --listen 127.0.0.1:0 >"$log" 2>&1 & ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 300); do
    server_port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$log" | head -1 | sed 's/.*://' || true)
    [ -n "$server_port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  say "$name did not start; its log:"
  tail -10 "$log"
  stop_server
  return 1
}
stop_server() {
  [ -n "$server_pid" ] && stop_pid "$server_pid"
  local keep=()
  for p in "${pids[@]}"; do [ "$p" != "$server_pid" ] && keep+=("$p"); done
  pids=("${keep[@]}")
  server_pid=
}

field() { grep -o "\"$2\":[-0-9.]*" <<<"$1" | head -1 | cut -d: -f2; }

# Percent of one core that other processes used over half a second.
background_cpu() {
  local a b
  a=($(head -1 /proc/stat))
  sleep 0.5
  b=($(head -1 /proc/stat))
  local total=0 idle
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $(( total > 0 ? (total - idle) * 100 * $(nproc) / total : 0 ))
}

# Does roomcast serve Socket.IO /chat yet? One client tries to connect and join.
roomcast_sio=0
roomcast_sio_why="roomcast does not serve /socket.io/ (Socket.IO /chat) yet"
probe_roomcast_sio() {
  [ -n "$roomcast_bin" ] || return 0
  start_server roomcast || return 0
  local out
  out=$("$loadgen" --target "127.0.0.1:$server_port" --dialect socketio --scenario idle --connections 1 \
    --duration 0 --handshake-timeout 3 --max-seconds 10 --no-progress 2>/dev/null || true)
  stop_server
  if [ "$(field "$out" joined)" = 1 ]; then roomcast_sio=1; fi
}

# -- scenarios -------------------------------------------------------------------
cap() { echo $(( $1 < fd_max ? $1 : fd_max )); }
scenario_args() { # SCENARIO -> loadgen arguments
  if [ $quick = 1 ]; then
    case $1 in
    fanout) echo "--connections 200 --rate 250 --rate-factor 4 --rate-max 1e7 --max-steps 4 --duration 1 --warmup 1 --drain 1 --max-seconds 30" ;;
    # ws compressing per recipient keeps up with far less: start low.
    fanout-deflate) echo "--connections 200 --rate 5 --rate-factor 4 --rate-max 1e7 --max-steps 7 --duration 1 --warmup 1 --drain 1 --max-seconds 60 --deflate --prose --payload 300" ;;
    rooms) echo "--connections 500 --room-size 10 --rate 2 --rate-factor 4 --rate-max 1e6 --max-steps 4 --duration 1 --warmup 1 --drain 1 --max-seconds 30" ;;
    durable) echo "--connections 200 --room-size 10 --rate 2 --rate-factor 4 --rate-max 1e6 --max-steps 4 --duration 1 --warmup 1 --drain 1 --max-seconds 30" ;;
    idle) echo "--connections $(cap 5000) --room-size 10 --duration 2 --max-seconds 30" ;;
    storm) echo "--connections $(cap 6000) --room-size 10 --rate 1500 --rate-factor 2 --rate-max 1e6 --max-steps 3 --duration 1 --handshake-timeout 5 --max-seconds 30" ;;
    shop) echo "--connections 500 --senders 10 --rate 4 --rate-factor 3 --rate-max 1e6 --max-steps 5 --duration 1 --warmup 1 --drain 1 --max-seconds 40" ;;
    esac
  else
    case $1 in
    fanout) echo "--connections 1000 --rate 20 --rate-factor 2 --rate-max 1e7 --max-steps 12 --duration 3 --warmup 2 --drain 3 --max-seconds 240" ;;
    fanout-deflate) echo "--connections 1000 --rate 2 --rate-factor 2 --rate-max 1e7 --max-steps 13 --duration 3 --warmup 2 --drain 3 --max-seconds 300 --deflate --prose --payload 300" ;;
    rooms) echo "--connections 5000 --room-size 10 --rate 0.5 --rate-factor 2 --rate-max 1e6 --max-steps 12 --duration 3 --warmup 2 --drain 3 --max-seconds 240" ;;
    durable) echo "--connections 2000 --room-size 10 --rate 0.5 --rate-factor 2 --rate-max 1e6 --max-steps 12 --duration 3 --warmup 2 --drain 3 --max-seconds 240" ;;
    idle) echo "--connections $(cap 19000) --room-size 10 --duration 5 --max-seconds 240" ;;
    storm) echo "--connections $(cap 19000) --room-size 10 --rate 500 --rate-factor 2 --rate-max 1e6 --max-steps 8 --duration 2 --handshake-timeout 10 --max-seconds 240" ;;
    shop) echo "--connections $(cap 3000) --senders 20 --rate 1 --rate-factor 2 --rate-max 1e6 --max-steps 12 --duration 3 --warmup 2 --drain 3 --max-seconds 240" ;;
    esac
  fi
}

# run_scenario SCENARIO: every server, alternating, ROUNDS rounds; then the report.
all_ratios=()
run_scenario() {
  local scen=$1 raw=$work/$1.raw
  : >"$raw"
  local -a args
  read -r -a args <<<"$(scenario_args "$scen")"
  # server:dialect pairs; Socket.IO pairs compare roomcast's /chat with socket.io.
  local combos=("roomcast:conference" "ws:conference" "limit:conference" "socketio:socketio" "roomcast:socketio")
  # shop: roomcast's shop dialect against the Node `ws` server written like the contract's.
  [ "$scen" = shop ] && combos=("roomcast:shop" "shopws:shop")
  # fanout-deflate: compression on for both (the loadgen offers it, as browsers do).
  [ "$scen" = fanout-deflate ] && combos=("roomcast:conference" "wsdeflate:conference")
  say "== $scen: ${args[*]} (rounds: $rounds, loadgen threads: $threads)"
  for c in "${combos[@]}"; do
    local srv=${c%%:*} dia=${c##*:}
    if [ "$srv" = roomcast ] && [ -z "$roomcast_bin" ]; then
      echo "{\"server\":\"roomcast\",\"dialect\":\"$dia\",\"skipped\":\"$roomcast_why\"}" >>"$raw"
    elif [ "$srv" = roomcast ] && [ "$dia" = socketio ] && [ $roomcast_sio = 0 ]; then
      say "skipping roomcast (socketio): $roomcast_sio_why"
      echo "{\"server\":\"roomcast\",\"dialect\":\"socketio\",\"skipped\":\"$roomcast_sio_why\"}" >>"$raw"
    elif { [ "$srv" = ws ] || [ "$srv" = wsdeflate ] || [ "$srv" = socketio ] || [ "$srv" = shopws ]; } && [ $peers_ok = 0 ]; then
      echo "{\"server\":\"$srv\",\"dialect\":\"$dia\",\"skipped\":\"npm install failed\"}" >>"$raw"
    fi
  done
  local n=${#combos[@]}
  for ((r = 1; r <= rounds; r++)); do
    # Rotate the order each round so no server always runs first (or last).
    for ((k = 0; k < n; k++)); do
      local c=${combos[$(((k + r - 1) % n))]}
      local srv=${c%%:*} dia=${c##*:}
      [ "$srv" = roomcast ] && [ -z "$roomcast_bin" ] && continue
      [ "$srv" = roomcast ] && [ "$dia" = socketio ] && [ $roomcast_sio = 0 ] && continue
      { [ "$srv" = ws ] || [ "$srv" = wsdeflate ] || [ "$srv" = socketio ] || [ "$srv" = shopws ]; } && [ $peers_ok = 0 ] && continue
      local bg waited=0
      bg=$(background_cpu)
      while [ "$bg" -gt 50 ] && [ $waited -lt "$quiet_wait" ]; do
        [ $waited = 0 ] && say "other processes use ${bg}% of a core; waiting up to ${quiet_wait}s for a quieter machine"
        sleep 1.5
        waited=$((waited + 2))
        bg=$(background_cpu)
      done
      if ! start_server "$srv"; then
        echo "{\"server\":\"$srv\",\"dialect\":\"$dia\",\"round\":$r,\"error\":\"did not start\"}" >>"$raw"
        continue
      fi
      say "round $r: $srv ($dia) on port $server_port, pid $server_pid"
      local out
      out=$("${prio[@]}" "$loadgen" --target "127.0.0.1:$server_port" --dialect "$dia" --scenario "${scen%-deflate}" \
        --server-pid "$server_pid" --label "$srv" --threads "$threads" "${args[@]}" \
        2> >(grep --line-buffered '^loadgen:' | sed -u "s/^loadgen:/  $srv:/" >&3) || true)
      stop_server
      if [ "${out:0:1}" = "{" ]; then
        echo "{\"server\":\"$srv\",\"dialect\":\"$dia\",\"round\":$r,\"background_cpu\":$bg,\"result\":$out}" >>"$raw"
      else
        echo "{\"server\":\"$srv\",\"dialect\":\"$dia\",\"round\":$r,\"error\":\"loadgen printed no result\"}" >>"$raw"
      fi
    done
  done
  cp "$raw" "$results/$scen.raw"
  local cmd="bench/run.sh $scen$([ $quick = 1 ] && echo ' --quick')"
  local v
  for v in BENCH_ROUNDS BENCH_THREADS BENCH_QUIET_WAIT; do
    [ -n "${!v:-}" ] && cmd="$v=${!v} $cmd"
  done
  local machine
  machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/{print $2}') GiB, Debian $(cat /etc/debian_version 2>/dev/null), Linux $(uname -r), roomcast $(git -C "$root" rev-parse --short HEAD 2>/dev/null), loadgen threads $threads, $(date -u '+%Y-%m-%d %H:%M UTC')"
  local ratios
  ratios=$(node "$here/report.js" "$scen" "$raw" "$results" "$work" "$cmd" "$machine") ||
    { say "report.js failed on $raw"; return 0; }
  gnuplot "$work/$scen.gp" 2>"$work/gnuplot.log" || { say "gnuplot failed:"; cat "$work/gnuplot.log"; }
  say "wrote $results/$scen.md and $results/$scen.png"
  all_ratios+=("== $scen ==")
  while IFS= read -r l; do all_ratios+=("$l"); done <<<"$ratios"
}

probe_roomcast_sio
[ -n "$roomcast_bin" ] && [ $roomcast_sio = 0 ] && say "$roomcast_sio_why: its Socket.IO runs are skipped"

if [ "$scenario" = all ]; then
  for s in fanout rooms idle storm durable shop; do run_scenario "$s"; done
else
  run_scenario "$scenario"
fi

echo
for l in "${all_ratios[@]}"; do
  # A single scenario prints only its ratio lines; "all" keeps the headers.
  if [ "$scenario" != all ] && [ "${l:0:2}" = "==" ]; then continue; fi
  echo "$l"
done
