#!/usr/bin/env bash
# supctl reopen (supd's own command; supervisord only has SIGUSR2, #273):
# after an external rename, supd's log and a program's log are opened
# again by name, every line in exactly one of the two files; a path that
# cannot be opened is an error naming why, and the exit status says so.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:ticker]
command=sh -c 'i=0; while [ ! -e @T@/stop ]; do i=$((i+1)); echo line$i; sleep 0.01; done'
stdout_logfile=@T@/r.log
autorestart=false
startsecs=0
EOF
has_lines() { # file min
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

bb_start
bb_wait 10 has_lines "$T/r.log" 5
mv "$T/r.log" "$T/r.moved"
mv "$T/supd.log" "$T/supd.moved"
out=$(ctl reopen) || fail "supctl reopen failed: $out"
expect_eq "Reopened the log files" "$out" "supctl reopen"
bb_wait 10 has_lines "$T/r.log" 5
bb_wait 10 grep -q "INFO log files reopened$" "$T/supd.log"
# supd's own log also follows a rename by itself (it checks its path about
# once a second): the request's line is in the old file or the new one.
cat "$T/supd.moved" "$T/supd.log" | grep -q "control: POST /v1/reopen" || fail "the request not logged"
touch "$T/stop"
bb_wait 10 grep -q "exited: ticker (exit status 0" "$T/supd.log"
cat "$T/r.moved" "$T/r.log" >"$T/r.all"
n=$(wc -l <"$T/r.all")
seq 1 "$n" | sed 's/^/line/' | cmp -s - "$T/r.all" || fail "lines lost or doubled across reopen"
grep -q "success: ticker entered RUNNING" "$T/supd.moved" || fail "supd's old log lost its start"
ok "reopen after an external rename: every line once, supd's own log too"

# A directory where the log file should be: the error says so.
mv "$T/r.log" "$T/r.old"
mkdir "$T/r.log"
set +e
out=$(ctl reopen 2>&1)
rc=$?
set -e
expect_eq 1 "$rc" "supctl reopen's status when a log cannot be opened"
expect_eq "ERROR: reopening the logs: Is a directory (see supd's log)" "$out" "supctl reopen"
bb_wait 10 grep -q "reopening the logs of 'ticker': Is a directory" "$T/supd.log"
grep -q "INFO log files reopened, not all of them" "$T/supd.log" || fail "no partial reopen line"
ok "a log that cannot be reopened: an error naming why, in supctl and supd's log"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
