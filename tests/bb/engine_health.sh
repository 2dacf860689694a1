#!/usr/bin/env bash
# health_check (supd's own option, doc/readiness.md): "healthy" in /v1 and
# the description while probes pass; health_retries failures in a row make
# it unhealthy and health_action acts: restart (startretries restarts in a
# row without a passing probe, then FATAL naming the check), stop, none
# (RUNNING, shown unhealthy, healthy again when the probe passes); the
# notify watchdog (WATCHDOG=1 within watchdog_sec) fed and starved.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
bb_setup

HTTP=$(free_port)
DEAD=$(free_port)
touch "$T/healthy" "$T/fine"

cat >"$T/supd.conf" <<EOC
[supervisord]
logfile=$T/supd.log
pidfile=$T/supd.pid

[unix_http_server]
file=$T/supd.sock

[supervisorctl]
serverurl=unix://$T/supd.sock

[eventlistener:rec]
command=python3 -u $TOP_SRCDIR/tests/bb/evrec.py $T/rec.log
events=PROCESS_HEALTH
startsecs=0

[program:h_restart]
command=$P sleep 100000
startsecs=0
startretries=2
health_check=exec:test -e $T/healthy
health_interval=200ms
health_retries=2

[program:h_stop]
command=$P http $HTTP 500
startsecs=0
ready_check=tcp:127.0.0.1:$HTTP
ready_interval=100ms
health_check=http:http://127.0.0.1:$HTTP/healthz
health_interval=200ms
health_retries=1
health_action=stop

[program:h_none]
command=$P sleep 100000
startsecs=0
health_check=exec:test -e $T/fine
health_interval=200ms
health_retries=1
health_action=none

[program:h_tcp]
command=$P sleep 100000
startsecs=0
health_check=tcp:127.0.0.1:$DEAD
health_interval=200ms
health_retries=1
health_action=none

[program:h_watchdog]
command=$P notify READY=1 watchdog 100
startsecs=0
ready_check=notify
health_check=notify
watchdog_sec=5s

[program:h_starve]
command=$P notify READY=1
startsecs=0
ready_check=notify
health_check=notify
watchdog_sec=500ms
health_action=stop
EOC

bb_start
# healthy while the probes pass, in /v1 and in the description
bb_wait 15 is h_restart health healthy
bb_wait 15 is h_watchdog health healthy
bb_wait 15 is h_none health healthy
get h_restart description | grep -q ', healthy$' || fail "h_restart: $(get h_restart description)"
ok "healthy: /v1 and the description"

# none: unhealthy, still RUNNING, healthy again when the probe passes
bb_wait 15 is h_tcp health unhealthy
expect_eq RUNNING "$(get h_tcp statename)" "h_tcp with health_action=none"
get h_tcp check_error | grep -q "health check tcp:127.0.0.1:$DEAD failed: Connection refused" ||
	fail "h_tcp: $(get h_tcp check_error)"
rm "$T/fine"
bb_wait 15 is h_none health unhealthy
touch "$T/fine"
bb_wait 15 is h_none health healthy
expect_eq 1 "$(grep -c "spawned: 'h_none'" "$T/supd.log")" "h_none spawns"
ok "health_action=none: shown, not acted on, recovers"
# supervisord's listeners: h_none healthy, unhealthy, healthy again
NPID=$(bb_log_pid h_none)
h_none_events() {
	awk -v want="processname:h_none groupname:h_none pid:$NPID" '
		/^ver:/ { for (i = 1; i <= NF; i++) if ($i ~ /^eventname:/) t = substr($i, 11) }
		$0 == want { s = s t " " }
		END { print s }' "$T/rec.log"
}
h_none_recovered() {
	h_none_events | grep -q "PROCESS_HEALTH_HEALTHY PROCESS_HEALTH_UNHEALTHY PROCESS_HEALTH_HEALTHY"
}
bb_wait 15 h_none_recovered
ok "PROCESS_HEALTH_UNHEALTHY / _HEALTHY to event listeners"

# stop: STOPPED, saying why
bb_wait 15 is h_stop statename STOPPED
get h_stop check_error | grep -q "health check http:http://127.0.0.1:$HTTP/healthz failed: HTTP status 500" ||
	fail "h_stop: $(get h_stop check_error)"
expect_eq 1 "$(grep -c "spawned: 'h_stop'" "$T/supd.log")" "h_stop spawns"
ok "health_action=stop"

# the watchdog: fed, healthy; starved, stopped
bb_wait 15 is h_starve statename STOPPED
get h_starve check_error | grep -q "no WATCHDOG=1 within 500ms" ||
	fail "h_starve: $(get h_starve check_error)"
snap
expect_eq healthy "$(get h_watchdog health)" "h_watchdog fed"
ok "notify watchdog"

# a reload that keeps a program (its config equal) keeps probing it, from
# the new config (the old one is freed)
cat >>"$T/supd.conf" <<EOC

[program:added]
command=$P sleep 100000
startsecs=0
EOC
ctl update >/dev/null || fail "update"
bb_wait 15 is added statename RUNNING
rm "$T/fine"
bb_wait 15 is h_none health unhealthy
touch "$T/fine"
bb_wait 15 is h_none health healthy
expect_eq 1 "$(grep -c "spawned: 'h_none'" "$T/supd.log")" "h_none spawns after the reload"
ok "a reload keeps probing a kept program"

# restart: restarted startretries (2) times in a row, then FATAL
rm "$T/healthy"
bb_wait 30 is h_restart statename FATAL
expect_eq 3 "$(grep -c "spawned: 'h_restart'" "$T/supd.log")" "h_restart spawns"
get h_restart description | grep -q "health check exec:test -e $T/healthy failed: exit status 1 (gave up after 2 health restarts)" ||
	fail "h_restart: $(get h_restart description)"
grep -q "restarting h_restart: health check" "$T/supd.log" || fail "no restart logged"
ok "health_action=restart: 2 restarts, then FATAL"

# a start brings it back; a passing probe resets the count
touch "$T/healthy"
ctl start h_restart >/dev/null
bb_wait 15 is h_restart health healthy
ok "started again: healthy"

bb_stop
ok "done"
