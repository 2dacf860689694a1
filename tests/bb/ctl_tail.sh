#!/usr/bin/env bash
# supctl tail / maintail, and tail -f following a log across rotations
# without losing or repeating a line.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:talker]
command=sh -c 'i=0; while :; do i=$((i+1)); echo "line $i"; case $i in *00) sleep 0.05;; esac; done'
startsecs=0
autostart=false
stdout_logfile=@T@/talker.log
stdout_logfile_maxbytes=4KB
stdout_logfile_backups=2
stderr_logfile=@T@/talker.err

[program:quiet]
command=sleep 1000
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
EOF


bb_start
bb_wait 10 test -S "$T/supd.sock"

set +e
out=$(ctl tail nosuch 2>&1)
rc=$?
set -e
expect_eq "nosuch: ERROR (no such process name)" "$out" "tail of an unknown name"
expect_eq 1 "$rc" "exit code of tail of an unknown name"
ok "tail of an unknown name"

# follow from before the first byte, through several rotations
"$SUPCTL" -c "$T/supd.conf" tail -f talker >"$T/follow.out" 2>&1 &
FPID=$!
BB_PIDS+=("$FPID")
bb_wait 5 grep -q 'Press Ctrl-C' "$T/follow.out"
ctl start talker >/dev/null
bb_wait 30 test -e "$T/talker.log.2"
# a few more rotations after the backups are all there
bb_wait 30 grep -q '^line 3000$' "$T/follow.out"
ctl stop talker >/dev/null
# The last line written (the current file may be empty: just rotated).
last=$(cat "$T"/talker.log* | sed -n 's/^line //p' | sort -n | tail -n 1)
bb_wait 10 grep -qx "line $last" "$T/follow.out"
kill "$FPID"
wait "$FPID" 2>/dev/null || true

head -n 1 "$T/follow.out" | grep -qx '==> Press Ctrl-C to exit <==' || fail "tail -f: no banner"
# Every line once, in order: line 1 .. the last one.
n=$(sed -n 's/^line \([0-9]*\)$/\1/p' "$T/follow.out" | awk 'BEGIN{want=1} $1!=want{print "gap at " want " got " $1; exit 1} {want++} END{print want-1}') ||
	fail "tail -f lost or repeated lines: $n"
expect_eq "$last" "$n" "lines followed"
ok "tail -f followed $n lines across rotations, none lost or repeated"

# plain tail: the last 1600 bytes by default, -N bytes
out=$(ctl tail talker)
# (the current file may be younger than 1600 bytes: it was just rotated)
[ ${#out} -le 1600 ] || fail "tail gave ${#out} bytes"
expect_eq "$(tail -c 1600 "$T/talker.log")" "$out" "tail of the current file"
out=$(ctl tail -20 talker)
[ ${#out} -le 20 ] || fail "tail -20 gave ${#out} bytes"
ok "tail, tail -N"

# stderr of a process that printed nothing there
out=$(ctl tail talker stderr)
expect_eq "" "$out" "tail of an empty stderr"
ok "tail stderr"

# maintail: supd's own log
out=$(ctl maintail)
echo "$out" | grep -q "spawned: 'talker'" || fail "maintail: $out"
out=$(ctl maintail -30)
[ ${#out} -le 30 ] || fail "maintail -30 gave ${#out} bytes"
"$SUPCTL" -c "$T/supd.conf" maintail -f >"$T/main.out" 2>&1 &
MPID=$!
BB_PIDS+=("$MPID")
bb_wait 5 grep -q 'Press Ctrl-C' "$T/main.out"
ctl stop quiet >/dev/null
bb_wait 10 grep -q "stopped: quiet" "$T/main.out"
kill "$MPID"
wait "$MPID" 2>/dev/null || true
ok "maintail, maintail -f"

# supervisord's own tail endpoints, for supervisorctl and its web tools
if command -v curl >/dev/null; then
	code() {
		curl -s -o /dev/null -m 2 -w '%{http_code}' --unix-socket "$T/supd.sock" "$@"
	}
	expect_eq 404 "$(code http://localhost/logtail/nosuch)" "/logtail of an unknown name"
	expect_eq 404 "$(code http://localhost/logtail/quiet)" "/logtail without a log file"
	expect_eq 400 "$(code -X POST http://localhost/logtail/talker)" "POST /logtail"
	# a stream: the first bytes arrive, then curl's time limit ends it
	curl -s -m 1 --unix-socket "$T/supd.sock" http://localhost/logtail/talker/stdout >"$T/lt.out" || true
	tail -c 1024 "$T/talker.log" | cmp -s - "$T/lt.out" ||
		fail "/logtail/talker/stdout is not the last 1024 bytes: $(head -c 200 "$T/lt.out")"
	curl -s -m 1 --unix-socket "$T/supd.sock" http://localhost/mainlogtail >"$T/mlt.out" || true
	grep -q "stopped: quiet" "$T/mlt.out" || fail "/mainlogtail: $(head -c 200 "$T/mlt.out")"
	ok "/logtail and /mainlogtail"
fi

# A follower that went away holds nothing: the fd count is back.
nfds() {
	ls /proc/"$SUPD_PID"/fd | wc -l
}
fds_le() {
	[ "$(nfds)" -le "$1" ]
}
fds_gt() {
	[ "$(nfds)" -gt "$1" ]
}
fds_before=$(nfds)
for i in 1 2 3; do
	"$SUPCTL" -c "$T/supd.conf" tail -f talker >/dev/null 2>&1 &
	p=$!
	BB_PIDS+=("$p")
	bb_wait 5 fds_gt "$fds_before"
	kill "$p"
	wait "$p" 2>/dev/null || true
	bb_wait 5 fds_le "$fds_before"
done
ok "abandoned followers release their fds"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
