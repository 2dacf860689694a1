#!/usr/bin/env bash
# Signal dispositions and priority.  supd started with signals ignored
# (nohup, `trap ''`) still acts on SIGHUP and SIGUSR2, and its children start
# with every signal at its default and none blocked, whatever supd inherited
# or set for itself (it ignores SIGPIPE); they run at supd's own nice value
# (a spawn raises the child's priority only until it execs).
. "$(dirname "$0")/lib.sh"
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@

[program:s]
command=sleep 100
startsecs=0
EOC
# Ignored here, inherited through exec by supd.
(
	trap '' HUP USR1 USR2 INT
	exec nice -n 3 "$SUPD" -n -c "$T/supd.conf"
) >"$T/supd.stdout" 2>"$T/supd.stderr" &
SUPD_PID=$!
BB_PIDS+=("$SUPD_PID")
bb_wait_log 10 "success: s entered RUNNING"
grep -q '^SigIgn:.*[1-9a-f]' "/proc/$SUPD_PID/status" ||
	fail "the test's premise: supd ignores nothing ($(grep SigIgn "/proc/$SUPD_PID/status"))"
s=$(bb_log_pid s)
expect_eq "SigIgn:	0000000000000000" "$(grep '^SigIgn' "/proc/$s/status")" "the child's ignored signals"
expect_eq "SigBlk:	0000000000000000" "$(grep '^SigBlk' "/proc/$s/status")" "the child's blocked signals"
ok "the child starts with default dispositions and an empty mask"
# Relative to the test's own nice value: the suite may itself run niced.
want=$(($(nice) + 3))
[ "$want" -le 19 ] || want=19
expect_eq "$want" "$(ps -o ni= -p "$SUPD_PID" | tr -d ' ')" "supd's nice value"
expect_eq "$want" "$(ps -o ni= -p "$s" | tr -d ' ')" "the child's nice value"
ok "the child runs at supd's nice value"

kill -HUP "$SUPD_PID"
bb_wait_log 10 "reloading"
ok "SIGHUP reloads although supd was started with it ignored"
kill -USR2 "$SUPD_PID"
bb_wait_log 10 "received SIGUSR2 indicating log reopen"
ok "SIGUSR2 is handled too"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
