#!/usr/bin/env bash
# Upgrade in place with event listeners and a FastCGI program (#17,
# doc/upgrade.md): upgrades while events flow (a program restarting over
# and over, another one's output as PROCESS_LOG events) lose no event and
# deliver none twice (each listener gets its pool's serials once each, in
# order, and the PROCESS_LOG payloads put together are the writer's log
# file); a listener that is BUSY across every upgrade, half its answer
# written before and the rest after, has its answer taken by the new image
# (its event is not sent again); listener and FastCGI pids stay the same,
# and the FastCGI socket answers throughout and is the same socket after.
# The last upgrade is asked through XML-RPC (supd.upgrade), and one to a
# missing binary is an XML-RPC fault.
# Scaled for make check (3 upgrades); SOAK=1: 20 upgrades.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 77
fi
bb_setup

if [ "${SOAK:-0}" = 1 ]; then NUPG=20; else NUPG=3; fi

# An event listener: records "serial poolserial eventname" of each event
# in argv[2].  rec (argv[3]: where the PROCESS_LOG data goes) answers in
# three writes (a result cut across reads); slow (argv[3]: a file to wait
# for) writes half its answer to its first event and the rest only once
# that file exists, then acks every event at once.
cat >"$T/lis.py" <<'EOS'
import os, sys, time
mode, out, arg = sys.argv[1], open(sys.argv[2], "a"), sys.argv[3]
data = open(arg, "ab") if mode == "rec" else None
first = True
def w(s):
    sys.stdout.write(s); sys.stdout.flush()
while True:
    w("READY\n")
    line = sys.stdin.buffer.readline()
    if not line:
        break
    hdr = dict(x.split(":", 1) for x in line.decode().split())
    body = sys.stdin.buffer.read(int(hdr["len"]))
    out.write("%s %s %s\n" % (hdr["serial"], hdr["poolserial"], hdr["eventname"])); out.flush()
    if mode == "rec":
        if hdr["eventname"] == "PROCESS_LOG_STDOUT":
            data.write(body.split(b"\n", 1)[1]); data.flush()
        w("RESU"); time.sleep(0.002); w("LT 2\nO"); time.sleep(0.002); w("K")
    elif first:
        w("RESULT 2\nO")
        while not os.path.exists(arg):
            time.sleep(0.01)
        w("K")
        first = False
    else:
        w("RESULT 2\nOK")
EOS
# A FastCGI-style server (answers its pid) and its client.
cp "$(dirname "$0")/fcgisrv.py" "$T/srv.py"
cp "$(dirname "$0")/fcgiask.py" "$T/ask.py"

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
loglevel=debug

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:writer]
command=sh -c 'i=0; while [ ! -e @T@/stop ]; do i=$((i+1)); echo n$i; [ $((i %% 20)) = 0 ] && sleep 0.02; done'
stdout_logfile=@T@/writer.log
stdout_events_enabled=true
startsecs=0
autorestart=false

[program:flap]
command=sleep 0.2
startsecs=0
autorestart=true
startretries=1000000

[eventlistener:rec]
command=python3 -u @T@/lis.py rec @T@/rec.out @T@/rec.data
events=PROCESS_STATE,PROCESS_LOG_STDOUT
buffer_size=100000

[eventlistener:slow]
command=python3 -u @T@/lis.py slow @T@/slow.out @T@/go
events=PROCESS_STATE_RUNNING
buffer_size=100000

[fcgi-program:web]
socket=unix://@T@/web.sock
command=python3 -u @T@/srv.py
startsecs=0
EOC

pid_of() { ctl --json status "$1" | jq -r '.[0].pid'; }
upgrades() { ctl --json version | jq -r '.upgrades // 0'; }
running() { [ "$(ctl --json status "$1" | jq -r '.[0].statename')" = RUNNING ]; }

bb_start
bb_wait 60 running rec
bb_wait 60 running slow
bb_wait 60 running web
bb_wait 60 running writer
# slow is BUSY with its first event, half answered.
bb_wait 30 test -s "$T/slow.out"
bb_wait 30 test -s "$T/rec.data"
rec_pid=$(pid_of rec) slow_pid=$(pid_of slow) web_pid=$(pid_of web)
expect_eq "$web_pid" "$(timeout 20 python3 "$T/ask.py" "$T/web.sock")" "the FastCGI program's answer"
web_ino=$(stat -c %i "$T/web.sock")

