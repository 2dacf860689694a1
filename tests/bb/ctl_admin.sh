#!/usr/bin/env bash
# supctl's config commands against a real supd: avail, reread, update, add,
# remove, reload, clear, version; and authentication on the socket.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

head_conf() {
	cat <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock
username=admin
password={SHA}fef341f85d87439e7d91a2d465b9871ef66b5e98

[supervisorctl]
serverurl=unix://@T@/supd.sock
username=admin
password=s3cret
EOF
}

{
	head_conf
	cat <<'EOF'

[program:a]
command=sleep 1000
startsecs=0
priority=10

[program:b]
command=sleep 1001
startsecs=0
EOF
} | bb_conf




bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 sh -c "\"$SUPCTL\" -c '$T/supd.conf' status | grep -c RUNNING | grep -qx 2"

# authentication: the config's credentials work, none or wrong do not
set +e
out=$("$SUPCTL" -s "unix://$T/supd.sock" status 2>&1)
rc=$?
set -e
expect_eq "Server requires authentication" "$out" "status without credentials"
expect_eq 4 "$rc" "exit code of status without credentials"
set +e
out=$("$SUPCTL" -s "unix://$T/supd.sock" -u admin -p wrong start a 2>&1)
rc=$?
set -e
expect_eq "Server requires authentication" "$out" "start with a wrong password"
expect_eq 1 "$rc" "exit code with a wrong password"
"$SUPCTL" -s "unix://$T/supd.sock" -u admin -p s3cret status a | grep -q RUNNING ||
	fail "status with -u/-p"
ok "basic auth ({SHA} password)"

expect_run 0 "$(printf '%-32s %-9s %-9s %s\n%-32s %-9s %-9s %s' a 'in use' auto 10:10 b 'in use' auto 999:999)" avail
run avail --json
echo "$OUT" | grep -q '"inuse": true' || fail "avail --json: $OUT"
expect_run 0 "No config updates to processes" reread

# change a, remove b, add c
{
	head_conf
	cat <<'EOF'

[program:a]
command=sleep 1002
startsecs=0
priority=10

[program:c]
command=sleep 1003
startsecs=0
EOF
} | bb_conf
expect_run 0 "a: changed
b: disappeared
c: available" reread
# avail lists the config just re-read: c is there, not yet in use
run avail
expect_eq 0 "$RC" "exit code of avail after reread"
echo "$OUT" | grep -qE '^c +avail +auto +999:999$' || fail "avail after reread does not list c as available:
$OUT"
expect_run 0 "b: stopped
b: removed process group
a: stopped
a: updated process group
c: added process group" update
run status
expect_eq 0 "$RC" "status after update"
[ "$(echo "$OUT" | cut -d' ' -f1 | tr '\n' ' ')" = "a c " ] || fail "status after update:
$OUT"
echo "$OUT" | grep -q '^b' && fail "b still there"
tr '\0' ' ' <"/proc/$(ctl pid a)/cmdline" | grep -q '^sleep 1002 $' || fail "a does not run its new command"
expect_run 0 "No config updates to processes" reread
ok "reread + update"

# add / remove
expect_run 1 "ERROR: process/group still running: c" remove c
expect_run 0 "c: stopped" stop c
expect_run 0 "c: removed process group" remove c
expect_run 1 "ERROR: no such process/group: c" remove c
expect_run 0 "c: added process group" add c
expect_run 0 "ERROR: process group already active" add c
expect_run 1 "ERROR: no such process/group: nosuch" add nosuch
bb_wait 10 sh -c "\"$SUPCTL\" -c '$T/supd.conf' status c | grep -q RUNNING"
ok "add starts an autostart group"

# a broken config is refused by reread, and nothing changes
cp "$T/supd.conf" "$T/good.conf"
printf '\n[program:broken]\nautostart=maybe\n' >>"$T/supd.conf"
run reread
expect_eq 1 "$RC" "exit code of reread of a broken config"
echo "$OUT" | grep -q '^ERROR: CANT_REREAD: ' || fail "reread of a broken config: $OUT"
cp "$T/good.conf" "$T/supd.conf"
ok "CANT_REREAD"

# clear
# a's current log (the update above left the earlier run's AUTO file too)
alog=$(ctl status --json a | sed -n 's/^ *"stdout_logfile": "\(.*\)",*$/\1/p')
[ -f "$alog" ] || fail "status --json names no stdout log for a: '$alog'"
echo "hello" >>"$alog"
expect_run 0 "a: cleared" clear a
[ ! -s "$alog" ] || fail "clear left bytes in a's log $alog"
expect_run 1 "nosuch: ERROR (no such process)" clear nosuch

# version
run version
expect_eq 0 "$RC" "version"
[ -n "$OUT" ] || fail "version printed nothing"
ok "version $OUT"

# reload: the config is read again and the difference applied, as with
# SIGHUP: changed programs restart, unchanged ones keep their pid
# (supervisord's reload restarts everything: doc/compat.md)
olda=$(ctl pid a)
oldc=$(ctl pid c)
sed -i 's/^command=sleep 1003$/command=sleep 1004/' "$T/supd.conf"
expect_run 0 "Restarted supervisord" reload
bb_wait 20 sh -c "p=\$(\"$SUPCTL\" -c '$T/supd.conf' pid c); [ \"\$p\" != 0 ] && [ \"\$p\" != $oldc ]"
expect_eq "$olda" "$(ctl pid a)" "pid of the unchanged program a after reload"
expect_run 0 "$SUPD_PID" pid
ok "reload"

# reload of a config with errors: nothing changes, and supctl says so, with
# the errors (file:line), and fails (it used to say "Restarted supervisord")
cp "$T/supd.conf" "$T/good.conf"
printf '\n[program:broken]\ncommand=\n' >>"$T/supd.conf"
line=$(grep -n '^command=$' "$T/supd.conf" | cut -d: -f1)
olda=$(ctl pid a)
expect_run 1 "ERROR: not reloading, the configuration has errors:
$T/supd.conf:$line: command is empty" reload
expect_eq "$olda" "$(ctl pid a)" "pid of a after a refused reload"
grep -q 'received a reload request' <(tail -n 3 "$T/supd.log") &&
	fail "supd was asked to reload a broken config"
cp "$T/good.conf" "$T/supd.conf"
ok "reload of a broken config is refused, naming the errors"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
