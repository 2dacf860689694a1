#!/usr/bin/env bash
# The state machine through supd's log: exits within and after startsecs,
# signals, backoff to FATAL, spawn errors named like supervisord, a child
# that ignores SIGTERM, and stopasgroup over a process tree.
. "$(dirname "$0")/lib.sh"
bb_setup

printf 'echo hi\n' >"$T/noexec.sh"
chmod 644 "$T/noexec.sh"
cat >"$T/stubborn.sh" <<'EOS'
trap '' TERM
while :; do sleep 0.1; done
EOS
cat >"$T/tree.sh" <<'EOS'
sleep 100 & echo $! >"$1/tree1.pid"
sleep 100 & echo $! >"$1/tree2.pid"
wait
EOS

bb_conf <<'EOC'
[supervisord]
; process groups and the orphan sweep are what this tests (cgroup_stop.sh: cgroups)
cgroups=off
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
loglevel=debug

[program:quick0]
command=sh -c 'exit 0'
startsecs=1
startretries=0

[program:quickkill]
command=sh -c 'kill -TERM $$'
startsecs=1
startretries=1

[program:ranexit1]
command=sh -c 'sleep 1.2; exit 1'
startsecs=1
autorestart=false

[program:ranexit0]
command=sh -c 'sleep 1.2; exit 0'
startsecs=1

[program:rankilled]
command=sh -c 'sleep 1.2; kill -KILL $$'
startsecs=1
autorestart=true

[program:nocmd]
command=/nonexistent/foo
startretries=0

[program:notinpath]
command=no-such-command-supd
startretries=0

[program:noexec]
command=@T@/noexec.sh
startretries=0

[program:baduser]
command=sleep 100
user=nosuchuser_supd
startretries=0

[program:badcwd]
command=sleep 100
directory=@T@/no/such/dir
startretries=0

[program:stubborn]
command=sh @T@/stubborn.sh
startsecs=0
stopwaitsecs=1

[program:tree]
command=sh @T@/tree.sh @T@
startsecs=0
stopasgroup=true
EOC
spawns_at_least() {
	[ "$(grep -c "spawned: '$1'" "$T/supd.log")" -ge "$2" ]
}

bb_start

bb_wait_log 5 "gave up: quick0 entered FATAL state, too many start retries too quickly"
grep -q "WARN exited: quick0 (exit status 0; not expected)" "$T/supd.log" ||
	fail "quick0 exit within startsecs"
ok "exit 0 within startsecs: BACKOFF, then FATAL (startretries=0)"

bb_wait_log 8 "gave up: quickkill entered FATAL"
n=$(grep -c "exited: quickkill (terminated by SIGTERM; not expected)" "$T/supd.log")
expect_eq 2 "$n" "quickkill attempts (startretries=1)"
expect_eq 2 "$(grep -c "spawned: 'quickkill'" "$T/supd.log")" "quickkill spawns"
ok "killed within startsecs: startretries+1 attempts, then FATAL"

bb_wait_log 8 "WARN exited: ranexit1 \(exit status 1; not expected\)"
grep -q "success: ranexit1 entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)" \
	"$T/supd.log" || fail "ranexit1 never RUNNING"
ok "exit 1 after startsecs: RUNNING then EXITED, not expected"

bb_wait_log 8 "INFO exited: ranexit0 \(exit status 0; expected\)"
ok "exit 0 after startsecs: EXITED, expected"

bb_wait_log 8 "exited: rankilled \(terminated by SIGKILL; not expected\)"
bb_wait 5 spawns_at_least rankilled 2
ok "killed after startsecs with autorestart=true: restarted"

grep -q "spawnerr: can't find command '/nonexistent/foo'" "$T/supd.log" || fail "nocmd spawnerr"
grep -q "spawnerr: can't find command 'no-such-command-supd'" "$T/supd.log" ||
	fail "notinpath spawnerr"
grep -q "spawnerr: command at '$T/noexec.sh' is not executable" "$T/supd.log" ||
	fail "noexec spawnerr"
grep -q "spawnerr: couldn't setuid to nosuchuser_supd: no such user" "$T/supd.log" ||
	fail "baduser spawnerr"
grep -q "spawnerr: couldn't chdir to $T/no/such/dir: No such file or directory" "$T/supd.log" ||
	fail "badcwd spawnerr"
bb_wait_log 3 "gave up: badcwd entered FATAL"
for p in nocmd notinpath noexec baduser; do
	grep -q "spawned: '$p'" "$T/supd.log" && fail "$p reported as spawned"
done
grep -q "exited: badcwd" "$T/supd.log" && fail "badcwd's failed exec reported as an exit"
ok "spawn errors are named; failures in the child are spawn errors, not exits"

expect_eq 1 "$(grep -c "spawned: 'ranexit1'" "$T/supd.log")" "ranexit1 spawns (autorestart=false)"
expect_eq 1 "$(grep -c "spawned: 'ranexit0'" "$T/supd.log")" "ranexit0 spawns (expected exit)"
ok "autorestart false/unexpected honoured"

bb_wait 3 test -s "$T/tree2.pid"
t1=$(cat "$T/tree1.pid")
t2=$(cat "$T/tree2.pid")
bb_stop 20
expect_eq 0 "$SUPD_STATUS" "supd exit status"
grep -q "killing 'stubborn' ([0-9]*) with SIGKILL" "$T/supd.log" || fail "stubborn not killed"
grep -q "stopped: stubborn (terminated by SIGKILL)" "$T/supd.log" || fail "stubborn stopped line"
ok "a child ignoring SIGTERM is killed after stopwaitsecs"
grep -q "killing tree (pid [0-9]*) process group with signal SIGTERM" "$T/supd.log" ||
	fail "tree not signalled as a group"
for t in "$t1" "$t2"; do
	grep -q "reaped unknown pid $t (terminated by SIGTERM)" "$T/supd.log" ||
		fail "tree child $t not terminated by the group signal"
	grep -q "orphan pid $t\$" "$T/supd.log" && fail "tree child $t survived the group stop"
	kill -0 "$t" 2>/dev/null && fail "tree child $t alive"
done
ok "stopasgroup signals the whole tree"
[ -e "$T/supd.pid" ] && fail "pidfile left behind"
ok "pidfile removed at exit"
