#!/usr/bin/env bash
# A real Prometheus server scrapes supd (doc/metrics.md): supd serves
# /metrics on an [inet_http_server] on 127.0.0.1 with a password,
# Prometheus (127.0.0.1, a free port, a temporary data dir, a 1 s scrape
# interval) scrapes it, and the test asks Prometheus' HTTP API until a
# program's restart counter shows the restart the test caused.
. "$(dirname "$0")/lib.sh"
for t in curl prometheus python3; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t missing"
		exit 77
	fi
done
bb_setup

PORT=$(bb_free_port)
PPORT=$(bb_free_port)
[ "$PORT" != "$PPORT" ] || PPORT=$(bb_free_port)

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

# two processes: in a cgroup, supd_process_processes counts both
[program:web]
command=sh -c 'sleep 1000 & exec sleep 1000'
startsecs=0
stopasgroup=true
killasgroup=true
EOF
bb_start
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 10 is_state web RUNNING

mkdir "$T/prom"
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: supd
    basic_auth:
      username: admin
      password: s3cret
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$T/prometheus.log" 2>&1 &
PROM_PID=$!
BB_PIDS+=("$PROM_PID")

# The value of an instant query's first result, or nothing.
query() {
	timeout 5 curl -s -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
value_is() { [ "$(query "$1")" = "$2" ]; }

# Prometheus is up and has scraped supd once, before the restart.
bb_wait 60 value_is 'up{job="supd"}' 1
bb_wait 30 value_is 'supd_process_restarts_total{name="web"}' 0
ok "Prometheus scrapes supd"

ctl restart web >/dev/null
bb_wait 10 is_state web RUNNING
bb_wait 30 value_is 'supd_process_restarts_total{name="web",group="web"}' 1
ok "Prometheus sees the restart"
bb_wait 30 value_is 'supd_process_state{name="web"}' 20
if grep -q "cgroups on" "$T/supd.log"; then
	bb_wait 30 value_is 'supd_process_processes{name="web"}' 2
	ok "Prometheus sees the program's cgroup: 2 processes"
else
	bb_wait 30 value_is 'supd_process_processes{name="web"}' 1
fi

kill -TERM "$PROM_PID"
bb_wait 30 bb_not_alive "$PROM_PID"
wait "$PROM_PID" 2>/dev/null || true
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
ok "done"
