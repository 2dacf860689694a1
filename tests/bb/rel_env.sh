#!/usr/bin/env bash
# supd's own NOTIFY_SOCKET (from systemd) is not passed to its programs,
# as LISTEN_* are not: a program's sd_notify("READY=1") would otherwise be
# taken by the service manager for supd's.  A program may still be given
# one by its own environment= line.
. "$(dirname "$0")/lib.sh"
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[program:plain]
command=sh -c 'env > @T@/env.plain; exec sleep 100'
startsecs=0

[program:own]
command=sh -c 'env > @T@/env.own; exec sleep 100'
environment=NOTIFY_SOCKET="@T@/own-notify"
startsecs=0
EOC

# Nobody listens there: supd's notifications fail (logged), which is
# beside the point here.
NOTIFY_SOCKET="$T/notify" bb_start
bb_wait 10 test -s "$T/env.plain"
bb_wait 10 test -s "$T/env.own"
grep -q '^SUPERVISOR_PROCESS_NAME=plain$' "$T/env.plain" || fail "env.plain is not the program's environment"
if grep -q '^NOTIFY_SOCKET=' "$T/env.plain"; then
	fail "a program inherited supd's $(grep '^NOTIFY_SOCKET=' "$T/env.plain")"
fi
ok "supd's NOTIFY_SOCKET does not reach the programs"
expect_eq "NOTIFY_SOCKET=$T/own-notify" "$(grep '^NOTIFY_SOCKET=' "$T/env.own")" "a program's own NOTIFY_SOCKET"
ok "a program's own environment= NOTIFY_SOCKET is kept"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
