#!/usr/bin/env bash
# supctl against a real supd: supervisorctl's output lines and exit codes
# for status, start, stop, restart, signal and pid, on single processes,
# groups and all, including the error cases.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
# Until the daemon opens its control listeners there is nothing to test.
bb_setup

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:sleeper]
command=sleep 1000
startsecs=0

[program:manual]
command=sleep 1000
autostart=false
startsecs=0

[program:nofile]
command=/nonexistent/prog
autostart=false

[program:baddir]
command=sleep 1000
directory=/nonexistent/dir
autostart=false
startsecs=0
startretries=0

[program:quick]
command=true
autostart=false
startsecs=1
startretries=0

[program:w]
command=sleep 1000
process_name=%(program_name)s_%(process_num)02d
numprocs=2
autostart=false
startsecs=0

[group:g]
programs=w
EOF




line() {
	printf '%-33s%-10s%s' "$1" "$2" "$3"
}

bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 sh -c "\"$SUPCTL\" -c '$T/supd.conf' status sleeper | grep -q RUNNING"

# status: every row, sorted by group then name; 3 because some are stopped
run status
expect_eq 3 "$RC" "status with stopped processes"
echo "$OUT" | grep -qxF "$(line manual STOPPED 'Not started')" || fail "status: no manual row in
$OUT"
echo "$OUT" | grep -qx 'sleeper                          RUNNING   pid [0-9]*, uptime 0:00:[0-9][0-9]' ||
	fail "status: sleeper row in
$OUT"
[ "$(echo "$OUT" | head -n 1 | cut -c1-8)" = "baddir  " ] || fail "status: rows not sorted:
$OUT"
[ "$(echo "$OUT" | sed -n 's/ .*//p' | tr '\n' ' ')" = "baddir g:w_00 g:w_01 manual nofile quick sleeper " ] ||
	fail "status order: $OUT"
ok "status lists every process, sorted, exit 3"

run status sleeper
expect_eq 0 "$RC" "status of a running process"
run status nosuch
expect_eq 4 "$RC" "status of an unknown name"
expect_eq "nosuch: ERROR (no such process)" "$OUT" "status of an unknown name"
run status 'nog:*'
expect_eq "nog: ERROR (no such group)" "$OUT" "status of an unknown group"
expect_eq 4 "$RC" "status of an unknown group"
ok "status exit codes (0 running, 4 unknown)"

# start / stop of one process
expect_run 0 "manual: started" start manual
expect_run 0 "manual: ERROR (already started)" start manual
run status manual
expect_eq 0 "$RC" "status of a started process"
expect_run 0 "manual: stopped" stop manual
expect_run 0 "manual: ERROR (not running)" stop manual
expect_run 1 "nosuch: ERROR (no such process)" start nosuch
expect_run 1 "nosuch: ERROR (no such process)" stop nosuch
expect_run 1 "nofile: ERROR (no such file)" start nofile
expect_run 7 "baddir: ERROR (spawn error)" start baddir
# supervisord says "spawn error" for a process that exits during startsecs
# (its wait checks spawnerr, "Exited too quickly", first): sidebyside.sh
expect_run 7 "quick: ERROR (spawn error)" start quick

run start
expect_eq 2 "$RC" "start without a name"
echo "$OUT" | head -n 1 | grep -qx 'Error: start requires a process name' || fail "start without a name: $OUT"
run stop
expect_eq 1 "$RC" "stop without a name"

# groups
expect_run 0 "g:w_00: started
g:w_01: started" start 'g:*'
run status 'g:*'
expect_eq 0 "$RC" "status of a running group"
expect_eq 2 "$(echo "$OUT" | grep -c RUNNING)" "running processes of g"
expect_run 0 "g:w_00: stopped
g:w_01: stopped" stop 'g:*'
expect_run 2 "nog: ERROR (no such group)" start 'nog:*'
expect_run 0 "g:w_01: started" start g:w_01
expect_run 0 "g:w_01: stopped" stop g:w_01

# restart: stop then start, a new pid
old=$(ctl pid sleeper)
expect_run 0 "sleeper: stopped
sleeper: started" restart sleeper
new=$(ctl pid sleeper)
[ "$new" != "$old" ] && [ "$new" -gt 0 ] || fail "restart kept pid $old ($new)"
ok "restart gives a new pid"

# signal
expect_run 0 "sleeper: signalled" signal USR2 sleeper
expect_run 7 "manual: ERROR (not running)" signal HUP manual
expect_run 1 "sleeper: ERROR (bad signal name)" signal NOPE sleeper

# pid
expect_run 0 "$SUPD_PID" pid
run pid manual
expect_eq "0" "$OUT" "pid of a stopped process"
expect_eq 7 "$RC" "pid of a stopped process"
expect_run 1 "No such process nosuch" pid nosuch

# all
run start all
expect_eq 7 "$RC" "start all with failing programs"
for want in "g:w_00: started" "g:w_01: started" "manual: started" "baddir: ERROR (spawn error)" \
	"nofile: ERROR (no such file)" "quick: ERROR (spawn error)"; do
	echo "$OUT" | grep -qxF "$want" || fail "start all: no '$want' in
$OUT"
done
echo "$OUT" | grep -q '^sleeper' && fail "start all started the running sleeper:
$OUT"
ok "start all"
run stop all
expect_eq 0 "$RC" "stop all"
echo "$OUT" | grep -qxF "sleeper: stopped" || fail "stop all: $OUT"
run status
expect_eq 3 "$RC" "status after stop all"
[ "$(echo "$OUT" | grep -c RUNNING)" = 0 ] || fail "running after stop all:
$OUT"
ok "stop all"

# --json
run status --json manual
expect_eq 3 "$RC" "status --json of a stopped process"
echo "$OUT" | grep -q '"statename": "STOPPED"' || fail "status --json: $OUT"
ok "status --json"

# the API through curl, when curl is there
if command -v curl >/dev/null; then
	curl -sf --unix-socket "$T/supd.sock" http://localhost/v1/processes/manual |
		grep -q '"statename":"STOPPED"' || fail "curl GET /v1/processes/manual"
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$T/supd.sock" \
		-X POST http://localhost/v1/processes/nosuch/start)
	expect_eq 404 "$code" "HTTP status of an unknown name"
	ok "curl"
fi

# the peer's uid is logged with state-changing requests
grep -q "control: POST /v1/processes/manual/start by uid $(id -u)" "$T/supd.log" ||
	fail "no peer uid in the log"
ok "peer uid logged"

# shutdown, then supd is gone
expect_run 0 "Shut down" shutdown
bb_wait 20 bb_not_alive "$SUPD_PID"
wait "$SUPD_PID" 2>/dev/null
SUPD_STATUS=$?
expect_eq 0 "$SUPD_STATUS" "supd exit status after shutdown"
[ -e "$T/supd.sock" ] && fail "socket file left behind"
ok "shutdown"

expect_run 4 "unix://$T/supd.sock no such file" status
expect_run 7 "unix://$T/supd.sock no such file" start manual
expect_run 1 "ERROR: unix://$T/supd.sock no such file (already shut down?)" shutdown
expect_run 7 "unix://$T/supd.sock no such file" pid
# supervisorctl does not check the server before these: a generic error
expect_run 1 "unix://$T/supd.sock no such file" reread
expect_run 1 "unix://$T/supd.sock no such file" avail
