#!/usr/bin/env bash
# What a child inherits (fds 0, 1, 2 only; SUPERVISOR_* environment), and
# reaping: a double-forking program leaves no zombie, and at shutdown its
# orphaned descendants are stopped and waited for.
. "$(dirname "$0")/lib.sh"
bb_setup

# Leaves a short-lived orphan, then a long-lived one (which only the
# shutdown's orphan sweep ends), then runs on.
cat >"$T/dfork.sh" <<'EOS'
sh -c 'sleep 0.2 & echo $! >"$1/short.pid"' x "$1"
sh -c 'sleep 1000 & echo $! >"$1/long.pid"' x "$1"
exec sleep 1000
EOS

bb_conf <<'EOC'
[supervisord]
; process groups and the orphan sweep are what this tests (cgroup_stop.sh: cgroups)
cgroups=off
logfile=@T@/supd.log
childlogdir=@T@
loglevel=debug

[program:fds]
command=sh -c 'ls /proc/$$/fd; echo "env: $SUPERVISOR_ENABLED $SUPERVISOR_PROCESS_NAME $SUPERVISOR_GROUP_NAME $FROM_CONF"'
startsecs=0
autorestart=false
stdout_logfile=@T@/fds.out
environment=FROM_CONF="yes"

[program:dfork]
command=sh @T@/dfork.sh @T@
startsecs=0
EOC
# An inherited fd that is not close-on-exec must not reach the children.
exec 7>"$T/leak"
bb_start
exec 7>&-

bb_wait_log 5 "exited: fds \(exit status 0; expected\)"
expect_eq "0 1 2" "$(head -n 3 "$T/fds.out" | tr '\n' ' ' | sed 's/ $//')" "child's open fds"
grep -q "^env: 1 fds fds yes$" "$T/fds.out" || fail "child environment: $(tail -n 1 "$T/fds.out")"
ok "a child sees only fds 0, 1, 2, and the SUPERVISOR_* and program environment"

bb_wait 5 test -s "$T/long.pid"
short=$(cat "$T/short.pid")
long=$(cat "$T/long.pid")
bb_wait_log 5 "reaped unknown pid $short \(exit status 0\)"
zombies() {
	local s ppid st
	for s in /proc/[0-9]*/stat; do
		read -r st ppid < <(sed -e 's/^.*) //' "$s" 2>/dev/null | cut -d' ' -f1,2) || continue
		[ "$ppid" = "$SUPD_PID" ] && [ "$st" = Z ] && echo "${s//[^0-9]/}"
	done
}
[ -z "$(zombies)" ] || fail "zombies under supd: $(zombies)"
ok "a double-forked descendant is reaped, no zombie"

bb_stop 15
expect_eq 0 "$SUPD_STATUS" "supd exit status"
grep -q "sending SIGTERM to orphan pid $long" "$T/supd.log" || fail "orphan $long not signalled"
grep -q "reaped unknown pid $long (terminated by SIGTERM)" "$T/supd.log" || fail "orphan $long not reaped"
kill -0 "$long" 2>/dev/null && fail "orphan $long survived supd"
ok "orphaned descendants are stopped and waited for at shutdown"
