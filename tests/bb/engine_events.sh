#!/usr/bin/env bash
# Event listeners (supervisord.md §7) with real listener scripts: the exact
# headers and PROCESS_STATE payloads of a program killed and restarted, a
# listener answering FAIL getting the same event again, a listener that
# never answers (buffer overflow, and supd not blocked by it), TICK_5,
# PROCESS_LOG with *_events_enabled, PROCESS_COMMUNICATION with capture
# mode, REMOTE_COMMUNICATION through XML-RPC, supervisor's own
# childutils.listener, and the container pattern: a listener on
# PROCESS_STATE_FATAL that stops supd.
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 77
fi
bb_setup

# Records every event (header line, payload, then a newline) and acks.
cp "$(dirname "$0")/evrec.py" "$T/rec.py"
# Answers FAIL to an event the first time it sees its serial, OK after.
cat >"$T/fail.py" <<'EOS'
import sys
out = open(sys.argv[1], "a")
seen = set()
while True:
    sys.stdout.write("READY\n"); sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    hdr = dict(x.split(":", 1) for x in line.split())
    sys.stdin.read(int(hdr["len"]))
    s = hdr["serial"]
    res = "OK" if s in seen else "FAIL"
    seen.add(s)
    out.write("%s %s\n" % (res, s)); out.flush()
    sys.stdout.write("RESULT %d\n%s" % (len(res), res)); sys.stdout.flush()
EOS
# Says READY, records the header of one event, and never answers nor
# reads again.
cat >"$T/deaf.sh" <<'EOS'
printf 'READY\n'
read -r line
echo "$line" >>"$1"
exec sleep 1000
EOS
# The container pattern: on PROCESS_STATE_FATAL, SIGTERM to supd.
cat >"$T/killer.py" <<'EOS'
import os, signal, sys
while True:
    sys.stdout.write("READY\n"); sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    hdr = dict(x.split(":", 1) for x in line.split())
    body = sys.stdin.read(int(hdr["len"]))
    open(sys.argv[1], "a").write(hdr["eventname"] + " " + body + "\n")
    sys.stdout.write("RESULT 2\nOK"); sys.stdout.flush()
    os.kill(os.getppid(), signal.SIGTERM)
EOS
# supervisor_stdout's listener (github.com/coderanger/supervisor-stdout):
# echoes each event as its result, for its result_handler to print.
cat >"$T/sstdout.py" <<'EOS'
import sys
def write_stdout(s):
    sys.stdout.write(s)
    sys.stdout.flush()
while 1:
    write_stdout('READY\n')
    line = sys.stdin.readline()
    headers = dict([ x.split(':') for x in line.split() ])
    data = sys.stdin.read(int(headers['len']))
    write_stdout('RESULT %s\n%s'%(len(data), data))
EOS
# supervisor's own listener helper, when /usr/bin/python3 has it.
CU=
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import supervisor.childutils' 2>/dev/null; then
	CU=1
	cat >"$T/cu.py" <<'EOS'
import sys
from supervisor import childutils
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    open(sys.argv[1], "a").write("%s %s\n" % (headers["eventname"], payload))
    childutils.listener.ok(sys.stdout)
EOS
fi

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
loglevel=debug

[unix_http_server]
file=@T@/supd.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[eventlistener:rec]
command=python3 -u @T@/rec.py @T@/rec.log
events=PROCESS_STATE,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE_RUNNING
buffer_size=50
startsecs=0

[eventlistener:fail]
command=python3 -u @T@/fail.py @T@/fail.log
events=PROCESS_GROUP_ADDED
startsecs=0

[eventlistener:deaf]
command=sh @T@/deaf.sh @T@/deaf.log
events=PROCESS_STATE
buffer_size=2
startsecs=0

[eventlistener:mute]
command=sh @T@/deaf.sh @T@/mute.log
events=PROCESS_GROUP_ADDED
startsecs=0

