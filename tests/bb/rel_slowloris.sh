#!/usr/bin/env bash
# Unauthenticated TCP clients cannot lock out the operator
# (doc/security.md).  Slowloris connections (tests/bb/slowloris.py: a
# request head one byte every 2 s, reconnecting when closed) from several
# loopback addresses hang on to supd's [inet_http_server]; meanwhile
#   - supctl status on the unix socket answers promptly,
#   - a TCP client from another address (127.0.0.2) is served,
#   - supctl tail -f (unix) and a held start (TCP, longer than the head
#     timeout) go on: the head timeout ends with the head,
#   - no slowloris connection lives past the head timeout (10 s), and
#   - one address holds at most 32 connections (40 opened: 8 closed at
#     once, the other 32 at the head timeout).
# make check: 200 connections, supd under RLIMIT_NOFILE=128 (so that,
# before the fix, they took every fd); SOAK=1: 600 connections with the
# default limit (before the fix, they filled the shared 512 connections).
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
if ! command -v curl >/dev/null || ! command -v python3 >/dev/null || ! command -v prlimit >/dev/null; then
	echo "SKIP: curl, python3 or prlimit missing"
	exit 77
fi
LORIS=$TOP_SRCDIR/tests/bb/slowloris.py
if [ "${SOAK:-}" = 1 ]; then
	# 100 from 127.0.0.1 (32 kept), 500 from twenty others: past a
	# listener's 512.
	SOURCES=(--source 127.0.0.1:100)
	for i in $(seq 10 29); do SOURCES+=(--source 127.0.0.$i:25); done
	NOFILE=$(ulimit -Hn)
	DURATION=30
else
	# 60 from 127.0.0.1 (32 kept), 140 from seven others: past half
	# of 128 fds.
	SOURCES=(--source 127.0.0.1:60)
	for i in $(seq 10 16); do SOURCES+=(--source 127.0.0.$i:20); done
	NOFILE=128
	DURATION=24
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
URL=http://127.0.0.1:$PORT

bb_conf <<EOF
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
minfds=64

[unix_http_server]
file=@T@/supd.sock

[inet_http_server]
port=127.0.0.1:$PORT
username=admin
password=s3cret

[program:talker]
command=sh -c 'while :; do date +%%s.%%N; sleep 0.2; done'
startsecs=0
stdout_logfile=@T@/talker.log

[program:slow]
command=sleep 1000
startsecs=13
autostart=false
EOF
# bb_start, under a lower fd limit (prlimit execs supd: the pid is supd's)
prlimit --nofile="$NOFILE:$NOFILE" "$SUPD" -n -c "$T/supd.conf" >"$T/supd.stdout" 2>"$T/supd.stderr" &
SUPD_PID=$!
BB_PIDS+=("$SUPD_PID")
ctl() { timeout 20 "$SUPCTL" -c "$T/supd.conf" "$@"; }
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 10 is_state talker RUNNING

# ---- one address holds at most 32 connections, each for at most the
# head timeout
timeout 60 python3 "$LORIS" 127.0.0.1 "$PORT" --source 127.0.0.9:40 --duration 13 --reconnect 100 \
	--stats "$T/peer.json" >/dev/null || fail "slowloris (per peer)"
stat() { python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$@"; }
expect_eq 8 "$(stat "$T/peer.json" closed_early)" "connections of 40 from one address closed at once ($(cat "$T/peer.json"))"
expect_eq 40 "$(stat "$T/peer.json" closed)" "connections of 40 closed within 13 s ($(cat "$T/peer.json"))"
life=$(stat "$T/peer.json" max_life)
[ "$life" -ge 9 ] && [ "$life" -le 12 ] || fail "the longest head lasted $life s (head timeout 10 s)"
ok "per address: 8 of 40 closed at once, the other 32 after the 10 s head timeout"

# ---- the legitimate long-lived connections, opened before the attack
timeout $((DURATION + 30)) "$SUPCTL" -c "$T/supd.conf" tail -f talker >"$T/tail.out" 2>&1 &
TAIL_PID=$!
BB_PIDS+=("$TAIL_PID")
bb_wait 10 test -s "$T/tail.out"
# POST start waits until RUNNING: 13 s, past the head timeout
timeout 60 curl -sS -u admin:s3cret -o "$T/held.body" -w '%{http_code}\n' -X POST \
	"$URL/v1/processes/slow/start" >"$T/held.code" 2>&1 &
HELD_PID=$!
BB_PIDS+=("$HELD_PID")
bb_wait 10 is_state slow STARTING

# ---- the attack
timeout $((DURATION + 60)) python3 "$LORIS" 127.0.0.1 "$PORT" "${SOURCES[@]}" --interval 2 \
	--duration "$DURATION" --ready "$T/ready" --stats "$T/loris.json" >/dev/null 2>"$T/loris.err" &
LORIS_PID=$!
BB_PIDS+=("$LORIS_PID")
bb_wait 60 test -s "$T/ready"
t_attack=$SECONDS

# While it lasts: the unix socket answers at once, 127.0.0.2 is served.
worst_status=0 worst_tcp=0 rounds=0
while [ $((SECONDS - t_attack)) -lt $((DURATION - 6)) ]; do
	t0=$(date +%s%N)
	ctl status talker | grep -q RUNNING || fail "supctl status during the attack"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$worst_status" ] && worst_status=$ms
	t0=$(date +%s%N)
	code=$(timeout 20 curl -sS --interface 127.0.0.2 -u admin:s3cret -o /dev/null -w '%{http_code}' \
		"$URL/v1/version") || fail "curl from 127.0.0.2 during the attack"
	expect_eq 200 "$code" "GET /v1/version from 127.0.0.2 during the attack"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$worst_tcp" ] && worst_tcp=$ms
	rounds=$((rounds + 1))
	sleep 1
done
[ "$worst_status" -lt 3000 ] || fail "supctl status took $worst_status ms during the attack"
[ "$worst_tcp" -lt 5000 ] || fail "a client from 127.0.0.2 waited $worst_tcp ms during the attack"
ok "during the attack ($rounds rounds): supctl status at most $worst_status ms, 127.0.0.2 served in at most $worst_tcp ms"

# The tail -f went on through the attack, and the held start was answered.
n0=$(wc -l <"$T/tail.out")
sleep 1.5
n1=$(wc -l <"$T/tail.out")
[ "$n1" -gt "$n0" ] || fail "supctl tail -f stopped during the attack"
kill -0 "$TAIL_PID" 2>/dev/null || fail "supctl tail -f ended: $(tail -n 3 "$T/tail.out")"
bb_wait 30 test -s "$T/held.code"
expect_eq 200 "$(cat "$T/held.code")" "the held start over TCP ($(cat "$T/held.body"))"
expect_eq RUNNING "$(state slow)" "slow after its held start"
ok "tail -f and a 13 s held start lived through the attack"

wait "$LORIS_PID" || fail "slowloris: $(cat "$T/loris.err")"
echo "slowloris: $(cat "$T/loris.json")"
max_life=$(stat "$T/loris.json" max_life)
[ "$max_life" -le 14 ] || fail "a slowloris connection lived $max_life s (head timeout 10 s)"
ok "no slowloris connection lived past the head timeout (longest: $max_life s)"

# The server is whole afterwards.
ctl status talker | grep -q RUNNING || fail "supctl status after the attack"
kill "$TAIL_PID" 2>/dev/null
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
! grep -q 'Sanitizer' "$T/supd.stderr" || fail "sanitizer report"
