#!/usr/bin/env bash
# GET /v1/events (doc/api.md, "Events") and supctl events against a real
# supd: state changes and config notices arrive with increasing sequence
# numbers; a client that reconnects with Last-Event-ID misses nothing the
# ring still holds; a reader that stalls does not block supd (another
# client gets every event, supd answers status meanwhile) and, once it
# reads again, is told how many events it lost.
. "$(dirname "$0")/lib.sh"
for t in curl python3; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t missing"
		exit 77
	fi
done
bb_setup

bb_conf <<EOF
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[program:web]
command=sleep 1000
startsecs=0

[program:flap]
command=sh -c 'exit 1'
startsecs=0
autostart=false
autorestart=true
startretries=100000
stdout_logfile=NONE
stderr_logfile=NONE
EOF
bb_start
SOCK=$T/supd.sock
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 10 is_state web RUNNING

# A background stream to a file; its pid in $!.
stream() { # stream FILE [curl args...]
	local f=$1
	shift
	timeout 300 curl -sN --unix-socket "$SOCK" "$@" http://localhost/v1/events >"$f" 2>&1 &
	BB_PIDS+=($!)
}
has() { grep -qF -- "$2" "$1"; }
clients_are() {
	[ "$(timeout 10 curl -s --unix-socket "$SOCK" http://localhost/metrics |
		sed -n 's/^supd_event_stream_clients //p')" = "$1" ]
}
ids() { sed -n 's/^id: //p' "$1"; }
metric() {
	timeout 10 curl -s --unix-socket "$SOCK" http://localhost/metrics | sed -n "s/^$1 //p"
}

# ---- nobody has watched yet: events are counted, none is kept
[ "$(metric supd_events_total)" -gt 0 ] || fail "no event counted at start-up"
expect_eq 0 "$(metric supd_event_stream_replay_events)" "events kept before any client"
expect_eq 0 "$(metric supd_event_stream_replay_bytes)" "bytes kept before any client"
ok "before the first client, events cost no memory"

# ---- supctl events, and the reconnect
timeout 300 "$SUPCTL" -c "$T/supd.conf" events >"$T/ctl.out" 2>&1 &
CTL_PID=$!
BB_PIDS+=($CTL_PID)
stream "$T/s1"
S1=$!
bb_wait 10 has "$T/s1" ': supd events'
bb_wait 10 has "$T/s1" ': supd events'
ctl stop web >/dev/null
bb_wait 10 has "$T/s1" '"to":"STOPPED"'
LAST=$(ids "$T/s1" | tail -n 1)
[ -n "$LAST" ] || fail "no id in the stream"
kill "$S1"
wait "$S1" 2>/dev/null || true
# While nobody listens: a start and a reload.
ctl start web >/dev/null
ctl reload >/dev/null
bb_wait 20 is_state web RUNNING
stream "$T/s2" -H "Last-Event-ID: $LAST"
S2=$!
bb_wait 10 has "$T/s2" '"type":"config","action":"reload"'
bb_wait 10 has "$T/s2" '"from":"STARTING","to":"RUNNING"'
FIRST=$(ids "$T/s2" | head -n 1)
expect_eq $((LAST + 1)) "$FIRST" "first id after reconnecting with Last-Event-ID $LAST"
# consecutive ids, nothing missing
ids "$T/s2" | awk -v n="$FIRST" '$1 != n++ { exit 1 }' || fail "ids not consecutive: $(ids "$T/s2" | tr '\n' ' ')"
has "$T/s2" '"from":"STOPPED","to":"STARTING"' || fail "the start while disconnected is missing"
ok "reconnect with Last-Event-ID misses nothing"
bb_wait 10 grep -q 'process web STOPPING -> STOPPED' "$T/ctl.out"
bb_wait 10 grep -q 'config reload' "$T/ctl.out"
ok "supctl events prints them"
timeout 10 "$SUPCTL" -c "$T/supd.conf" events --json >"$T/ctlj.out" 2>&1 &
CTLJ=$!
BB_PIDS+=($CTLJ)
bb_wait 10 clients_are 3
ctl restart web >/dev/null
bb_wait 10 grep -q '^{"seq":[0-9]*,"time":[0-9.]*,"type":"process","from":"STARTING","to":"RUNNING"' "$T/ctlj.out"
ok "supctl events --json"
kill "$CTL_PID" "$S2" "$CTLJ" 2>/dev/null || true
bb_wait 10 clients_are 0

