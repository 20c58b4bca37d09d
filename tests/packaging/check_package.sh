#!/usr/bin/env bash
# Checks what `cmake --install` and `cpack -G DEB` ship, then runs the
# packaged binary with the packaged config.
#   check_package.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
build=$1 source=$2 version=$3
tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cmake --install into a temporary prefix"
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
[ -x "$prefix/bin/roomcast" ] || fail "no bin/roomcast"
cmp -s "$source/config/roomcast.toml" "$prefix/etc/roomcast/roomcast.toml" || fail "etc/roomcast/roomcast.toml differs"
unit=$prefix/lib/systemd/system/roomcast.service
[ -f "$unit" ] || fail "no lib/systemd/system/roomcast.service"
grep -qx "ExecStart=$prefix/bin/roomcast --config $prefix/etc/roomcast/roomcast.toml --data-dir /var/lib/roomcast" "$unit" \
  || fail "ExecStart does not name the installed binary and config: $(grep ExecStart= "$unit")"
for line in DynamicUser=yes StateDirectory=roomcast ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
            ProtectHome=yes KillSignal=SIGTERM 'ExecReload=/bin/kill -HUP $MAINPID' LimitNOFILE=1048576 \
            'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'; do
  grep -qxF "$line" "$unit" || fail "the unit lacks $line"
done
stop=$(sed -n 's/^TimeoutStopSec=//p' "$unit")
drain=$(sed -n 's/^drain_seconds = \([0-9]*\).*/\1/p' "$source/config/roomcast.toml")
[ "$stop" -gt "$drain" ] || fail "TimeoutStopSec=$stop is not above drain_seconds=$drain"
if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify"
  # Unknown keys and bad values are warnings with exit code 0: any output fails.
  out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
else
  echo "systemd-analyze not installed: unit verification skipped"
fi

step "cmake --install with the prefix /usr puts the config in /etc"
DESTDIR=$tmp/stage cmake --install "$build" --prefix /usr >/dev/null
[ -f "$tmp/stage/etc/roomcast/roomcast.toml" ] || fail "prefix /usr: no /etc/roomcast/roomcast.toml"
[ -x "$tmp/stage/usr/bin/roomcast" ] || fail "prefix /usr: no /usr/bin/roomcast"
grep -qx "ExecStart=/usr/bin/roomcast --config /etc/roomcast/roomcast.toml --data-dir /var/lib/roomcast" \
  "$tmp/stage/usr/lib/systemd/system/roomcast.service" || fail "prefix /usr: ExecStart"

step "cpack -G DEB"
(cd "$tmp" && cpack -G DEB -B "$tmp/deb" --config "$build/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1) \
  || { cat "$tmp/cpack.log"; fail "cpack"; }
deb=$(ls "$tmp"/deb/*.deb)
[ "$(echo "$deb" | wc -l)" = 1 ] || fail "expected one .deb, got: $deb"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = roomcast ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), project $version"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
field Depends | grep -q 'libc6' || fail "Depends (dpkg-shlibdeps) lacks libc6: $(field Depends)"
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/roomcast ./etc/roomcast/roomcast.toml ./usr/lib/systemd/system/roomcast.service; do
  echo "$contents" | grep -q " $f\$" || fail ".deb lacks $f"
done
mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
grep -qx /etc/roomcast/roomcast.toml "$tmp/control/conffiles" || fail "roomcast.toml is not a conffile"
echo "Depends: $(field Depends)"

step "the packaged binary runs"
dpkg-deb -x "$deb" "$tmp/root"
bin=$tmp/root/usr/bin/roomcast
[ "$("$bin" --version)" = "roomcast $version" ] || fail "--version: $("$bin" --version)"
mkdir "$tmp/data"
"$bin" --config "$tmp/root/etc/roomcast/roomcast.toml" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
  >"$tmp/out.log" 2>"$tmp/err.log" &
server=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out.log")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/err.log"; fail "the packaged binary exited"; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/err.log"; fail "no listening line"; }
health=$(curl -fsS "http://127.0.0.1:$port/healthz") || fail "/healthz"
[ "$health" = '{"status":"ok"}' ] || fail "/healthz answered $health"
[ -f "$tmp/data/roomcast.db" ] || fail "no database in the data directory"
kill -TERM "$server"
rc=0
wait "$server" || rc=$?
server=
[ "$rc" = 0 ] || { cat "$tmp/err.log"; fail "exit code $rc after SIGTERM"; }
echo "packaging: all checks passed"
