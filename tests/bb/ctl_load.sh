#!/usr/bin/env bash
# Many clients at once: status and restart calls in a loop while a program
# flaps.  Every call gets a legitimate answer, and supd's open fds come back
# to their count before the storm.  (A short run for make check; the
# issue's 200 clients x 30 s is LOAD_CLIENTS=200 LOAD_SECONDS=30.)
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup
clients=${LOAD_CLIENTS:-20}
secs=${LOAD_SECONDS:-3}

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
minfds=4096

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:p]
command=sleep 1000
numprocs=5
process_name=%(program_name)s_%(process_num)d
startsecs=0

[program:flap]
command=sh -c 'sleep 0.2; exit 1'
startsecs=0
autorestart=true
EOF

bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 sh -c "\"$SUPCTL\" -c '$T/supd.conf' status | grep -c RUNNING | grep -qx 6"
nfds() {
	ls /proc/"$SUPD_PID"/fd | wc -l
}
base=$(nfds)

client() {
	local c=$1 end=$((SECONDS + secs)) rc out
	while [ $SECONDS -lt $end ]; do
		"$SUPCTL" -c "$T/supd.conf" status >/dev/null
		rc=$?
		[ $rc = 0 ] || [ $rc = 3 ] || echo "status exited $rc"
		out=$("$SUPCTL" -c "$T/supd.conf" restart "p:p_$((c % 5))")
		rc=$?
		# Clients race on the same process: each answer must still be
		# one a restart can give.
		echo "$out" | grep -vxE 'p:p_[0-9]: (stopped|started|ERROR \((not running|already started|abnormal termination)\))'
		[ $rc = 0 ] || [ $rc = 7 ] || echo "restart exited $rc"
	done
}

pids=()
for c in $(seq "$clients"); do
	client "$c" >"$T/client.$c" 2>&1 &
	pids+=("$!")
	BB_PIDS+=("$!")
done
for p in "${pids[@]}"; do
	wait "$p" || true
done
bad=$(cat "$T"/client.* | head -n 5)
[ -z "$bad" ] || fail "unexpected answers under load:
$bad"
ok "$clients clients for ${secs}s: every call answered"

fds_back() {
	[ "$(nfds)" -le "$base" ]
}
bb_wait 10 fds_back
ok "fds back to $base"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
