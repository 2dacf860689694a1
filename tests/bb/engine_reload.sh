#!/usr/bin/env bash
# SIGHUP reload: unchanged programs keep their pid, changed ones restart,
# removed ones stop, added ones start; a broken config changes nothing.
. "$(dirname "$0")/lib.sh"
bb_setup

header='[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
loglevel=debug
'

{
	echo "$header"
	cat <<'EOC'
[program:keep]
command=sleep 100
startsecs=0

[program:change]
command=sleep 100
startsecs=0

[program:remove]
command=sleep 100
startsecs=0

[program:manual]
command=sleep 100
autostart=false
EOC
} | bb_conf
bb_start
bb_wait_log 5 "spawned: 'remove'"
keep=$(bb_log_pid keep)
change=$(bb_log_pid change)
remove=$(bb_log_pid remove)

{
	echo "$header"
	cat <<'EOC'
[program:keep]
command=sleep 100
startsecs=0

[program:change]
command=sleep 101
startsecs=0

[program:manual]
command=sleep 100
autostart=false

[program:added]
command=sleep 100
startsecs=0
EOC
} | bb_conf
kill -HUP "$SUPD_PID"
bb_wait_log 5 "spawned: 'added'"
bb_wait_log 5 "stopped: remove"
respawned() { [ "$(bb_log_pid change)" != "$change" ]; }
bb_wait 5 respawned

expect_eq "$keep" "$(bb_log_pid keep)" "keep's pid after reload"
kill -0 "$keep" || fail "keep's process is gone"
expect_eq 1 "$(grep -c "spawned: 'keep'" "$T/supd.log")" "keep spawns"
ok "unchanged program keeps running with the same pid"
grep -q "stopped: change" "$T/supd.log" || fail "old change not stopped"
kill -0 "$change" 2>/dev/null && fail "old change process alive"
ok "changed program restarted"
kill -0 "$remove" 2>/dev/null && fail "removed process alive"
ok "removed program stopped"
grep -q "spawned: 'manual'" "$T/supd.log" && fail "autostart=false program started"
ok "added program started, autostart=false left alone"

# A broken config: nothing changes.
lines=$(wc -l <"$T/supd.log")
cp "$T/supd.conf" "$T/good.conf"
{
	echo "$header"
	cat <<'EOC'
[program:keep]
command=sleep 100
startretries=notanumber
EOC
} | bb_conf
kill -HUP "$SUPD_PID"
bb_wait_log 5 "config file $T/supd.conf has errors, not reloading"
# Signals are handled in order: once USR2 is logged, the HUP is done.
kill -USR2 "$SUPD_PID"
bb_wait_log 5 "received SIGUSR2 indicating log reopen request"
tail -n +"$((lines + 1))" "$T/supd.log" | grep -Eq "spawned:|stopped:|killing" &&
	fail "a broken reload changed processes"
for p in keep added; do
	kill -0 "$(bb_log_pid $p)" || fail "$p died after a broken reload"
done
ok "a broken config changes nothing"

bb_stop 10
expect_eq 0 "$SUPD_STATUS" "supd exit status"
