#!/usr/bin/env bash
# shutdown_on (supd's own option): a program whose exit, unexpected exit
# or FATAL ends supd, which stops the other programs and exits with the
# program's status (128+N for signal N, 1 for FATAL); a stop asked for by
# the operator ends nothing.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

# conf MAIN_OPTIONS...: a long-running "other" program and "main".
conf() {
	{
		cat <<EOC
[supervisord]
logfile=$T/supd.log
pidfile=$T/supd.pid

[unix_http_server]
file=$T/supd.sock

[supervisorctl]
serverurl=unix://$T/supd.sock

[program:other]
command=sleep 1000
startsecs=0

[program:main]
startsecs=0
EOC
		printf '%s\n' "$@"
	} >"$T/supd.conf"
}

# run: start supd, wait for it to exit by itself; sets SUPD_STATUS.
run_to_end() {
	: >"$T/supd.log"
	bb_start
	bb_wait_log 10 "success: other entered RUNNING"
	OTHER=$(bb_log_pid other)
	bb_wait 15 bb_not_alive "$SUPD_PID"
	wait "$SUPD_PID" 2>/dev/null
	SUPD_STATUS=$?
	kill -0 "$OTHER" 2>/dev/null && fail "other (pid $OTHER) still runs"
	return 0
}

conf "command=sh -c 'sleep 0.3; exit 3'" shutdown_on=exit
run_to_end
expect_eq 3 "$SUPD_STATUS" "supd's status after main exited 3"
grep -q "WARN main exited (exit status 3) (shutdown_on=exit): shutting down" "$T/supd.log" ||
	fail "no shutdown message"
grep -q "stopped: other" "$T/supd.log" || fail "other not stopped"
[ "$(grep -c "spawned: 'main'" "$T/supd.log")" = 1 ] || fail "main was restarted"
ok "shutdown_on=exit: supd stops everything and exits with the program's status"

conf "command=sh -c 'kill -TERM \$\$'" shutdown_on=exit
run_to_end
expect_eq 143 "$SUPD_STATUS" "supd's status after main was killed by SIGTERM"
ok "a program ended by a signal N: status 128+N"

# unexpected: the expected exit 0 restarts as usual, the exit 5 ends supd.
conf "command=sh -c 'if [ -e $T/ran ]; then sleep 0.3; exit 5; fi; touch $T/ran; sleep 0.3; exit 0'" \
	shutdown_on=unexpected autorestart=true
run_to_end
expect_eq 5 "$SUPD_STATUS" "supd's status after an unexpected exit"
[ "$(grep -c "spawned: 'main'" "$T/supd.log")" = 2 ] || fail "main not restarted after exit 0"
ok "shutdown_on=unexpected: an expected exit restarts, an unexpected one ends supd"

conf "command=$T/no-such-program" shutdown_on=fatal startretries=1
run_to_end
expect_eq 1 "$SUPD_STATUS" "supd's status after main went FATAL"
grep -q "main entered FATAL (shutdown_on=fatal): shutting down" "$T/supd.log" || fail "no FATAL message"
ok "shutdown_on=fatal: supd exits 1"

# The operator stopping it ends nothing; nor does a default program's exit.
conf "command=sleep 1000" shutdown_on=exit
: >"$T/supd.log"
bb_start
bb_wait_log 10 "success: main entered RUNNING"
"$SUPCTL" -c "$T/supd.conf" stop main >/dev/null || fail "stop main"
"$SUPCTL" -c "$T/supd.conf" status other | grep -q RUNNING || fail "other not running"
kill -0 "$SUPD_PID" || fail "supd ended after an operator's stop"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's status after SIGTERM"
ok "a stop by the operator does not end supd; SIGTERM still exits 0"

# A bad value names itself.
conf "command=true" shutdown_on=maybe
out=$("$SUPD" --check -c "$T/supd.conf" 2>&1)
expect_eq "$T/supd.conf:18: unknown value 'maybe' for shutdown_on (never, fatal, unexpected or exit)" "$out" "supd --check"
ok "a bad value is an error naming it"
