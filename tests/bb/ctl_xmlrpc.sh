#!/usr/bin/env bash
# supervisord's XML-RPC (POST /RPC2) against a real supd, driven by the
# real supervisorctl and by Python's xmlrpc.client.  The expected lines and
# exit codes are supervisord 4.2.5's: run with XMLRPC_REF=supervisord to
# check them against supervisord itself (same config, same script).
. "$(dirname "$0")/lib.sh"
SUPERVISORCTL=${SUPERVISORCTL:-/usr/bin/supervisorctl}
if [ ! -x "$SUPERVISORCTL" ] || ! command -v python3 >/dev/null; then
	echo "SKIP: supervisorctl or python3 missing (Debian package supervisor)"
	exit 77
fi
REF=${XMLRPC_REF:-}
bb_setup

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:sleeper]
command=sleep 1000
startsecs=0

[program:echo]
command=sh -c 'echo hello; echo oops >&2; exec sleep 1000'
startsecs=0

[program:manual]
command=sleep 1000
autostart=false
startsecs=0

[program:nofile]
command=/nonexistent/prog
autostart=false

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

if [ "$REF" = supervisord ]; then
	supervisord -n -c "$T/supd.conf" >"$T/supd.stdout" 2>"$T/supd.stderr" &
	SUPD_PID=$!
	BB_PIDS+=("$SUPD_PID")
else
	bb_start
fi

sctl() {
	"$SUPERVISORCTL" -c "$T/supd.conf" "$@"
}

# Runs supervisorctl; sets OUT and RC.
run() {
	set +e
	OUT=$(timeout 30 "$SUPERVISORCTL" -c "$T/supd.conf" "$@" 2>&1)
	RC=$?
	set -e
}

expect_run() {
	local want_rc=$1 want_out=$2
	shift 2
	run "$@"
	[ "$OUT" = "$want_out" ] || fail "supervisorctl $*: expected output
$want_out
got
$OUT"
	expect_eq "$want_rc" "$RC" "exit code of supervisorctl $*"
	ok "supervisorctl $* -> $RC"
}

# The same for results whose order supervisord does not fix (a group's
# stops are collected as they complete).
expect_run_sorted() {
	local want_rc=$1 want_out=$2
	shift 2
	run "$@"
	OUT=$(printf '%s\n' "$OUT" | LC_ALL=C sort)
	want_out=$(printf '%s\n' "$want_out" | LC_ALL=C sort)
	[ "$OUT" = "$want_out" ] || fail "supervisorctl $*: expected output
$want_out
got
$OUT"
	expect_eq "$want_rc" "$RC" "exit code of supervisorctl $*"
	ok "supervisorctl $* -> $RC"
}

# Status lines without the pids and uptimes.
status_of() {
	run status "$@"
	STATUS=$(printf '%s\n' "$OUT" | sed -e 's/pid [0-9]*, uptime [0-9:]*/pid N, uptime T/' \
		-e 's/[A-Z][a-z][a-z] [0-9][0-9] [0-9][0-9]:[0-9][0-9] [AP]M/DATE/')
}

running() {
	sctl status "$1" | grep -q RUNNING
}

bb_wait 10 running sleeper
bb_wait 10 running echo

status_of
expected_status="echo                             RUNNING   pid N, uptime T
g:w_00                           STOPPED   Not started
g:w_01                           STOPPED   Not started
manual                           STOPPED   Not started
nofile                           STOPPED   Not started
quick                            STOPPED   Not started
sleeper                          RUNNING   pid N, uptime T"
expect_eq "$expected_status" "$STATUS" "status"
expect_eq 3 "$RC" "exit code of status with stopped processes"
ok "status -> 3"

expect_run 0 "manual: started" start manual
expect_run 0 "manual: ERROR (already started)" start manual
expect_run 1 "nosuch: ERROR (no such process)" start nosuch
expect_run 2 "nosuch: ERROR (no such group)" start 'nosuch:*'
expect_run 1 "nofile: ERROR (no such file)" start nofile
expect_run 7 "quick: ERROR (spawn error)" start quick
expect_run 0 "manual: stopped" stop manual
expect_run 0 "manual: ERROR (not running)" stop manual
expect_run 1 "nosuch: ERROR (no such process)" stop nosuch
expect_run 0 "sleeper: stopped
sleeper: started" restart sleeper
expect_run_sorted 0 "g:w_00: started
g:w_01: started" start 'g:*'
expect_run_sorted 0 "g:w_00: stopped
g:w_01: stopped" stop 'g:*'
# quick exits at once: supervisord reports a spawn error or an abnormal
# termination depending on whether its loop reaped it before the answer.
run start all
expect_eq 7 "$RC" "exit code of start all"
got=$(printf '%s\n' "$OUT" | LC_ALL=C sort |
	sed -e 's/^quick: ERROR (abnormal termination)$/quick: ERROR (spawn error)/')
