#!/usr/bin/env bash
# Followers share one inotify instance: 300 concurrent tail -f followers
# (1000 with SOAK=1) all get their stream and every new line, and while
# they are open another process of the same user can still inotify_init
# (an instance per follower hit fs.inotify.max_user_instances, 128 by
# default: the 129th follower got a 500, every other process EMFILE).
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 77
fi
bb_setup

N=300
[ "${SOAK:-0}" = 1 ] && N=1000
# supd and the test each hold a socket per follower
want=$((N * 2 + 1300)) # minfds is 1024
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want" ]; then
	echo "SKIP: the hard fd limit $(ulimit -Hn) is below $want"
	exit 77
fi
ulimit -n "$want"

bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

# followers spread over three listeners: each listener takes at most 512
# connections (http.h), and 1000 followers are the point
[unix_http_server:b]
file=@T@/supd-b.sock

[unix_http_server:c]
file=@T@/supd-c.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:ticker]
command=sh -c 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done'
startsecs=0
stdout_logfile=@T@/ticker.log
stdout_logfile_maxbytes=2KB
stdout_logfile_backups=2
stderr_logfile=NONE
EOF2

cat >"$T/followers.py" <<'PYEOF'
# followers.py SOCKS LOG N: N followers (spread over the comma-separated sockets) of ticker's log; checks that each
# got a 200, that this process can inotify_init meanwhile, and that each
# sees a tick written after they all started.  Prints "ok" or the problem.
import ctypes, os, re, select, socket, sys, time
sockpaths, log, n = sys.argv[1].split(","), sys.argv[2], int(sys.argv[3])
supd, figures = sys.argv[4], sys.argv[5]
deadline = time.time() + 120
def inotifies():
    links = [os.readlink("/proc/%s/fd/%s" % (supd, f)) for f in os.listdir("/proc/%s/fd" % supd)]
    return links, sum(1 for l in links if l == "anon_inode:inotify")
# supd's own before the followers (cgroups watch their leaves with one)
_, base = inotifies()
socks, got = [], {}
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sockpaths[i % len(sockpaths)])
    s.sendall(b"GET /v1/processes/ticker/log?follow=true HTTP/1.1\r\nHost: x\r\n\r\n")
    socks.append(s)
    got[s] = b""
byfd = {s.fileno(): s for s in socks}
def pump(until):
    pending = set(socks)
    poll = select.poll()  # not select(): more than 1024 fds
    for s in socks:
        poll.register(s, select.POLLIN)
    while pending and time.time() < deadline:
        for fd, _ in poll.poll(1000):
            s = byfd[fd]
            if s not in pending:
                continue
            d = s.recv(65536)
            if not d:
                print("follower closed:", got[s][:200])
                sys.exit(1)
            got[s] += d
            if until(got[s]):
                pending.discard(s)
                poll.unregister(s)
    return not pending
if not pump(lambda b: b"\r\n\r\n" in b):
    print("not every follower got an answer")
    sys.exit(1)
bad = [g[:60] for g in got.values() if not g.startswith(b"HTTP/1.1 200")]
if bad:
    print("%d followers refused, e.g. %r" % (len(bad), bad[0]))
    sys.exit(1)
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
if fd < 0:
    print("inotify_init in another process failed:", os.strerror(ctypes.get_errno()))
    sys.exit(1)
os.close(fd)
links, inotify = inotifies()
inotify -= base
rss = [l.split()[1] for l in open("/proc/%s/status" % supd) if l.startswith("VmRSS:")][0]
with open(figures, "w") as f:
    f.write("supd with %d followers: %d fds, %d inotify instance(s) for them, RSS %s kB\n" % (n, len(links), inotify, rss))
if inotify != 1:
    print("supd has %d inotify instances for its followers" % inotify)
    sys.exit(1)
last = max(int(m) for m in re.findall(rb"tick (\d+)", open(log, "rb").read()))
want = b"tick %d\n" % (last + 2)
for s in socks:
    got[s] = got[s][-64:]
if not pump(lambda b: want in b):
    print("not every follower saw", want)
    sys.exit(1)
print("ok")
PYEOF

bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 grep -q "tick 3" "$T/ticker.log"
inotify_count() { find /proc/$SUPD_PID/fd -lname 'anon_inode:inotify' | wc -l; }
# supd's own, before any follower (with cgroups: one for the leaves)
INO0=$(inotify_count)

out=$(timeout 150 python3 "$T/followers.py" "$T/supd.sock,$T/supd-b.sock,$T/supd-c.sock" "$T/ticker.log" "$N" "$SUPD_PID" "$T/figures" 2>&1) || true
expect_eq ok "$out" "$N followers"
cat "$T/figures"
ok "$N concurrent followers, each with every new line; inotify_init still works elsewhere"

# the followers' inotify instance while nobody follows: none (closed with
# the last)
inotify_back() { [ "$(inotify_count)" = "$INO0" ]; }
bb_wait 10 inotify_back
# and a real supctl tail -f across rotations still works
"$SUPCTL" -c "$T/supd.conf" tail -f ticker >"$T/follow.out" 2>&1 &
FPID=$!
BB_PIDS+=("$FPID")
bb_wait 10 grep -q 'tick' "$T/follow.out"
inotify_one() { [ "$(inotify_count)" = $((INO0 + 1)) ]; }
bb_wait 10 inotify_one
first=$(grep -o 'tick [0-9]*' "$T/follow.out" | head -1 | cut -d' ' -f2)
bb_wait 30 grep -q "^tick $((first + 60))\$" "$T/follow.out"
kill "$FPID"
wait "$FPID" 2>/dev/null || true
seq "$first" $((first + 60)) | sed 's/^/tick /' >"$T/want"
grep -o '^tick [0-9]*$' "$T/follow.out" | sed -n "1,61p" >"$T/got"
cmp -s "$T/want" "$T/got" || fail "tail -f lost or repeated a line across rotations: $(diff "$T/want" "$T/got" | head -5)"
ok "supctl tail -f follows rotations without a gap"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