[eventlistener:tick]
command=python3 -u @T@/rec.py @T@/tick.log
events=TICK_5
startsecs=0

[eventlistener:logrec]
command=python3 -u @T@/rec.py @T@/logrec.log
events=PROCESS_LOG
startsecs=0

[eventlistener:stdout]
command=python3 -u @T@/sstdout.py
buffer_size=100
events=PROCESS_LOG
result_handler=supervisor_stdout:event_handler
startsecs=0

[eventlistener:comm]
command=python3 -u @T@/rec.py @T@/comm.log
events=PROCESS_COMMUNICATION
startsecs=0

[program:capper]
command=sh -c 'sleep 0.5; printf "pre\n<!--XSUPERVISOR:BEGIN-->sec"; sleep 0.2; printf "ret\n<!--XSUPER"; sleep 0.2; printf "VISOR:END-->post\n"; printf "e<!--XSUPERVISOR:BEGIN-->err capture<!--XSUPERVISOR:END-->\n" >&2; exec sleep 1000'
startsecs=0
stdout_logfile=@T@/capper.log
stdout_capture_maxbytes=1KB
stderr_logfile=@T@/capper.err
stderr_capture_maxbytes=1KB

[program:victim]
command=sleep 1000
startsecs=1

[program:talker]
command=sh -c 'echo hello-events; sleep 0.5; echo err-events >&2; exec sleep 1000'
startsecs=0
stdout_events_enabled=true
stderr_events_enabled=true
EOC
if [ -n "$CU" ]; then
	cat >>"$T/supd.conf" <<EOC

[eventlistener:cu]
command=/usr/bin/python3 -u $T/cu.py $T/cu.log
events=PROCESS_STATE_RUNNING
startsecs=0
EOC
fi
bb_start
bb_wait_log 10 "success: victim entered RUNNING"
P1=$(bb_log_pid victim)
# A dozen Python listeners start at once here: on a loaded machine the
# first events wait seconds for their listener to be READY.
bb_wait 40 grep -q "processname:victim groupname:victim from_state:STARTING pid:$P1" "$T/rec.log"
kill -KILL "$P1"
bb_wait_log 10 "exited: victim \(terminated by SIGKILL; not expected\)"
bb_wait_log 10 "spawned: 'victim' with pid"
bb_wait 10 sh -c "[ \"\$(sed -n \"s/.*spawned: 'victim' with pid \([0-9]*\).*/\1/p\" '$T/supd.log' | tail -n 1)\" != $P1 ]"
P2=$(bb_log_pid victim)
bb_wait 40 grep -q "processname:victim groupname:victim from_state:STARTING pid:$P2" "$T/rec.log"

# Every header well formed, len exact, serials increasing, poolserials
# 0, 1, 2... in this pool; then victim's payloads in order.
python3 - "$T/rec.log" "$P1" "$P2" >"$T/victim.txt" <<'EOP' || fail "rec.log: $(cat "$T/victim.txt")"
import re, sys
data = open(sys.argv[1], "rb").read()
p1, p2 = sys.argv[2], sys.argv[3]
i = 0; last = -1; pser = 0; got = []; names = []
hre = re.compile(rb"ver:3\.0 server:supervisor serial:(\d+) pool:rec poolserial:(\d+) eventname:([A-Z_0-9]+) len:(\d+)\n")
while i < len(data):
    m = hre.match(data, i)
    if not m:
        print("bad header at", i, data[i:i+80]); sys.exit(1)
    serial, ps, name, n = int(m.group(1)), int(m.group(2)), m.group(3).decode(), int(m.group(4))
    body = data[m.end():m.end() + n]
    if data[m.end() + n:m.end() + n + 1] != b"\n":
        print("len mismatch", m.group(0)); sys.exit(1)
    if serial <= last or ps != pser:
        print("serials", serial, last, ps, pser); sys.exit(1)
    last, pser = serial, pser + 1
    names.append(name)
    if b"processname:victim " in body:
        got.append(name + " " + body.decode())
    i = m.end() + n + 1
