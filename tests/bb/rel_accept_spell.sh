#!/usr/bin/env bash
# When accept fails (EMFILE: supd is out of fds), supd warns once per
# spell of failures, not each time a closing connection lets one more
# accept through (doc/security.md).  supd runs under RLIMIT_NOFILE=64;
# 80 clients each hold a connection in the middle of a request body (not
# evictable, one fd each), the rest wait in the backlog; then ten times
# one connection closes and a new one queues.  Before the fix, each of
# those let one accept succeed and the next failure warn again.
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null || ! command -v prlimit >/dev/null; then
	echo "SKIP: python3 or prlimit missing"
	exit 77
fi
bb_setup
bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
minfds=32

[unix_http_server]
file=@T@/supd.sock

[program:sleeper]
command=sleep 1000
startsecs=0
EOF
prlimit --nofile=64:64 "$SUPD" -n -c "$T/supd.conf" >"$T/supd.stdout" 2>"$T/supd.stderr" &
SUPD_PID=$!
BB_PIDS+=("$SUPD_PID")
bb_wait 10 test -S "$T/supd.sock"
bb_wait_log 10 "success: sleeper entered RUNNING"

timeout 60 python3 - "$T/supd.sock" "$T/supd.log" <<'PYEOF' || fail "the clients"
import socket, sys, time
path, log = sys.argv[1], sys.argv[2]
HEAD = (b"POST /v1/reread HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{")

def client():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(HEAD)
    return s

def warnings():
    with open(log) as f:
        return sum("accept: Too many open files" in l for l in f)

def wait(cond, secs, what):
    end = time.monotonic() + secs
    while not cond():
        if time.monotonic() > end:
            sys.exit("timed out waiting for " + what)
        time.sleep(0.05)

held = [client() for _ in range(80)]
wait(lambda: warnings() >= 1, 10, "the first accept warning")
for i in range(10):
    held.pop(0).close()  # among the first: accepted, so an fd comes free
    time.sleep(0.3)      # supd retries every 100 ms: one accept, one failure
    held.append(client())
time.sleep(0.5)
n = warnings()
if n != 1:
    sys.exit("%d accept warnings in one spell, want 1" % n)
for s in held:
    s.close()
PYEOF
ok "one accept warning in a spell of ten fd-starved accepts"

# The spell ends when the backlog is empty; supd says so, and serves.
bb_wait_log 10 "unix_http_server: accepting connections again \([0-9]+ accepts had failed\)"
timeout 20 "$SUPCTL" -c "$T/supd.conf" status sleeper | grep -q RUNNING || fail "status after the spell"
expect_eq 1 "$(grep -c 'accept: Too many open files' "$T/supd.log")" "accept warnings at the end"
ok "the spell's end is logged"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
! grep -q 'Sanitizer' "$T/supd.stderr" || fail "sanitizer report"
