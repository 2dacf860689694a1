#!/usr/bin/env bash
# backoff=exponential (1 s, 2 s, 4 s... up to backoff_max, each up to a
# fifth shorter), backoff_reset (a run shorter than it is a failed start),
# fatal_retry_after (FATAL tried again; a stop cancels that) -- issue #14.
# Delays are read from supd's own log: the delay it chose, and the spawn
# times around it (bounds generous: only the lower one is exact).
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:exp]
command=sh -c 'exit 1'
startsecs=1
startretries=3
backoff=exponential
backoff_max=2s

[program:short]
command=sh -c 'sleep 0.2; exit 1'
startsecs=0
autorestart=true
startretries=2
backoff_reset=1m

[program:again]
command=sh -c 'test -f @T@/ok || exit 1; exec sleep 1000'
startsecs=1
startretries=0
fatal_retry_after=1s

[program:cancel]
command=sh -c 'exit 1'
startsecs=1
startretries=0
fatal_retry_after=1s
EOF2

bb_start
# milliseconds of the day of a log line
ms() { awk '{ split($2, t, /[:,]/); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }'; }

bb_wait_log 30 "again: trying again in 1000 ms \(fatal_retry_after\)"
touch "$T/ok"
bb_wait_log 30 "success: again entered RUNNING"
ok "fatal_retry_after: a FATAL program is tried again and runs"

bb_wait_log 30 "gave up: exp entered FATAL"
for n in 1 2 3; do
	line=$(grep -E "exp: retrying in [0-9]+ ms \(backoff=exponential, failure $n\)" "$T/supd.log") ||
		fail "no delay logged for failure $n"
	delay=$(sed -E 's/.*retrying in ([0-9]+) ms.*/\1/' <<<"$line")
	want=$((n == 1 ? 1000 : 2000))
	[ "$delay" -le "$want" ] && [ "$delay" -ge $((want * 4 / 5)) ] ||
		fail "failure $n: delay $delay ms, expected $((want * 4 / 5))..$want"
	# the spawn that follows the failure comes no sooner than the delay
	at=$(ms <<<"$line")
	next=$(grep "spawned: 'exp'" "$T/supd.log" | sed -n "$((n + 1))p" | ms)
	[ -n "$next" ] || fail "no spawn after failure $n"
	[ $((next - at)) -ge $((delay - 2)) ] && [ $((next - at)) -le $((delay + 3000)) ] ||
		fail "failure $n: respawned after $((next - at)) ms, delay was $delay ms"
	ok "exponential failure $n: waited $((next - at)) ms (chose $delay ms of $want)"
done
expect_eq 4 "$(grep -c "spawned: 'exp'" "$T/supd.log")" "spawns of exp (startretries=3)"
ok "exponential backoff: 1 s, 2 s, 2 s (backoff_max), then FATAL"

bb_wait_log 30 "gave up: short entered FATAL"
expect_eq 3 "$(grep -c "spawned: 'short'" "$T/supd.log")" "spawns of short"
grep -q "success: short entered RUNNING" "$T/supd.log" || fail "short never RUNNING"
ok "backoff_reset: runs shorter than it count as failed starts, FATAL after startretries"

# stop cancel while FATAL waits for its next try
bb_wait 30 sh -c "timeout 10 '$SUPCTL' -c '$T/supd.conf' status cancel | grep -q 'FATAL.*, retry in [01] s'"
run stop cancel
[ "$RC" = 0 ] || fail "stop of a FATAL program waiting to retry: $RC $OUT"
bb_wait_log 10 "stopped: cancel \(its retry after FATAL is cancelled\)"
spawns=$(grep -c "spawned: 'cancel'" "$T/supd.log")
# a retry would come within 1 s of the stop; restarting 'again' takes
# longer (startsecs=1)
run restart again
[ "$RC" = 0 ] || fail "restart again: $OUT"
run status cancel
case $OUT in *STOPPED*) ;; *) fail "cancel after its stop: $OUT" ;; esac
expect_eq "$spawns" "$(grep -c "spawned: 'cancel'" "$T/supd.log")" "spawns of cancel after its stop"
ok "a stop cancels the retry after FATAL"
bb_stop