want = [
    "PROCESS_STATE_STARTING processname:victim groupname:victim from_state:STOPPED tries:0",
    "PROCESS_STATE_RUNNING processname:victim groupname:victim from_state:STARTING pid:" + p1,
    "PROCESS_STATE_EXITED processname:victim groupname:victim from_state:RUNNING expected:0 pid:" + p1,
    "PROCESS_STATE_STARTING processname:victim groupname:victim from_state:EXITED tries:0",
    "PROCESS_STATE_RUNNING processname:victim groupname:victim from_state:STARTING pid:" + p2,
]
if got != want:
    print("got", got); sys.exit(1)
# Buffered before the listener was READY: the daemon's RUNNING first.
if names[0] != "SUPERVISOR_STATE_CHANGE_RUNNING":
    print("first", names[:3]); sys.exit(1)
EOP
ok "PROCESS_STATE headers and payloads, as supervisord's"

# FAIL: the same event again, then OK.
bb_wait 10 grep -q '^OK ' "$T/fail.log"
bb_wait_log 5 "fail: event was rejected"
first=$(sed -n 1p "$T/fail.log")
second=$(sed -n 2p "$T/fail.log")
expect_eq "OK ${first#FAIL }" "$second" "the rejected event comes back"
case $first in FAIL\ *) ;; *) fail "first answer: $first" ;; esac
ok "a rejected event is delivered again"

# A listener that never answers: its buffer overflows, supd is not blocked.
bb_wait_log 10 "pool deaf event buffer overflowed, discarding event [0-9]+"
ok "buffer overflow discards the oldest, logged"

# A listener dying while BUSY: its event goes back to the head of the
# buffer and the next instance gets it.
# (A pool whose buffer does not overflow meanwhile: with a full buffer the
# rejected event, back at the head, is the oldest and the next one
# discards it, as in supervisord.)
bb_wait 5 test -s "$T/mute.log"
D1=$(bb_log_pid mute)
kill -KILL "$D1"
bb_wait 10 sh -c "[ \$(wc -l <'$T/mute.log') -ge 2 ]"
s1=$(sed -n '1s/.* serial:\([0-9]*\) .*/\1/p' "$T/mute.log")
s2=$(sed -n '2s/.* serial:\([0-9]*\) .*/\1/p' "$T/mute.log")
[ -n "$s1" ] || fail "mute.log: $(cat "$T/mute.log")"
expect_eq "$s1" "$s2" "the event of a listener killed while BUSY, delivered again"
ok "a listener dying while BUSY rejects its event"

# PROCESS_LOG_STDOUT/STDERR with *_events_enabled carry the output.
TP=$(bb_log_pid talker)
bb_wait 10 grep -q '^err-events$' "$T/logrec.log"
python3 - "$T/logrec.log" "$TP" <<'EOP' || fail "PROCESS_LOG: $(cat "$T/logrec.log")"
import re, sys
data = open(sys.argv[1], "rb").read().decode()
pid = sys.argv[2]
for ch, text, name in (("stdout", "hello-events\n", "PROCESS_LOG_STDOUT"),
                       ("stderr", "err-events\n", "PROCESS_LOG_STDERR")):
    body = "processname:talker groupname:talker pid:%s channel:%s\n%s" % (pid, ch, text)
    hdr = re.search(r"ver:3\.0 server:supervisor serial:\d+ pool:logrec poolserial:\d+ "
                    r"eventname:%s len:(\d+)\n" % name, data)
    assert hdr, name
    assert int(hdr.group(1)) == len(body), (hdr.group(0), len(body))
    assert data[hdr.end():hdr.end() + len(body)] == body, data[hdr.end():]
EOP
grep -q "stdout_events_enabled\|stderr_events_enabled" "$T/supd.log" && fail "events_enabled still reported as unsupported"
ok "PROCESS_LOG_STDOUT/STDERR carry the program's output"