# The FastCGI socket is asked throughout the upgrades.
(
	while [ ! -e "$T/stop" ]; do
		a=$(timeout 20 python3 "$T/ask.py" "$T/web.sock") || a="failed"
		echo "$a" >>"$T/asked"
	done
) &
BB_PIDS+=($!)

for k in $(seq 1 $((NUPG - 1))); do
	out=$(ctl upgrade) || fail "supctl upgrade #$k failed: $out"
	case $out in
	"Upgraded supd "*" in place (pid $SUPD_PID, upgrade $k)") ;;
	*) fail "supctl upgrade #$k said: $out" ;;
	esac
done
expect_eq "$NUPG" "$(timeout 30 python3 "$(dirname "$0")/xrcall.py" "$T/supd.sock" supd.upgrade)" "supd.upgrade's generation"
upgraded() { [ "$(upgrades)" = "$NUPG" ]; }
bb_wait 60 upgraded
out=$(timeout 30 python3 "$(dirname "$0")/xrcall.py" "$T/supd.sock" supd.upgrade "$T/missing")
case $out in "fault 30 FAILED: upgrade: $T/missing: No such file or directory") ;;
*) fail "supd.upgrade of a missing binary: $out" ;; esac
expect_eq "$NUPG" "$(upgrades)" "upgrades"
grep -q "event listener 'slow' taken over, BUSY with an event in flight" "$T/supd.log" ||
	fail "slow was not taken over BUSY"
ok "$NUPG upgrades with two event listeners (one BUSY throughout) and a FastCGI program"

expect_eq "$rec_pid $slow_pid $web_pid" "$(pid_of rec) $(pid_of slow) $(pid_of web)" \
	"listener and FastCGI pids"
expect_eq "$web_pid" "$(timeout 20 python3 "$T/ask.py" "$T/web.sock")" \
	"the FastCGI program's answer after the upgrades"
expect_eq "$web_ino" "$(stat -c %i "$T/web.sock")" "the FastCGI socket file"

# slow answers now: the new image takes the rest of its answer, and it
# gets the next events (its first one not again).
touch "$T/go"
slow_went_on() { [ "$(wc -l <"$T/slow.out")" -ge 3 ]; }
bb_wait 30 slow_went_on

# The sources stop; every event they made reaches rec.
touch "$T/stop"
ctl stop flap >/dev/null
wait_writer() { [ "$(ctl --json status writer | jq -r '.[0].statename')" = EXITED ]; }
bb_wait 60 wait_writer
bb_wait 60 grep -q "PROCESS_STATE_STOPPED" "$T/rec.out"
ok "listener and FastCGI pids unchanged; the FastCGI socket the same and answering"

# Each listener: its pool's serials once each, in order, none missing.
check_serials() { # file what
	awk -v what="$2" '
		NR == 1 { first = $2 }
		$2 != first + NR - 1 { print what ": event " NR " has pool serial " $2 ", expected " first + NR - 1; bad = 1; exit }
		NR > 1 && $1 <= last { print what ": serial " $1 " after " last; bad = 1; exit }
		{ last = $1 }
		END { if (!bad) print NR; exit bad }' "$1"
}
n_rec=$(check_serials "$T/rec.out" rec) || fail "$n_rec"
check_serials "$T/slow.out" slow >/dev/null || fail "$(check_serials "$T/slow.out" slow)"
bb_wait 30 cmp -s "$T/writer.log" "$T/rec.data"
expect_eq 0 "$(grep -c "event was rejected\|caused an error\|rebuffering" "$T/supd.log")" "rejected events"
ok "no event lost or delivered twice: rec got $n_rec events in order; PROCESS_LOG data = the writer's log ($(wc -l <"$T/writer.log") lines)"

if grep -qv "^$web_pid\$" "$T/asked"; then
	fail "the FastCGI socket answered otherwise: $(grep -v "^$web_pid\$" "$T/asked" | sort | uniq -c)"
fi
ok "the FastCGI socket answered $(wc -l <"$T/asked") times during the upgrades, always by pid $web_pid"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
