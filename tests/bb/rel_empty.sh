#!/usr/bin/env bash
# An empty or truncated config does not stop everything.  A config with no
# section is an error at start, in --check and at a reload (which then
# changes nothing); a reload that would remove every control channel (no
# [unix_http_server], no [inet_http_server]) is refused with the reason.
# Before, `: > supd.conf; kill -HUP` stopped every program and removed the
# socket, and --check called a 0-byte file OK.
. "$(dirname "$0")/lib.sh"
bb_setup

good() {
	bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:keep]
command=sleep 1000
startsecs=0
EOC
}
ctl() { timeout 20 "$SUPCTL" -s "unix://$T/supd.sock" "$@"; }

# --check and start-up.
: >"$T/empty.conf"
timeout 20 "$SUPD" --check -c "$T/empty.conf" >/dev/null 2>"$T/check.err"
expect_eq 2 "$?" "supd --check on a 0-byte file"
grep -q "empty.conf: the config has no section" "$T/check.err" || fail "--check: $(cat "$T/check.err")"
printf '; only comments\n# here\n' >"$T/comments.conf"
timeout 20 "$SUPD" --check -c "$T/comments.conf" >/dev/null 2>&1
expect_eq 2 "$?" "supd --check on a file of comments"
timeout 20 "$SUPD" -n -c "$T/empty.conf" >/dev/null 2>"$T/start.err"
expect_eq 2 "$?" "supd started on a 0-byte file"
grep -q "the config has no section" "$T/start.err" || fail "start: $(cat "$T/start.err")"
ok "a config with no section is an error in --check and at start"

good
bb_start
bb_wait 10 grep -q "success: keep entered RUNNING" "$T/supd.log"
keep=$(bb_log_pid keep)
ino=$(stat -c %i "$T/supd.sock")

# The config emptied, then SIGHUP: nothing changes.
: >"$T/supd.conf"
kill -HUP "$SUPD_PID"
bb_wait_log 10 "supd.conf: the config has no section"
grep -q "config file .*supd.conf has errors, not reloading" "$T/supd.log" || fail "no 'not reloading' line"
out=$(ctl status) || fail "status after the emptied config's SIGHUP: $out"
echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep: $out"
expect_eq "$ino" "$(stat -c %i "$T/supd.sock")" "the socket's inode"
ok "an emptied config's SIGHUP changes nothing"

out=$(ctl reload 2>&1)
expect_eq 1 "$?" "supctl reload's status on an emptied config (output: $out)"
echo "$out" | grep -q "the config has no section" || fail "supctl reload did not say why: $out"
ok "supctl reload of an emptied config is refused with the reason"

out=$(ctl update 2>&1)
expect_eq 1 "$?" "supctl update's status on an emptied config (output: $out)"
echo "$out" | grep -q "ERROR: CANT_REREAD: .*the config has no section" || fail "supctl update did not say why: $out"
out=$(ctl status) || fail "status: $out"
echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep after update: $out"
ok "supctl update of an emptied config is refused with the reason, nothing stopped"

# A config with programs but no control channel: refused with the reason.
printf '[supervisord]\nlogfile=%s/supd.log\npidfile=%s/supd.pid\n\n[program:keep]\ncommand=sleep 1000\nstartsecs=0\n\n[program:other]\ncommand=sleep 1000\n' "$T" "$T" >"$T/supd.conf"
out=$(ctl reload 2>&1)
expect_eq 1 "$?" "supctl reload's status with no control channel (output: $out)"
echo "$out" | grep -q "no \[unix_http_server\] or \[inet_http_server\]" || fail "supctl reload did not say why: $out"
n=$(grep -c "no \[unix_http_server\] or \[inet_http_server\]" "$T/supd.log")
kill -HUP "$SUPD_PID"
refused_more() { [ "$(grep -c "no \[unix_http_server\] or \[inet_http_server\]" "$T/supd.log")" -gt "$n" ]; }
bb_wait 10 refused_more
[ -S "$T/supd.sock" ] || fail "the socket is gone"
out=$(ctl status) || fail "status: $out"
echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep: $out"
echo "$out" | grep -q "^other" && fail "the refused reload added a program: $out"
ok "a reload that would remove every control channel is refused (supctl, SIGHUP)"

# The good config again: reloads as usual.
good
out=$(ctl reload 2>&1) || fail "reload of the good config: $out"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
