#!/usr/bin/env bash
# GET /metrics (doc/metrics.md) against a real supd: the exposition passes
# `promtool check metrics`, carries each family with the values the test
# caused (a restart, an exit status, log bytes, request counts), is served
# on the unix socket and on an [inet_http_server] with the same
# authentication as the rest, and refuses other methods.
. "$(dirname "$0")/lib.sh"
if ! command -v curl >/dev/null; then
	echo "SKIP: curl missing"
	exit 77
fi
bb_setup

PORT=
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		PORT=$p
		break
	fi
done
[ -n "$PORT" ] || fail "no free port found"

cat >"$T/burn.sh" <<'EOF'
sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done; touch "$1/burnt"; exec sleep 1000' burner "$(dirname "$0")" &
sleep 1000 &
wait
EOF
bb_conf <<EOF
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[inet_http_server]
port=127.0.0.1:$PORT
username=admin
password=s3cret

[program:web]
command=sh -c 'echo hello; echo oops >&2; exec sleep 1000'
startsecs=0

[program:quit]
command=sh -c 'exit 3'
startsecs=0
autorestart=false

# its log file cannot take a byte: 11 dropped
[program:full]
command=sh -c 'echo hello-full; exec sleep 1000'
startsecs=0
stdout_logfile=/dev/full

# two children: one burns some CPU then waits, one sleeps; the main
# process waits for them (its own CPU stays ~0)
[program:burn]
command=sh @T@/burn.sh
startsecs=0