expect_eq "g:w_00: started
g:w_01: started
manual: started
nofile: ERROR (no such file)
quick: ERROR (spawn error)" "$got" "start all"
ok "supervisorctl start all -> 7"
expect_run 0 "sleeper: signalled" signal HUP sleeper
bb_wait 10 running sleeper # sleep dies of SIGHUP and is restarted
expect_run 1 "sleeper: ERROR (bad signal name)" signal BOGUS sleeper
expect_run 7 "nofile: ERROR (not running)" signal HUP nofile
expect_run 4 "nosuch: ERROR (no such process)" status nosuch

# pid: the daemon's, a process's, 0 for one that does not run.
run pid
expect_eq 0 "$RC" "exit code of pid"
expect_eq "$SUPD_PID" "$OUT" "pid"
ok "pid -> $OUT"
run pid sleeper
expect_eq 0 "$RC" "exit code of pid sleeper"
[ "$OUT" -gt 0 ] 2>/dev/null && kill -0 "$OUT" || fail "pid sleeper: '$OUT' is no live pid"
ok "pid sleeper -> $OUT"
expect_run 7 "0" pid nofile
expect_run 1 "No such process nosuch" pid nosuch

run version
expect_eq 0 "$RC" "exit code of version"
[ -n "$OUT" ] || fail "version printed nothing"
ok "version -> $OUT"

# tail: readProcessStdoutLog(name, -1600, 0); stderr too.
bb_wait 10 grep -q hello "$T"/echo-stdout*.log
expect_run 0 "hello" tail echo
expect_run 0 "oops" tail echo stderr
expect_run 1 "nosuch: ERROR (no such process name)" tail nosuch

# tail -f streams /logtail/echo/stdout until interrupted.  Python's start
# alone can take seconds on a loaded machine: wait for the line, then ^C.
timeout 60 "$SUPERVISORCTL" -c "$T/supd.conf" tail -f echo >"$T/follow.out" 2>&1 &
FPID=$!
BB_PIDS+=("$FPID")
follow_has_hello() { grep -qx 'hello' "$T/follow.out"; }
bb_wait 50 follow_has_hello
kill -INT "$FPID" 2>/dev/null || true
wait "$FPID" 2>/dev/null || true
grep -q '==> Press Ctrl-C to exit <==' "$T/follow.out" || fail "tail -f: no banner: $(cat "$T/follow.out")"
ok "tail -f echo"

run maintail
expect_eq 0 "$RC" "exit code of maintail"
printf '%s\n' "$OUT" | grep -q "spawned: 'sleeper'" || fail "maintail: $OUT"
ok "maintail"

# reread / avail / update with a program added to the config.
expect_run 0 "No config updates to processes" reread
cat >>"$T/supd.conf" <<'EOF'

[program:added]
command=sleep 1000
startsecs=0
EOF
expect_run 0 "added: available" reread
run avail
printf '%s\n' "$OUT" | grep -qx 'added                            avail     auto      999:999' ||
	fail "avail: $OUT"
printf '%s\n' "$OUT" | grep -qx 'sleeper                          in use    auto      999:999' ||
	fail "avail: $OUT"
ok "avail"
expect_run 0 "added: added process group" update
bb_wait 10 running added
ok "update started the added program"

# Python's xmlrpc.client for what supervisorctl does not call.
python3 - "$T/supd.sock" "$REF" <<'PYEOF' || fail "xmlrpc.client checks"
import http.client, socket, sys, xmlrpc.client

sock_path = sys.argv[1]
# supd refuses what supervisord lets through: a DTD, a wrong type
supd = sys.argv[2] != "supervisord"

class UnixConn(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("localhost")
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sock_path)

class UnixTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        return UnixConn()

s = xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport())

def fault(code, fn, *args):
    try:
        fn(*args)
    except xmlrpc.client.Fault as f:
        assert f.faultCode == code, (f.faultCode, f.faultString)
        return f.faultString
    raise AssertionError("no fault from %r" % (args,))

assert s.supervisor.getAPIVersion() == "3.0"
assert s.supervisor.getState() == {"statecode": 1, "statename": "RUNNING"}

info = s.supervisor.getAllConfigInfo()
names = [c["name"] for c in info]
assert names == sorted(names), names
want = ["autostart", "directory", "uid", "command", "exitcodes", "group", "group_prio",
        "inuse", "killasgroup", "name", "process_prio", "redirect_stderr", "startretries",
        "startsecs", "stdout_capture_maxbytes", "stdout_events_enabled", "stdout_logfile",
        "stdout_logfile_backups", "stdout_logfile_maxbytes", "stdout_syslog", "stopsignal",
        "stopwaitsecs", "stderr_capture_maxbytes", "stderr_events_enabled", "stderr_logfile",
        "stderr_logfile_backups", "stderr_logfile_maxbytes", "stderr_syslog", "serverurl"]
sl = [c for c in info if c["name"] == "sleeper"][0]
assert list(sl.keys()) == want, list(sl.keys())
assert sl["command"] == "sleep 1000" and sl["exitcodes"] == [0] and sl["stopsignal"] == 15
assert sl["directory"] == "none" and sl["uid"] == "none" and sl["inuse"] is True

