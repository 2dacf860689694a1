#!/usr/bin/env bash
# A deleted control socket file comes back on SIGHUP and on SIGUSR2 (also
# when the config has errors), and a second supd on the same config is
# refused while the first runs, even when the socket file is gone (a lock
# on "<socket>.lock").  Before, the deleted socket stayed gone until a
# restart, and a second supd started happily beside the first.
. "$(dirname "$0")/lib.sh"
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock
chmod=0700

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:keep]
command=sleep 1000
startsecs=0
EOC
ctl() { timeout 20 "$SUPCTL" -s "unix://$T/supd.sock" "$@"; }

bb_start
bb_wait 10 grep -q "success: keep entered RUNNING" "$T/supd.log"
keep=$(bb_log_pid keep)

for sig in USR2 HUP; do
	rm -f "$T/supd.sock"
	ctl status >/dev/null 2>&1 && fail "status worked with the socket deleted"
	kill -"$sig" "$SUPD_PID"
	bb_wait 10 test -S "$T/supd.sock"
	out=$(ctl status) || fail "status after SIG$sig: $out"
	echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep: $out"
	expect_eq 700 "$(stat -c %a "$T/supd.sock")" "the recreated socket's mode"
	ok "a deleted socket comes back on SIG$sig"
done

# SIGHUP with a broken config: the reload is refused, the socket still
# comes back.
cp "$T/supd.conf" "$T/good.conf"
printf '\n[program:broken\n' >>"$T/supd.conf"
rm -f "$T/supd.sock"
kill -HUP "$SUPD_PID"
bb_wait 10 test -S "$T/supd.sock"
grep -q "has errors, not reloading" "$T/supd.log" || fail "the broken config was not reported"
ctl status >/dev/null || fail "status after SIGHUP with a broken config"
cp "$T/good.conf" "$T/supd.conf"
ok "a deleted socket comes back on a SIGHUP whose config has errors"

# A second supd on the same config, the socket file deleted: refused.
rm -f "$T/supd.sock"
timeout 20 "$SUPD" -n -c "$T/supd.conf" >"$T/second.out" 2>"$T/second.err"
expect_eq 2 "$?" "the second supd's exit status"
grep -q "supd.sock.lock is locked: another supd serves" "$T/second.err" ||
	fail "the second supd did not say why: $(cat "$T/second.err")"
kill -0 "$SUPD_PID" || fail "the first supd died"
[ -e "$T/supd.sock" ] && fail "the second supd left a socket"
kill -USR2 "$SUPD_PID"
bb_wait 10 test -S "$T/supd.sock"
out=$(ctl status) || fail "status of the first supd: $out"
echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep: $out"
ok "a second supd on the same config is refused while the first runs, socket file or not"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
# The lock file stays; it is free once supd is gone.
bb_start
bb_wait 10 test -S "$T/supd.sock"
ctl status >/dev/null || fail "status of a supd started after the first stopped"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
ok "a new supd starts once the first has stopped"
