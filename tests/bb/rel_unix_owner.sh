#!/usr/bin/env bash
# The unix socket always has room for its owner (doc/security.md): when
# its mode lets other local users in, they get at most 448 of its 512
# connections; the other 64 are kept for supd's uid and root.  Another
# user (nobody) opens 460 connections: 12 are closed at once, and
# supctl status (root) is answered while the 448 are held.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
PY=/usr/bin/python3
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || [ ! -x "$PY" ]; then
	echo "SKIP: needs root, setpriv and /usr/bin/python3"
	exit 77
fi
bb_setup
bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
minfds=2048

[unix_http_server]
file=@T@/supd.sock
chmod=0777

[program:sleeper]
command=sleep 1000
startsecs=0
EOF2
bb_start
ctl() { timeout 20 "$SUPCTL" -c "$T/supd.conf" "$@"; }
bb_wait 10 sh -c "\"$SUPCTL\" -c '$T/supd.conf' status sleeper | grep -q RUNNING"
chmod 755 "$T"
timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" - "$T/supd.sock" "$T/go" \
	>"$T/local.out" 2>&1 <<'PYEOF' &
import os, resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
conns = []
for _ in range(460):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
for s in conns:
    s.setblocking(False)
closed = set()
def poll_closed():
    for i, s in enumerate(conns):
        if i in closed:
            continue
        try:
            if s.recv(1) == b"":
                closed.add(i)
        except BlockingIOError:
            pass
# supd takes them as fast as it can (slowly under sanitizers): wait for
# the 12, then a little longer for any more.
end = time.monotonic() + 20
while len(closed) < 12 and time.monotonic() < end:
    time.sleep(0.2)
    poll_closed()
time.sleep(0.5)
poll_closed()
closed = len(closed)
print("closed", closed, flush=True)
end = time.monotonic() + 30
while not os.path.exists(sys.argv[2]) and time.monotonic() < end:
    time.sleep(0.05)
PYEOF
LOCAL_PID=$!
BB_PIDS+=("$LOCAL_PID")
bb_wait 30 grep -q '^closed' "$T/local.out"
expect_eq "closed 12" "$(cat "$T/local.out")" "another user's 460 connections"
t0=$(date +%s%N)
ctl status sleeper | grep -q RUNNING || fail "supctl status while another user holds 448 connections"
ms=$((($(date +%s%N) - t0) / 1000000))
touch "$T/go"
wait "$LOCAL_PID"
ok "another user holds at most 448 connections; root's supctl status answered in $ms ms"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
! grep -q 'Sanitizer' "$T/supd.stderr" || fail "sanitizer report"
