#!/usr/bin/env bash
# Ctrl-C in supctl's interactive shell ends the running command (here a
# tail -f) and returns to the prompt, as supervisorctl's does, instead of
# ending supctl; the next command works.  Driven on a pseudo-terminal by
# python3's pty module (skipped without python3).
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
bb_setup
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:web]
command=sh -c 'while :; do echo tick; sleep 0.2; done'
startsecs=0
EOC
bb_start
bb_wait 20 sh -c "'$SUPCTL' -c '$T/supd.conf' status web | grep -q RUNNING"

cat >"$T/drive_pty.py" <<'EOPY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-c", sys.argv[2]])
out = b""
def until(pat, secs=20):
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
        print("FAIL:", what, repr(out[-300:]))
        sys.exit(1)
step(until(b"supervisor> "), "no first prompt")
os.write(fd, b"tail -f web\n")
step(until(b"tick\r\ntick"), "tail -f shows no lines")
os.write(fd, b"\x03")
out = b""
step(until(b"supervisor> "), "no prompt after Ctrl-C")
os.write(fd, b"status web\n")
step(until(b"RUNNING"), "no status after Ctrl-C")
os.write(fd, b"quit\n")
_, st = os.waitpid(pid, 0)
step(os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0, "supctl ended with %d" % st)
print("ok")
EOPY
out=$(timeout 60 python3 "$T/drive_pty.py" "$SUPCTL" "$T/supd.conf" 2>&1) || fail "$out"
expect_eq ok "$out" "the pty session"
ok "Ctrl-C ends tail -f and returns to the prompt; the shell goes on"
bb_stop
