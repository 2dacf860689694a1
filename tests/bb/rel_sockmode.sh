#!/usr/bin/env bash
# The unix control socket is born with no wider mode than its final one:
# under umask 000, the file bind(2) creates was 0777 until the chmod that
# followed, and a connection made in that window stayed open afterwards.
# A spy preloaded into supd (tests/bb/bindspy.so) records the socket
# file's mode right after each bind; nothing in it may be wider than the
# configured chmod=0700, at start and when a reload recreates the socket.
. "$(dirname "$0")/lib.sh"
SPY=${BINDSPY:-${TOP_BUILDDIR:-.}/tests/bb/bindspy.so}
[ -f "$SPY" ] || fail "no $SPY (make check builds it)"
SPY=$(cd "$(dirname "$SPY")" && pwd)/$(basename "$SPY")
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock
chmod=0700

[program:keep]
command=sleep 1000
startsecs=0
EOC

umask 000
# (a sanitizer build's runtime wants to come first; the spy has none)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	BINDSPY_OUT="$T/binds" LD_PRELOAD="$SPY" bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 test -s "$T/binds"
expect_eq 700 "$(stat -c %a "$T/supd.sock")" "the socket's final mode"
check_binds() {
	local path mode
	while read -r path mode; do
		case $path in "$T"/supd.sock*) ;; *) continue ;; esac
		[ $((8#$mode & 8#077)) = 0 ] || fail "$path was mode $mode right after bind (wider than 0700)"
	done <"$T/binds"
}
check_binds
ok "at start, the socket is never wider than its final mode"

rm -f "$T/supd.sock"
kill -USR2 "$SUPD_PID"
bb_wait 10 test -S "$T/supd.sock"
expect_eq 700 "$(stat -c %a "$T/supd.sock")" "the recreated socket's final mode"
expect_eq 2 "$(grep -c "^$T/supd.sock" "$T/binds")" "binds of the control socket seen by the spy"
check_binds
ok "recreated, the socket is never wider than its final mode (modes at bind: $(awk '{print $2}' "$T/binds" | sort -u | tr '\n' ' '))"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