# Capture mode: what the program writes between the tokens (even when a
# write splits them) is a PROCESS_COMMUNICATION event, not logged.
CP=$(bb_log_pid capper)
bb_wait 10 grep -q 'PROCESS_COMMUNICATION_STDERR' "$T/comm.log"
python3 - "$T/comm.log" "$CP" <<'EOP' || fail "PROCESS_COMMUNICATION: $(cat "$T/comm.log")"
import re, sys
data = open(sys.argv[1], "rb").read().decode()
pid = sys.argv[2]
for name, text in (("PROCESS_COMMUNICATION_STDOUT", "secret\n"),
                   ("PROCESS_COMMUNICATION_STDERR", "err capture")):
    body = "processname:capper groupname:capper pid:%s\n%s" % (pid, text)
    hdr = re.search(r"ver:3\.0 server:supervisor serial:\d+ pool:comm poolserial:\d+ "
                    r"eventname:%s len:(\d+)\n" % name, data)
    assert hdr, name
    assert int(hdr.group(1)) == len(body), (hdr.group(0), len(body))
    assert data[hdr.end():hdr.end() + len(body)] == body, data[hdr.end():]
EOP
expect_eq "pre
post" "$(cat "$T/capper.log")" "capper's stdout log, without the capture"
expect_eq "e" "$(cat "$T/capper.err")" "capper's stderr log, without the capture"
grep -q "capture_maxbytes" "$T/supd.log" && fail "capture mode still reported as unsupported"
ok "capture mode: PROCESS_COMMUNICATION_STDOUT/STDERR, not logged"

# result_handler=supervisor_stdout:event_handler prints them on supd's
# stdout, each line prefixed, with the plugin's extra empty line.
bb_wait 10 grep -qx 'talker stderr | err-events' "$T/supd.stdout"
grep -A1 -x 'talker stdout | hello-events' "$T/supd.stdout" >"$T/ss.txt"
expect_eq "talker stdout | hello-events
talker stdout | " "$(cat "$T/ss.txt")" "supervisor_stdout's lines"
grep -q "cannot load Python plugin" "$T/supd.stderr" "$T/supd.log" &&
	fail "supervisor_stdout:event_handler reported as not loadable"
grep -q "stdout: event was rejected\|stdout: has entered the UNKNOWN" "$T/supd.log" &&
	fail "supervisor_stdout's results not accepted"
ok "result_handler=supervisor_stdout:event_handler prints the output"

# REMOTE_COMMUNICATION through XML-RPC.
expect_eq True "$(timeout 30 python3 "$(dirname "$0")/xrcall.py" "$T/supd.sock" \
	supervisor.sendRemoteCommEvent mytype "hello
world")" "sendRemoteCommEvent"
bb_wait 10 grep -q '^world$' "$T/rec.log"
grep -B3 '^world$' "$T/rec.log" | head -2 >"$T/rc.txt"
grep -Eq '^ver:3\.0 server:supervisor serial:[0-9]+ pool:rec poolserial:[0-9]+ eventname:REMOTE_COMMUNICATION len:23$' "$T/rc.txt" ||
	fail "REMOTE_COMMUNICATION header: $(cat "$T/rc.txt")"
grep -qx 'type:mytypehello' "$T/rc.txt" && fail "payload lost its newline"
grep -qx 'type:mytype' "$T/rc.txt" || fail "REMOTE_COMMUNICATION payload: $(cat "$T/rc.txt")"
ok "sendRemoteCommEvent reaches the listener"