[program:a"b]
command=sleep 1000
startsecs=0
autostart=false

[program:a]
command=sleep 1000
startsecs=0

[group:g]
programs=a

# event listener pools: one answers OK, one FAIL once and then OK, one
# never gets READY and its buffer of 2 overflows
[eventlistener:okl]
command=sh -c 'while :; do printf "READY\\n"; read -r h || exit 0; head -c "\${h##*len:}" >/dev/null; printf "RESULT 2\\nOK"; done'
events=PROCESS_STATE_RUNNING

[eventlistener:failer]
command=sh -c 'r="RESULT 4\\nFAIL"; while :; do printf "READY\\n"; read -r h || exit 0; head -c "\${h##*len:}" >/dev/null; printf "\$r"; r="RESULT 2\\nOK"; done'
events=PROCESS_STATE_RUNNING

[eventlistener:stuck]
command=sleep 1000
events=PROCESS_STATE_RUNNING
buffer_size=2
EOF
bb_start
SOCK=$T/supd.sock
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 10 is_state web RUNNING
bb_wait 10 is_state quit EXITED
bb_wait 10 is_state g:a RUNNING
bb_wait 10 is_state full RUNNING
bb_wait 30 test -e "$T/burnt"
bb_wait_log 10 "'full' stdout log /dev/full: .*dropping output"

scrape() {
	timeout 10 curl -s --unix-socket "$SOCK" -o "$T/metrics" -w '%{http_code} %{content_type}' \
		http://localhost/metrics
}
OUT=$(scrape)
expect_eq "200 text/plain; version=0.0.4; charset=utf-8" "$OUT" "GET /metrics"

if command -v promtool >/dev/null; then
	timeout 20 promtool check metrics <"$T/metrics" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$T/promtool.out")"
	ok "promtool check metrics"
else
	echo "note: promtool missing, the format check is skipped"
fi

has() {
	grep -qxF -- "$1" "$T/metrics" || fail "no line '$1' in /metrics:
$(cat "$T/metrics")"
}
has_re() {
	grep -qE -- "$1" "$T/metrics" || fail "no line like '$1' in /metrics:
$(cat "$T/metrics")"
}
has 'supd_process_state{group="web",name="web"} 20'
has 'supd_process_state{group="quit",name="quit"} 100'
has 'supd_process_state{group="g",name="a"} 20'
# a name with a double quote is escaped in its label
has 'supd_process_state{group="a\"b",name="a\"b"} 0'
has 'supd_process_last_exit_status{group="quit",name="quit"} 3'
has 'supd_process_restarts_total{group="web",name="web"} 0'
has 'supd_process_log_bytes_total{group="web",name="web",stream="stdout"} 6'
has 'supd_process_log_bytes_total{group="web",name="web",stream="stderr"} 5'
has 'supd_process_log_dropped_bytes_total{group="web",name="web",stream="stdout"} 0'
has 'supd_process_log_dropped_bytes_total{group="full",name="full",stream="stdout"} 11'
has 'supd_process_log_dropped_bytes_total{group="full",name="full",stream="stderr"} 0'
WEBPID=$(ctl pid web)
has "supd_process_pid{group=\"web\",name=\"web\"} $WEBPID"
has_re '^supd_process_cpu_seconds_total\{group="web",name="web"\} [0-9.]+$'
if grep -q "cgroups on" "$T/supd.log"; then
	# from the program's cgroup: every process in it
	has 'supd_process_processes{group="burn",name="burn"} 3'
	# the CPU its children burnt (the main pid itself only waits)
	cpu=$(sed -n 's/^supd_process_cpu_seconds_total{group="burn",name="burn"} //p' "$T/metrics")
	awk -v c="$cpu" 'BEGIN { exit !(c >= 0.05) }' ||
		fail "burn's cgroup CPU is '$cpu' s, not its children's: $(grep burn "$T/metrics")"
	if grep -qw memory /sys/fs/cgroup/unified/cgroup.controllers /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		has_re '^supd_process_memory_bytes\{group="web",name="web"\} [1-9][0-9]*$'
		has_re '^supd_process_memory_peak_bytes\{group="web",name="web"\} [1-9][0-9]*$'
		has_re '^supd_process_oom_kills_total\{group="web",name="web"\} 0$'
	else
		echo "note: no memory controller here: the memory families are not checked"
	fi
	# the main pid's figures are for programs without a cgroup
	grep -q 'supd_process_threads{group="web"' "$T/metrics" &&
		fail "main pid's threads beside the cgroup's figures"
	ok "resources from the cgroup"
else
	has_re '^supd_process_memory_bytes\{group="web",name="web"\} [1-9][0-9]*$'
	has_re '^supd_process_resident_memory_bytes\{group="web",name="web"\} [1-9][0-9]*$'
	has 'supd_process_threads{group="web",name="web"} 1'
	has 'supd_process_processes{group="web",name="web"} 1'
fi
has_re '^supd_process_start_time_seconds\{group="web",name="web"\} 1[0-9]{9}$'
has_re '^supd_process_uptime_seconds\{group="web",name="web"\} [0-9]+$'
has_re '^supd_build_info\{version="[^"]+"\} 1$'
has_re '^process_start_time_seconds [0-9.]+$'
has_re '^process_open_fds [1-9][0-9]*$'
has 'supd_processes 9'
# no cpu figures for a process without a pid
grep -q 'supd_process_cpu_seconds_total{group="quit"' "$T/metrics" &&
	fail "cpu seconds of a process without a pid"
ok "families and values"

# The pools: every event offered is buffered; okl and failer get each one
# and answer it (failer's first FAIL puts it back and it goes again);
# stuck's buffer keeps 2 and drops the rest.
pool() { sed -n "s/^supd_eventlistener_events_total{pool=\"$1\",outcome=\"$2\"} //p" "$T/metrics"; }
pools_settled() {
	scrape >/dev/null && [ "$(pool okl processed)" = "$(pool okl buffered)" ] &&
		[ "$(pool failer processed)" = "$(pool failer buffered)" ] &&
		[ "$(pool okl buffered)" -ge 4 ]
}
bb_wait 20 pools_settled
B=$(pool okl buffered)
expect_eq "$B" "$(pool okl dispatched)" "okl: dispatched"
expect_eq 0 "$(pool okl rejected)" "okl: rejected"
expect_eq $((B + 1)) "$(pool failer dispatched)" "failer: dispatched (the rejected one twice)"
expect_eq 1 "$(pool failer rejected)" "failer: rejected"
expect_eq 0 "$(pool stuck dispatched)" "stuck: dispatched"
expect_eq $(($(pool stuck buffered) - 2)) "$(pool stuck dropped)" "stuck: dropped"
has 'supd_eventlistener_queued_events{pool="stuck"} 2'
has 'supd_eventlistener_queued_events{pool="okl"} 0'
ok "event listener pools: buffered, dispatched, processed, rejected, dropped ($B events)"

# A restart the test causes shows in the counter; the requests counted
# by route and code include this test's own.
ctl restart web >/dev/null
bb_wait 10 is_state web RUNNING
timeout 10 curl -s --unix-socket "$SOCK" -o /dev/null http://localhost/v1/processes/nosuch
scrape >/dev/null
has 'supd_process_restarts_total{group="web",name="web"} 1'
has_re '^supd_http_requests_total\{route="/metrics",code="200"\} [1-9][0-9]*$'
# supctl restart is a stop and a start
has_re '^supd_http_requests_total\{route="/v1/processes/\{name\}/start",code="200"\} 1$'
has_re '^supd_http_requests_total\{route="/v1/processes/\{name\}",code="404"\} 1$'
has_re '^supd_events_total [1-9][0-9]*$'
ok "restart counted, requests by route and code"

# The inet listener: same page, same authentication.
CODE=$(timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
expect_eq 401 "$CODE" "GET /metrics over TCP without credentials"
CODE=$(timeout 10 curl -s -u admin:s3cret -o "$T/m2" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
expect_eq 200 "$CODE" "GET /metrics over TCP with credentials"
grep -q '^supd_process_state{group="web",name="web"} 20$' "$T/m2" || fail "TCP scrape content"
CODE=$(timeout 10 curl -s --unix-socket "$SOCK" -X POST -o /dev/null -w '%{http_code}' http://localhost/metrics)
expect_eq 405 "$CODE" "POST /metrics"
ok "inet listener with authentication; POST refused"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
ok "done"
