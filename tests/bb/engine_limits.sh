#!/usr/bin/env bash
# supd raises its own open-files limit (each program costs it several fds),
# but its children get the limit supd was started with, as under
# supervisord.
. "$(dirname "$0")/lib.sh"
bb_setup

# Start supd with a soft limit below the hard one, so that it has something
# to raise and its children something to get back.
hard=$(ulimit -Hn)
want=1024
[ "$hard" = unlimited ] || [ "$hard" -gt "$want" ] || {
	echo "SKIP: the hard open-files limit ($hard) leaves nothing to raise"
	exit 77
}
ulimit -Sn "$want"
bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@

[program:lim]
command=sh -c 'ulimit -Sn; exec sleep 1000'
startsecs=0
stdout_logfile=@T@/lim.log
EOF2
bb_start
bb_wait 10 test -s "$T/lim.log"
expect_eq "$want" "$(head -n 1 "$T/lim.log")" "the child's soft open-files limit"
ok "child gets supd's original open-files limit ($want)"

supd_soft=$(awk '/^Max open files/ {print $4}' "/proc/$SUPD_PID/limits")
[ "$supd_soft" -gt "$want" ] || fail "supd did not raise its own limit ($supd_soft)"
ok "supd's own limit is $supd_soft"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
