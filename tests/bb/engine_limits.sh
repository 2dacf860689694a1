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

case $(readlink "/proc/$(bb_log_pid lim)/fd/0") in
pipe:*) ok "stdin is a pipe when the limit allows" ;;
*) fail "stdin of lim: $(readlink "/proc/$(bb_log_pid lim)/fd/0")" ;;
esac

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"

# Phase 2: a descriptor limit too small for a stdin pipe per process.  All
# processes still start, every one with /dev/null as stdin, and supd says
# why once (with a large enough limit, as above, stdin is a pipe).
command -v setpriv >/dev/null || {
	echo "SKIP: no setpriv to run supd without CAP_SYS_RESOURCE"
	exit 0
}
bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd2.log
childlogdir=@T@
minfds=100

[program:many]
command=sleep 1000
process_name=%(program_name)s_%(process_num)d
numprocs=30
startsecs=0
stdout_logfile=@T@/many_%(process_num)d.out
stderr_logfile=@T@/many_%(process_num)d.err
EOF2
# 30 processes with two log files each need 256 spare + 30 x 6 descriptors
# with stdin pipes: more than 320.  Without CAP_SYS_RESOURCE supd cannot
# raise the hard limit.
(
	ulimit -Sn 320 && ulimit -Hn 320 &&
		exec setpriv --bounding-set -sys_resource "$SUPD" -n -c "$T/supd.conf"
) >"$T/supd2.stdout" 2>"$T/supd2.stderr" &
SUPD_PID=$!
BB_PIDS+=("$SUPD_PID")
all_running() { [ "$(grep -c 'success: many_' "$T/supd2.log" 2>/dev/null)" = 30 ]; }
bb_wait 15 all_running
grep -q "every process gets /dev/null as stdin" "$T/supd2.log" ||
	fail "no warning about stdin: $(grep -i stdin "$T/supd2.log")"
expect_eq 1 "$(grep -c 'gets /dev/null as stdin' "$T/supd2.log")" "warnings about stdin"
grep -q "spawnerr\|too many open files" "$T/supd2.log" && fail "a spawn failed: $(grep -m1 'spawnerr\|too many' "$T/supd2.log")"
p=$(sed -n "s/.*spawned: 'many_29' with pid \([0-9]*\).*/\1/p" "$T/supd2.log")
expect_eq /dev/null "$(readlink "/proc/$p/fd/0")" "stdin of many_29"
ok "30 processes under a 320-descriptor limit all run, stdin /dev/null, one warning"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
