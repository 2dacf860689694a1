#!/usr/bin/env bash
# Start in ascending priority; shut down in descending priority, all
# processes of one priority in parallel, the next when they are all down.
. "$(dirname "$0")/lib.sh"
bb_setup

cat >"$T/stubborn.sh" <<'EOS'
trap '' TERM
while :; do sleep 0.05; done
EOS

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
loglevel=debug

[program:first]
command=sleep 100
priority=10
startsecs=0

[program:mid_a]
command=sh @T@/stubborn.sh
priority=20
startsecs=0
stopwaitsecs=1

[program:mid_b]
command=sh @T@/stubborn.sh
priority=20
startsecs=0
stopwaitsecs=1

[program:last]
command=sleep 100
priority=30
startsecs=0
EOC
bb_start
bb_wait_log 5 "spawned: 'last'"

line() {
	grep -n -- "$1" "$T/supd.log" | head -n 1 | cut -d: -f1
}
before() {
	local a b
	a=$(line "$1")
	b=$(line "$2")
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "expected '$1' before '$2'"
}

before "spawned: 'first'" "spawned: 'mid_a'"
before "spawned: 'mid_a'" "spawned: 'mid_b'"
before "spawned: 'mid_b'" "spawned: 'last'"
ok "started in ascending priority"

bb_stop 20
expect_eq 0 "$SUPD_STATUS" "supd exit status"
before "stopped: last" "killing mid_a (pid"
before "stopped: last" "killing mid_b (pid"
# mid_a and mid_b are signalled together, before either is down
before "killing mid_b (pid" "stopped: mid_a"
before "killing mid_a (pid" "stopped: mid_b"
before "stopped: mid_a" "killing first (pid"
before "stopped: mid_b" "killing first (pid"
grep -q "stopped: first (terminated by SIGTERM)" "$T/supd.log" || fail "first not stopped"
ok "stopped in descending priority, equal priorities in parallel"
