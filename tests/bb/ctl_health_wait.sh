#!/usr/bin/env bash
# GET /v1/health and supctl wait (doc/dependencies.md): 503 naming who is
# not where it should be while a program waits for its dependency, 200
# once every autostart program runs or completed; supctl wait returns 0
# when the condition holds and 1 when it does not in time, naming who is
# not there, and waits for a one-shot to complete.
. "$(dirname "$0")/lib.sh"
if ! command -v curl >/dev/null; then
	echo "SKIP: curl missing"
	exit 77
fi
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[supctl]
serverurl=unix://@T@/supd.sock

; db starts only when the test says so: web waits for it
[program:gate]
command=sh -c 'while [ ! -e @T@/go ]; do sleep 0.05; done'
kind=oneshot

[program:db]
command=sleep 100
startsecs=0
depends_on=gate:completed_successfully

[program:web]
command=sleep 100
startsecs=0
depends_on=db

[program:manual]
command=sleep 100
autostart=false
EOC
bb_start
bb_wait 10 test -S "$T/supd.sock"
health() {
	timeout 10 curl -s -o "$T/health.json" -w '%{http_code}' --unix-socket "$T/supd.sock" http://localhost/v1/health
}
bb_wait 10 grep -q "waiting: web for db" "$T/supd.log"
code=$(health)
expect_eq 503 "$code" "/v1/health while web waits"
grep -q '"namespec":"web","statename":"STOPPED","description":"waiting for db (running)"' "$T/health.json" ||
	fail "503 body: $(cat "$T/health.json")"
grep -q '"status":"unhealthy"' "$T/health.json" || fail "503 status: $(cat "$T/health.json")"
grep -q manual "$T/health.json" && fail "a program without autostart counted: $(cat "$T/health.json")"
ok "/v1/health is 503 naming the waiting programs"

run wait web --timeout 0.5
expect_eq 1 "$RC" "supctl wait web --timeout 0.5"
case $OUT in
*"web: not ready: STOPPED (waiting for db (running))"*) ;;
*) fail "supctl wait late: $OUT" ;;
esac
run --json wait --completed gate --timeout 0.3
expect_eq 1 "$RC" "supctl --json wait --completed gate"
case $OUT in *'"ok": false'*'"namespec": "gate"'*) ;; *) fail "--json wait: $OUT" ;; esac
ok "supctl wait exits 1 naming who is not there"

# waiters started before the condition holds return once it does
ctl wait web db --timeout 30 >"$T/wait1.out" 2>&1 &
W1=$!
BB_PIDS+=("$W1")
ctl wait --timeout 30 >"$T/wait2.out" 2>&1 &
W2=$!
BB_PIDS+=("$W2")
ctl wait --completed gate --timeout 30 >"$T/wait3.out" 2>&1 &
W3=$!
BB_PIDS+=("$W3")
# the waiters are connected when supd has three event streams open
bb_wait 10 sh -c "timeout 5 curl -s --unix-socket $T/supd.sock http://localhost/metrics | grep -q '^supd_event_stream_clients 3'"
touch "$T/go"
for w in $W1 $W2 $W3; do
	set +e
	wait "$w"
	rc=$?
	set -e
	expect_eq 0 "$rc" "a supctl wait started before the condition: $(cat "$T"/wait*.out)"
done
run status web
case $OUT in *RUNNING*) ;; *) fail "web after wait: $OUT" ;; esac
ok "supctl wait returns 0 once the condition holds (ready, health, completed)"

code=$(health)
expect_eq 200 "$code" "/v1/health once all run: $(cat "$T/health.json")"
grep -q '"unhealthy":\[\],"status":"ok"' "$T/health.json" || fail "200 body: $(cat "$T/health.json")"
ok "/v1/health is 200 once every autostart program runs or completed"

run wait web --timeout 5
expect_eq 0 "$RC" "supctl wait on a condition that already holds"
run wait nosuch --timeout 1
expect_eq 1 "$RC" "supctl wait nosuch"
case $OUT in *"nosuch: ERROR (no such process)"*) ;; *) fail "wait nosuch: $OUT" ;; esac
ok "supctl wait on a condition already met, and on an unknown name"
bb_stop 20