# ---- a stalled reader
# Events come from a program that exits at once and is restarted (3 events
# a spawn).  First the ring is filled (to its byte bound, some 400 events);
# then a reader connects from the ring's oldest event (?after=) and reads
# nothing: what it needs at once (~256 KiB) about fills the sockets and its
# 64 KiB, so it stalls at once or within a few events; then some 800 more
# events move the ring past it.  (This way the stall lasts only as long as
# those 800, well under the 60 s after which supd drops an answer nobody
# reads, even in a sanitizer build.)
stream "$T/s3"
bb_wait 10 has "$T/s3" ': supd events'
events_total() {
	timeout 10 curl -s --unix-socket "$SOCK" http://localhost/metrics |
		sed -n 's/^supd_events_total //p'
}
total_ge() { [ "$(events_total)" -ge "$1" ]; }
ctl start flap >/dev/null 2>&1 || true
bb_wait 180 total_ge 1100
ctl stop flap >/dev/null 2>&1 || true
bb_wait 20 is_state flap STOPPED
S=$(events_total)
HELD=$(metric supd_event_stream_replay_events)
HELD_BYTES=$(metric supd_event_stream_replay_bytes)
[ "$HELD" -gt 100 ] && [ "$HELD" -le 1024 ] || fail "the ring holds $HELD events"
[ "$HELD_BYTES" -gt 100000 ] && [ "$HELD_BYTES" -le 262144 ] || fail "the ring holds $HELD_BYTES bytes"
ok "the replay ring is bounded: $HELD events, $HELD_BYTES bytes"
python3 - "$SOCK" "$T/stalled.go" "$T/stalled.out" $((S - HELD)) <<'PY' &
import os, socket, sys, time
sock, go, out, after = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sock)
s.sendall(b"GET /v1/events?after=%s HTTP/1.1\r\nHost: x\r\n\r\n" % after.encode())
open(out + ".connected", "w").close()
deadline = time.time() + 200
while not os.path.exists(go):
    if time.time() > deadline:
        sys.exit(1)
    time.sleep(0.05)
s.settimeout(20)
data = b""
def done():
    i = data.find(b"event: lost")
    return i >= 0 and data.find(b"\n\n", i) >= 0
while not done():
    b = s.recv(65536)
    if not b:
        break
    data += b
open(out, "wb").write(data)
PY
STALLED=$!
BB_PIDS+=($STALLED)
bb_wait 10 test -e "$T/stalled.out.connected"
bb_wait 10 clients_are 2
# Events while one reader reads nothing: supd still answers.
ctl start flap >/dev/null 2>&1 || true
bb_wait 120 total_ge $((S + 800))
expect_eq 0 "$(ctl status web >/dev/null; echo $?)" "supctl status while a reader stalls"
ctl stop flap >/dev/null 2>&1 || true
bb_wait 20 is_state flap STOPPED
F=$(events_total)
count() { grep -c '^id: ' "$T/s3"; }
s3_has() { [ "$(ids "$T/s3" | tail -n 1)" -ge "$1" ]; }
bb_wait 20 s3_has "$F"
ids "$T/s3" | awk 'NR == 1 { n = $1 } $1 != n++ { exit 1 }' || fail "the reading client missed events"
ok "a stalled reader does not block supd; another reader gets every event ($(count))"
touch "$T/stalled.go"
wait "$STALLED" || fail "the stalled reader failed"
LOST=$(sed -n 's/^data: {"lost":\([0-9]*\)}$/\1/p' "$T/stalled.out")
expect_eq 1 "$(grep -c '^event: lost' "$T/stalled.out")" "lost notices to the stalled reader"
[ -n "$LOST" ] && [ "$LOST" -gt 0 ] || fail "the stalled reader was not told it lost events: $(tail -c 300 "$T/stalled.out")"
ok "the stalled reader is told it lost $LOST events"
CODE=$(timeout 10 curl -s --unix-socket "$SOCK" http://localhost/metrics | sed -n 's/^supd_events_lost_total //p')
[ "$CODE" -ge "$LOST" ] || fail "supd_events_lost_total $CODE < $LOST"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
ok "done"
