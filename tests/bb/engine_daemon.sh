#!/usr/bin/env bash
# Without -n supd daemonizes: the parent exits 0, the daemon writes its
# pidfile, runs its programs in a new session, and on SIGTERM stops them and
# removes the pidfile.
. "$(dirname "$0")/lib.sh"
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
directory=@T@

[program:s]
command=sleep 100
startsecs=0
EOC
"$SUPD" -c "$T/supd.conf" >"$T/supd.stdout" 2>"$T/supd.stderr"
expect_eq 0 "$?" "exit status of the launching supd"
bb_wait 5 test -s "$T/supd.pid"
SUPD_PID=$(cat "$T/supd.pid")
BB_PIDS+=("$SUPD_PID")
bb_wait_log 5 "spawned: 's' with pid"
expect_eq "$SUPD_PID" "$(awk '{print $6}' "/proc/$SUPD_PID/stat")" "the daemon's session id"
expect_eq "$T" "$(readlink "/proc/$SUPD_PID/cwd")" "the daemon's directory"
s=$(bb_log_pid s)
ok "daemonized with a pidfile and its own session"

kill -TERM "$SUPD_PID"
bb_wait 10 bb_not_alive "$SUPD_PID"
grep -q "stopped: s (terminated by SIGTERM)" "$T/supd.log" || fail "program not stopped"
kill -0 "$s" 2>/dev/null && fail "program $s survived"
[ -e "$T/supd.pid" ] && fail "pidfile left behind"
ok "SIGTERM stops the daemon, its programs, and removes the pidfile"

# A start-up failure is on stderr whatever the mode: a second supd whose
# socket another supd holds says why and exits 2, in daemon mode too (it
# used to exit 2 silently, the reason only in the log); the waiting parent
# takes the daemon's status.
cat >>"$T/supd.conf" <<EOC

[unix_http_server]
file=$T/supd.sock
EOC
rm -f "$T/supd.log"
bb_start
bb_wait 10 test -S "$T/supd.sock"
for mode in daemon silent; do
	args=()
	[ $mode = silent ] && args=(-n -s)
	rc=0
	timeout 20 "$SUPD" "${args[@]}" -c "$T/supd.conf" >"$T/second.out" 2>"$T/second.err" || rc=$?
	expect_eq 2 "$rc" "exit status of a second supd ($mode)"
	grep -q "^Error: Another program is already listening.*$T/supd.sock" "$T/second.err" ||
		fail "second supd ($mode): no reason on stderr: $(cat "$T/second.err")"
	ok "a second supd ($mode) says why on stderr and exits 2"
done
bb_stop
