#!/usr/bin/env bash
# Slow followers never lose data silently: a follower that stops reading
# while its program writes through several rotations, then resumes, gets
# the bytes in order, reading the backups in order; when the bytes it needs
# were rotated out of the last backup, the stream has a marker with the
# exact number of bytes skipped, and supctl tail -f prints a notice on
# stderr instead of the marker.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 77
fi
bb_setup

# writer N: N lines "L%08d\n" (10 bytes each), in 64 KiB bursts: a burst
# never rotates the log twice in one turn of supd's loop
cat >"$T/writer.py" <<'PYEOF'
import os, sys, time
n = int(sys.argv[1])
for start in range(0, n, 6400):
    os.write(1, b"".join(b"L%08d\n" % i for i in range(start, min(n, start + 6400))))
    time.sleep(0.005)
PYEOF

bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

; 1 MB through 100 KB files: the 11 files on disk hold it all
[program:keep]
command=python3 @T@/writer.py 100000
autostart=false
autorestart=false
startsecs=0
stdout_logfile=@T@/keep.log
stdout_logfile_maxbytes=100KB
stdout_logfile_backups=10
stderr_logfile=NONE

; 5 MB through 100 KB files with 2 backups: most of it is rotated out
[program:lose]
command=python3 @T@/writer.py 500000
autostart=false
autorestart=false
startsecs=0
stdout_logfile=@T@/lose.log
stdout_logfile_maxbytes=100KB
stdout_logfile_backups=2
stderr_logfile=NONE

[program:lose2]
command=python3 @T@/writer.py 500000
autostart=false
autorestart=false
startsecs=0
stdout_logfile=@T@/lose2.log
stdout_logfile_maxbytes=100KB
stdout_logfile_backups=2
stderr_logfile=NONE
EOF2

# slow.py SOCK NAME N: follows NAME's log, stops reading once it has the
# answer's head, prints "stalled", waits for a line on stdin, then reads
# until it has every line up to L(N-1) or a gap, and checks what it got.
cat >"$T/slow.py" <<'PYEOF'
import re, select, socket, sys, time
sock, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
full = b"".join(b"L%08d\n" % i for i in range(n))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sock)
s.sendall(b"GET /v1/processes/%s/log?follow=true HTTP/1.1\r\nHost: x\r\n\r\n" % name.encode())
raw = b""
while b"\r\n\r\n" not in raw:
    raw += s.recv(4096)
print("stalled", flush=True)
sys.stdin.readline()
deadline = time.time() + 60
last = b"L%08d\n" % (n - 1)
body = b""
def dechunk(raw):
    head, _, rest = raw.partition(b"\r\n\r\n")
    out = b""
    while rest:
        size, sep, rest2 = rest.partition(b"\r\n")
        if not sep:
            break
        k = int(size, 16)
        if len(rest2) < k + 2:
            break
        out += rest2[:k]
        rest = rest2[k + 2:]
    return out
while time.time() < deadline:
    body = dechunk(raw)
    if body.endswith(last):
        break
    r, _, _ = select.select([s], [], [], 1)
    if r:
        d = s.recv(65536)
        if not d:
            break
        raw += d
else:
    print("timed out; got %d bytes, ending %r" % (len(body), body[-40:]))
    sys.exit(1)
marks = list(re.finditer(rb"(\n?)==> (\d+) bytes skipped: rotated out before they were read <==\n", body))
if not marks:
    if body != full:
        i = next((k for k in range(min(len(body), len(full))) if body[k] != full[k]), None)
        print("no marker, yet %d bytes of %d differ from offset %s: %r" % (len(body), len(full), i, body[i:i + 30] if i is not None else b""))
        sys.exit(1)
    print("whole")
    sys.exit(0)
if len(marks) != 1:
    print("%d markers" % len(marks))
    sys.exit(1)
m = marks[0]
skip, after = int(m.group(2)), body[m.end():]
for before in (body[:m.start()], body[:m.start(1) + len(m.group(1))] if m.group(1) else None):
    if before is not None and full.startswith(before) and full[len(before) + skip:] == after:
        print("skipped %d" % skip)
        sys.exit(0)
print("the bytes around the marker (skip %d) do not fit: before ends %r, after starts %r" % (skip, body[:m.start()][-30:], after[:30]))
sys.exit(1)
PYEOF

bb_start
bb_wait 10 test -S "$T/supd.sock"
ctl() { "$SUPCTL" -c "$T/supd.conf" "$@"; }

# run_slow NAME N: a stalled follower of NAME while it writes N lines
run_slow() {
	coproc SLOW { exec python3 "$T/slow.py" "$T/supd.sock" "$1" "$2"; }
	BB_PIDS+=("$SLOW_PID")
	local line
	read -r -t 30 line <&"${SLOW[0]}" || line=timeout
	expect_eq stalled "$line" "$1's follower stalls"
	ctl start "$1" >/dev/null
	bb_wait 60 sh -c "\"$SUPCTL\" -c \"$T/supd.conf\" status $1 | grep -q EXITED"
	bb_wait 10 grep -qs "L$(printf %08d $(($2 - 1)))" "$T/$1.log" "$T/$1.log.1"
	echo go >&"${SLOW[1]}"
	read -r -t 90 line <&"${SLOW[0]}" || line=timeout
	wait "$SLOW_PID" 2>/dev/null || true
	RESULT=$line
}

run_slow keep 100000
expect_eq whole "$RESULT" "a slow follower whose bytes are all in the backups"
ok "a slow follower reads the backups in order: every byte, no marker"

run_slow lose 500000
case "$RESULT" in
"skipped "*) ok "a slow follower whose bytes were rotated out: $RESULT bytes, the rest in order" ;;
*) fail "a slow follower whose bytes were rotated out: $RESULT" ;;
esac

# supctl tail -f, stopped while lose2 writes: a notice on stderr, no
# marker on stdout
"$SUPCTL" -c "$T/supd.conf" tail -f lose2 >"$T/tail.out" 2>"$T/tail.err" &
TPID=$!
BB_PIDS+=("$TPID")
bb_wait 10 grep -q 'Press Ctrl-C' "$T/tail.out"
kill -STOP "$TPID"
ctl start lose2 >/dev/null
bb_wait 60 sh -c "\"$SUPCTL\" -c \"$T/supd.conf\" status lose2 | grep -q EXITED"
kill -CONT "$TPID"
bb_wait 60 grep -q '^L00499999$' "$T/tail.out"
kill "$TPID"
wait "$TPID" 2>/dev/null || true
grep -q "supctl: lose2: [0-9]* bytes of the log were lost" "$T/tail.err" ||
	fail "no notice on supctl's stderr: $(head -c 300 "$T/tail.err")"
if grep -q 'bytes skipped' "$T/tail.out"; then
	fail "the marker reached supctl's stdout"
fi
ok "supctl tail -f: $(cat "$T/tail.err")"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
