#!/usr/bin/env bash
# supd as PID 1 of a PID namespace: it reaps orphans re-parented to it and
# shuts down cleanly on SIGTERM, leaving nothing behind.
. "$(dirname "$0")/lib.sh"

if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
	echo "SKIP: unshare --pid --fork --mount-proc is not permitted here"
	exit 77
fi
bb_setup

bb_conf <<'EOC'
[supervisord]
; process groups and the orphan sweep are what this tests (cgroup_stop.sh: cgroups)
cgroups=off
logfile=@T@/supd.log
childlogdir=@T@
loglevel=debug

[program:orphaner]
command=sh -c 'sh -c "sleep 0.2 &"; sh -c "sleep 1000 &"; exec sleep 1000'
startsecs=0

[program:plain]
command=sleep 1000
startsecs=0
EOC

unshare --pid --fork --mount-proc "$SUPD" -n -c "$T/supd.conf" >"$T/supd.stdout" 2>"$T/supd.stderr" &
SUPD_PID=$!
BB_PIDS+=("$SUPD_PID")
bb_wait_log 5 "supervisord started with pid 1\$"
bb_wait_log 5 "spawned: 'plain'"
bb_wait_log 5 "spawned: 'orphaner'"
ok "supd runs as PID 1"
bb_wait_log 5 "reaped unknown pid [0-9]+ \(exit status 0\)"
ok "PID 1 reaps an orphan"

# supd is unshare's child; signal it from outside the namespace.
inner=$(bb_descendants "$SUPD_PID" | cut -d' ' -f1)
[ -n "$inner" ] || fail "no supd process under unshare"
descendants=$(bb_descendants "$inner")
kill -TERM "$inner"
bb_wait 15 bb_not_alive "$SUPD_PID"
wait "$SUPD_PID"
expect_eq 0 "$?" "exit status of supd as PID 1"
grep -q "received SIGTERM indicating exit request" "$T/supd.log" || fail "SIGTERM not received"
grep -q "stopped: plain (terminated by SIGTERM)" "$T/supd.log" || fail "plain not stopped"
grep -q "sending SIGTERM to orphan pid" "$T/supd.log" || fail "the orphan was not signalled"
for p in $descendants; do
	kill -0 "$p" 2>/dev/null && fail "descendant $p survived"
done
ok "PID 1 shuts down cleanly on SIGTERM and leaves no process behind"