pi = s.supervisor.getProcessInfo("sleeper")
assert list(pi.keys()) == ["name", "group", "start", "stop", "now", "state", "statename",
                           "spawnerr", "exitstatus", "logfile", "stdout_logfile",
                           "stderr_logfile", "pid", "description"], list(pi.keys())
assert pi["statename"] == "RUNNING" and pi["logfile"] == pi["stdout_logfile"]
assert pi["description"].startswith("pid %d, uptime " % pi["pid"])
assert fault(10, s.supervisor.getProcessInfo, "nope") == "BAD_NAME: nope"

# log reads: by offset, from the end, tail with overflow
assert s.supervisor.readProcessStdoutLog("echo", 0, 0) == "hello\n"
assert s.supervisor.readProcessStdoutLog("echo", -3, 0) == "lo\n"
assert s.supervisor.readProcessStdoutLog("echo", 1, 2) == "el"
assert s.supervisor.readProcessStderrLog("echo", 0, 0) == "oops\n"
fault(3, s.supervisor.readProcessStdoutLog, "echo", -1, 5)
assert s.supervisor.tailProcessStdoutLog("echo", 0, 3) == ["lo\n", 6, True]
assert s.supervisor.tailProcessStdoutLog("echo", 0, 100) == ["hello\n", 6, False]
assert s.supervisor.tailProcessStdoutLog("echo", 6, 100) == ["", 6, False]
assert "spawned: 'sleeper'" in s.supervisor.readLog(0, 0)

# multicall, with a fault inside
r = s.system.multicall([
    {"methodName": "supervisor.getPID"},
    {"methodName": "supervisor.getProcessInfo", "params": ["zz"]},
    {"methodName": "system.multicall", "params": [[]]},
    {"methodName": "supervisor.stopProcess", "params": ["manual"]},
    {"methodName": "supervisor.startProcess", "params": ["manual"]},
])
assert isinstance(r[0], int) and r[0] > 0, r
assert r[1] == {"faultCode": 10, "faultString": "BAD_NAME: zz"}, r
assert r[2]["faultCode"] == 2, r
assert r[3] is True and r[4] is True, r

methods = s.system.listMethods()
assert methods == sorted(methods) and "supervisor.getAllConfigInfo" in methods, methods
assert s.system.methodSignature("supervisor.startProcess") == ["boolean", "string", "boolean"]
fault(4, s.system.methodHelp, "supervisor.nope")

assert fault(1, s.supervisor.nope) == "UNKNOWN_METHOD"
fault(1, s.supervisor._update)
fault(1, getattr(s, "supervisor.getPID.x"))
assert fault(2, s.supervisor.getPID, 1) == "INCORRECT_PARAMETERS"
fault(2, s.supervisor.startProcess)
if supd:
    fault(2, s.supervisor.startProcess, 1)
fault(60, s.supervisor.startProcess, "sleeper")
ok2 = [{"name": "w_00", "group": "g", "status": 80, "description": "OK"},
       {"name": "w_01", "group": "g", "status": 80, "description": "OK"}]
byname = lambda r: sorted(r, key=lambda x: x["name"])
assert byname(s.supervisor.stopProcessGroup("g")) == ok2
assert s.supervisor.stopProcessGroup("g") == []
assert byname(s.supervisor.startProcessGroup("g")) == ok2
fault(10, s.supervisor.startProcessGroup, "nope")
assert s.supervisor.sendProcessStdin("sleeper", "x\n") is True
fault(70, s.supervisor.sendProcessStdin, "nofile", "x")

def raw(body, path="/RPC2"):
    c = UnixConn()
    c.request("POST", path, body, {"Content-Type": "text/xml"})
    r = c.getresponse()
    return r.status, r.getheader("Content-Type"), r.read()

st, ct, body = raw("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>"
                   "<methodCall><methodName>supervisor.getPID</methodName></methodCall>")
if supd and st != 400:
    raise AssertionError("DOCTYPE: %d %r" % (st, body))
st, ct, body = raw("not xml")
assert st == 400, st
st, ct, body = raw("<methodCall><params/></methodCall>")
assert st == 400, st
st, ct, body = raw("<methodCall><methodName>supervisor.getAPIVersion</methodName>"
                   "</methodCall>", "/RPC2/anything")
assert st == 200 and ct == "text/xml", (st, ct)
assert body == (b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                b"<value><string>3.0</string></value>\n</param>\n</params>\n"
                b"</methodResponse>\n"), body
print("ok: xmlrpc.client checks")
PYEOF

expect_run 0 "Shut down" shutdown
if [ "$REF" = supervisord ]; then
	bb_wait 20 bb_not_alive "$SUPD_PID"
else
	bb_wait 20 bb_not_alive "$SUPD_PID"
	wait "$SUPD_PID" 2>/dev/null && SUPD_STATUS=0 || SUPD_STATUS=$?
	expect_eq 0 "$SUPD_STATUS" "supd's exit status after shutdown"
fi
ok "shutdown"