# TICK_5: when: floored to 5 s.
bb_wait 12 grep -q '^when:' "$T/tick.log"
w=$(grep '^when:' "$T/tick.log" | head -n 1)
w=${w#when:}
[ $((w % 5)) -eq 0 ] || fail "TICK_5 when:$w is not a multiple of 5"
grep -Eq "eventname:TICK_5 len:${#w}" "$T/tick.log" ||
	grep -Eq "eventname:TICK_5 len:$((${#w} + 5))" "$T/tick.log" || fail "TICK_5 header"
ok "TICK_5 delivered, when floored to 5 s"

if [ -n "$CU" ]; then
	bb_wait 10 grep -q "PROCESS_STATE_RUNNING processname:victim groupname:victim from_state:STARTING pid:$P2" "$T/cu.log"
	ok "supervisor.childutils.listener works against supd"
fi

# supctl status lists the listeners as supervisorctl does.
if [ -n "$SUPCTL" ]; then
	st=$("$SUPCTL" -c "$T/supd.conf" status 2>&1)
	echo "$st" | grep -Eq '^rec +RUNNING +pid [0-9]+' || fail "status: $st"
	echo "$st" | grep -Eq '^deaf +RUNNING +pid [0-9]+' || fail "status: $st"
	ok "supctl status lists event listeners"
fi
bb_stop
expect_eq 0 "$SUPD_STATUS" "exit status"

# ---- The container pattern: a FATAL program makes a listener stop supd.
rm -f "$T/supd.log"
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[eventlistener:killer]
command=python3 -u @T@/killer.py @T@/killer.log
events=PROCESS_STATE_FATAL
startsecs=0

[program:bad]
command=sh -c 'exit 3'
startsecs=1
startretries=0
EOC
bb_start
bb_wait 15 bb_not_alive "$SUPD_PID"
wait "$SUPD_PID" 2>/dev/null
SUPD_STATUS=$?
expect_eq 0 "$SUPD_STATUS" "exit status after the listener's SIGTERM"
expect_eq "PROCESS_STATE_FATAL processname:bad groupname:bad from_state:BACKOFF" \
	"$(cat "$T/killer.log")" "the FATAL event"
grep -q "gave up: bad entered FATAL state" "$T/supd.log" || fail "no FATAL"
grep -q "supd stopped" "$T/supd.log" || fail "no clean stop"
ok "a listener on PROCESS_STATE_FATAL stops supd cleanly"

# ---- Idle: with no TICK subscriber supd never wakes up; with TICK_5 it
# wakes at the period only.
idle_conf() {
	bb_conf <<EOC
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[eventlistener:rec]
command=python3 -u @T@/rec.py @T@/idle.log
events=$1
startsecs=0

[program:sleeper]
command=sleep 1000
startsecs=0
EOC
}
ctxt() {
	sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$SUPD_PID/status"
}
rm -f "$T/supd.log" "$T/idle.log"
idle_conf PROCESS_STATE
bb_start
bb_wait 10 grep -q 'processname:sleeper .*from_state:STARTING pid' "$T/idle.log"
sleep 0.3
c0=$(ctxt)
sleep 3
c1=$(ctxt)
bb_stop
expect_eq 0 "$SUPD_STATUS" "exit status"
[ $((c1 - c0)) -eq 0 ] || fail "supd woke up $((c1 - c0)) times in 3 s with no TICK subscriber"
ok "no TICK subscriber: no wakeup when idle"

rm -f "$T/supd.log" "$T/idle.log"
idle_conf TICK_5
bb_start
bb_wait 12 grep -q '^when:' "$T/idle.log"
c0=$(ctxt)
sleep 5.5
c1=$(ctxt)
bb_stop
# One tick per 5 s: its timer, the listener's result, its READY: a few
# wakeups, not one per second.
[ $((c1 - c0)) -ge 1 ] && [ $((c1 - c0)) -le 8 ] ||
	fail "$((c1 - c0)) wakeups in 5.5 s with a TICK_5 subscriber"
ok "TICK_5 subscriber: wakeups only at the period ($((c1 - c0)) in 5.5 s)"

# ---- PROCESS_GROUP_ADDED/REMOVED on a reload (SIGHUP) and on supctl
# update; SUPERVISOR_STATE_CHANGE_STOPPING at shutdown.
group_conf() {
	bb_conf <<EOC
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[eventlistener:grp]
command=python3 -u @T@/rec.py @T@/grp.log
events=PROCESS_GROUP,SUPERVISOR_STATE_CHANGE
startsecs=0

# Slow to stop, so that the listener (stopped last) has time to record
# SUPERVISOR_STATE_CHANGE_STOPPING.
[program:keep]
command=sh -c 'trap "sleep 0.5; exit 0" TERM; while :; do sleep 0.1; done'
startsecs=0
$1
EOC
}
evnames() {
	sed -n 's/.*eventname:\([A-Z_]*\) .*/\1/p' "$T/grp.log" | tr '\n' ' '
}
rm -f "$T/supd.log" "$T/grp.log"
group_conf ""
bb_start
bb_wait 10 grep -q 'SUPERVISOR_STATE_CHANGE_RUNNING' "$T/grp.log"
group_conf "[program:b]
command=sleep 1000"
kill -HUP "$SUPD_PID"
bb_wait 10 grep -qx 'groupname:b' "$T/grp.log"
if [ -n "$SUPCTL" ]; then
	group_conf ""
	"$SUPCTL" -c "$T/supd.conf" update >/dev/null 2>&1 || true
	bb_wait 10 grep -q 'PROCESS_GROUP_REMOVED' "$T/grp.log"
fi
bb_stop
expect_eq 0 "$SUPD_STATUS" "exit status"
want="PROCESS_GROUP_ADDED PROCESS_GROUP_ADDED SUPERVISOR_STATE_CHANGE_RUNNING PROCESS_GROUP_ADDED "
[ -n "$SUPCTL" ] && want="${want}PROCESS_GROUP_REMOVED "
want="${want}SUPERVISOR_STATE_CHANGE_STOPPING "
expect_eq "$want" "$(evnames)" "group and supervisor events"
want="groupname:grp groupname:keep groupname:b "
[ -n "$SUPCTL" ] && want="${want}groupname:b "
expect_eq "$want" "$(grep -x 'groupname:.*' "$T/grp.log" | tr '\n' ' ')" "group names"
ok "PROCESS_GROUP_ADDED/REMOVED and SUPERVISOR_STATE_CHANGE_*"

# ---- A listener that stops reading in the middle of a big event (a
# PROCESS_LOG chunk larger than its stdin pipe): supd does not block, the
# rest waits for room, and the listener's death drops it.
rm -f "$T/supd.log" "$T/big.log"
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
loglevel=debug

[unix_http_server]
file=@T@/supd.sock

[eventlistener:stuck]
command=sh @T@/deaf.sh @T@/big.log
events=PROCESS_LOG_STDOUT
startsecs=0

[program:big]
command=python3 -c 'import sys, time; sys.stdout.write("x" * 400000); sys.stdout.flush(); time.sleep(1000)'
startsecs=0
stdout_events_enabled=true
EOC
bb_start
bb_wait 10 grep -q 'eventname:PROCESS_LOG_STDOUT' "$T/big.log"
bb_wait 10 grep -q "event [0-9]* sent to listener stuck" "$T/supd.log"
if [ -n "$SUPCTL" ]; then
	st=$(timeout 5 "$SUPCTL" -c "$T/supd.conf" status big 2>&1) || true
	echo "$st" | grep -Eq '^big +RUNNING' || fail "supd blocked? status: $st"
fi
S1=$(bb_log_pid stuck)
kill -KILL "$S1"
bb_wait_log 10 "exited: stuck"
bb_wait 10 sh -c "[ \$(grep -c \"spawned: 'stuck'\" '$T/supd.log') -ge 2 ]"
bb_stop
expect_eq 0 "$SUPD_STATUS" "exit status"
ok "a listener that stops reading a big event does not block supd"
