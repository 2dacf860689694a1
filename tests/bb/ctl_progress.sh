#!/usr/bin/env bash
# On a terminal, supctl stop of a program that takes its time shows what
# it waits for and the seconds left before SIGKILL, and stop/start all
# print each process's line as it happens, not all at the end (in the
# shell too).  On a pipe, the output is supervisorctl's, unchanged.
# Driven on a pseudo-terminal by python3's pty module.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || {
	echo "SKIP: no python3"
	exit 77
}
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[program:slow]
command=sh -c 'trap "" TERM; while :; do sleep 0.1; done'
startsecs=0
stopwaitsecs=4
priority=1

[program:quick]
command=sleep 1000
startsecs=0
priority=2
EOC
bb_start
running() { ctl status "$1" | grep -q RUNNING; }
bb_wait 20 running slow
bb_wait 20 running quick

# drive_pty.py SUPCTL CONF WORDS...: runs supctl on a pty and prints what
# it wrote, each read stamped with the seconds since the start.
cat >"$T/drive_pty.py" <<'EOPY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-c", sys.argv[2]] + sys.argv[3:])
t0 = time.time()
while True:
    if select.select([fd], [], [], 0.1)[0]:
        try:
            b = os.read(fd, 4096)
        except OSError:
            break
        if not b:
            break
        for piece in b.replace(b"\r\033[K", b"\n").split(b"\n"):
            if piece.strip():
                print("%.2f %s" % (time.time() - t0, piece.decode().strip()))
_, st = os.waitpid(pid, 0)
print("exit", os.WEXITSTATUS(st))
EOPY
pty_run() { timeout 60 python3 "$T/drive_pty.py" "$SUPCTL" "$T/supd.conf" "$@"; }

# stop all: quick (stopped at once) is told before slow's SIGKILL, and
# while slow waits the line counts down to it.
lists() { # GET /v1/processes answered so far
	timeout 10 curl -s --unix-socket "$T/supd.sock" http://localhost/metrics |
		sed -n 's|^supd_http_requests_total{route="/v1/processes",code="200"} ||p'
}
L0=$(lists)
pty_run stop all >"$T/stop.out" 2>&1 || fail "pty run: $(cat "$T/stop.out")"
cat "$T/stop.out"
# Events tell the progress what happens: one look at the list to begin
# with, none while it waits (it polled once a second before).
expect_eq $((${L0:-0} + 1)) "$(lists)" "process lists asked for by a 4 s stop"
# stopwaitsecs=4: the count starts at 4 or 3 and goes down to 1 or 0
grep -q "^[0-9.]* waiting for slow to stop (SIGKILL in [34]s)$" "$T/stop.out" &&
	grep -q "^[0-9.]* waiting for slow to stop (SIGKILL in [01]s)$" "$T/stop.out" ||
	fail "no countdown: $(cat "$T/stop.out")"
grep -q "exit 0" "$T/stop.out" || fail "stop all: $(cat "$T/stop.out")"
tq=$(awk '$2 == "quick:" && $3 == "stopped" {print $1}' "$T/stop.out")
ts=$(awk '$2 == "slow:" && $3 == "stopped" {print $1}' "$T/stop.out")
[ -n "$tq" ] && [ -n "$ts" ] || fail "a stopped line is missing: $(cat "$T/stop.out")"
awk -v q="$tq" -v s="$ts" 'BEGIN {exit !(q + 1 < s)}' ||
	fail "quick's line ($tq s) came with slow's ($ts s), not as it happened"
[ "$(grep -c ': stopped$' "$T/stop.out")" = 2 ] || fail "a line printed twice: $(cat "$T/stop.out")"
ok "stop all on a terminal: each line as it happens, a countdown to SIGKILL"

pty_run start all >"$T/start.out" 2>&1 || fail "pty run: $(cat "$T/start.out")"
grep -q "slow: started" "$T/start.out" && grep -q "quick: started" "$T/start.out" ||
	fail "start all: $(cat "$T/start.out")"
ok "start all on a terminal"

# the shell: the same progress, then the prompt
cat >"$T/shell_pty.py" <<'EOPY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-c", sys.argv[2]])
out = b""
def until(pat, secs=30):
    global out
    end = time.time() + secs
    while time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return False
            if pat in out:
                return True
    return False
def step(ok, what):
    if not ok:
        print("FAIL:", what, repr(out[-400:]))
        sys.exit(1)
step(until(b"supervisor> "), "no first prompt")
out = b""
os.write(fd, b"stop slow\n")
step(until(b"waiting for slow to stop (SIGKILL in"), "no countdown in the shell")
step(until(b"slow: stopped\r\nsupervisor> "), "no result then prompt")
step(out.count(b"slow: stopped") == 1, "the result twice")
os.write(fd, b"quit\n")
_, st = os.waitpid(pid, 0)
step(os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0, "supctl ended with %d" % st)
print("ok")
EOPY
bb_wait 20 running slow
out=$(timeout 60 python3 "$T/shell_pty.py" "$SUPCTL" "$T/supd.conf" 2>&1) || fail "$out"
expect_eq ok "$out" "the shell session"
ok "the shell shows the progress too"
ctl start slow >/dev/null

# not a terminal: supervisorctl's lines, nothing else
bb_wait 20 running slow
run stop slow
expect_eq "slow: stopped" "$OUT" "stop on a pipe"
ok "on a pipe the output is unchanged"
bb_stop
