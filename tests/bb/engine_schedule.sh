#!/usr/bin/env bash
# schedule= (issue #14): a program run by '@every 2s' runs twice, each run
# ends with its exit (no autorestart); a run still going when the next is
# due makes that one skipped and logged, so runs never overlap; the next
# run shows in status and in /v1 (next_run), for a crontab time too.
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

[program:quick]
command=sh -c 'date +%%s%%N >> @T@/runs'
schedule=@every 2s

[program:slow]
command=sleep 1.5
schedule=@every 1s

[program:cron]
command=true
; due at most once a year: never during the test (*/5 could be, and
; then it was no longer "Not started")
schedule=0 0 1 1 *
EOF2

# a time zone whose minutes are the machine's: */5 is then on Unix time
TZ=UTC bb_start
bb_wait 20 sh -c "[ \$(wc -l < '$T/runs') -ge 2 ]"
bb_wait_log 10 "exited: quick .*"
a=$(sed -n 1p "$T/runs")
b=$(sed -n 2p "$T/runs")
gap=$(((b - a) / 1000000))
[ "$gap" -ge 1500 ] || fail "quick's runs $gap ms apart, scheduled 2 s apart"
ok "@every 2s ran twice, $gap ms apart"

# the slow one: due every second, runs 1.5 s: every other run is skipped
bb_wait_log 20 "skipped: the scheduled run of slow, still (STARTING|RUNNING) from the last one"
bb_wait 20 sh -c "[ \$(grep -c \"spawned: 'slow'\" '$T/supd.log') -ge 2 ]"
awk '/spawned: .slow./ { if (running) bad = 1; running = 1 }
     /exited: slow / { running = 0 }
     END { exit bad }' "$T/supd.log" || fail "two runs of slow overlapped"
ok "a run due while the last one runs is skipped and logged; runs never overlap"

# no run without its schedule: every spawn of quick follows a due time
due=$(grep -c "scheduled: quick is due" "$T/supd.log")
spawned=$(grep -c "spawned: 'quick'" "$T/supd.log")
expect_eq "$due" "$spawned" "runs of quick against due times"
grep -q "BACKOFF" <<<"$(ctl status quick)" && fail "a short scheduled run was a failed start"
ok "a scheduled program is not restarted after its run"

run status cron
case $OUT in *"STOPPED"*"Not started, next run "[0-9][0-9][0-9][0-9]-*) ;; *) fail "status cron: $OUT" ;; esac
ok "status shows the next run: $OUT"
if command -v curl >/dev/null; then
	json=$(curl -sf --unix-socket "$T/supd.sock" "http://localhost/v1/processes/cron?fields=next_run,name")
	next=$(sed -E 's/.*"next_run":([0-9]+).*/\1/' <<<"$json")
	[ -n "$next" ] && [ $((next % 60)) = 0 ] && [ "$next" -gt "$(date +%s)" ] &&
		[ "$(date -d "@$next" +%m-%d\ %H:%M)" = "01-01 00:00" ] ||
		fail "next_run of 0 0 1 1 *: $json"
	curl -sf --unix-socket "$T/supd.sock" "http://localhost/v1/processes/slow?fields=next_run" |
		grep -Eq '"next_run":[0-9]+' || fail "next_run of @every"
	ok "/v1 next_run: $json"
fi
bb_stop
