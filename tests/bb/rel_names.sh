#!/usr/bin/env bash
# Names that cannot be addressed are config errors, naming file:line: at
# start, and at a reload, which then changes nothing.  Before, [program:*]
# loaded, and `supctl stop '*'` then stopped every program.
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
command=sleep 100
startsecs=0
EOC
}

bad() {
	good
	printf '\n[program:*]\ncommand=sleep 100\nstartsecs=0\n' >>"$T/supd.conf"
}

# At start: exit 2 with the error on stderr, nothing started.
bad
timeout 20 "$SUPD" -n -c "$T/supd.conf" >"$T/start.out" 2>"$T/start.err"
expect_eq 2 "$?" "supd's exit status with [program:*]"
grep -q "supd.conf:16: \[program:\*\]: invalid name '\*'" "$T/start.err" ||
	fail "no file:line error for [program:*]: $(cat "$T/start.err")"
[ -S "$T/supd.sock" ] && fail "supd left a socket behind"
ok "[program:*] refused at start with file:line"

timeout 20 "$SUPD" --check -c "$T/supd.conf" >/dev/null 2>&1
expect_eq 2 "$?" "supd --check's exit status with [program:*]"
ok "[program:*] refused by --check"

# At a reload: refused, the running program untouched.
good
bb_start
bb_wait 10 grep -q "success: keep entered RUNNING" "$T/supd.log"
pid=$(bb_log_pid keep)
bad
kill -HUP "$SUPD_PID"
bb_wait_log 10 "config file .* has errors, not reloading"
bb_wait_log 10 "supd.conf:16: \[program:\*\]: invalid name"
out=$(timeout 10 "$SUPCTL" -c "$T/supd.conf" status) || true
echo "$out" | grep -q "^keep  *RUNNING  *pid $pid," || fail "keep after the refused reload: $out"
echo "$out" | grep -q '^\*' && fail "a program named * was added: $out"
ok "[program:*] refused at a reload, nothing changed"

# A control character or an overlong name, through supctl's reload.
good
printf '\n[program:bell\aname]\ncommand=sleep 100\n' >>"$T/supd.conf"
timeout 20 "$SUPD" --check -c "$T/supd.conf" 2>"$T/check.err"
expect_eq 2 "$?" "--check with a control character in a name"
grep -q 'supd.conf:16: \[program:bell\\x07name\]: invalid name .*control character 0x07' "$T/check.err" ||
	fail "control character: $(cat "$T/check.err")"
good
printf '\n[program:%s]\ncommand=sleep 100\n' "$(printf 'n%.0s' $(seq 129))" >>"$T/supd.conf"
timeout 20 "$SUPD" --check -c "$T/supd.conf" 2>"$T/check.err"
expect_eq 2 "$?" "--check with a 129-byte name"
grep -q 'longer than 128 bytes' "$T/check.err" || fail "long name: $(cat "$T/check.err")"
ok "control characters and names over 128 bytes are errors"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
