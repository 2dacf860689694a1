#!/usr/bin/env bash
# [fcgi-program:x]: the section's socket is every process's stdin (TCP
# with numprocs=2, and unix with its mode), the same socket across an
# automatic restart, refused once the program is stopped, made again at
# the next start; a stale socket file is replaced, a regular file in the
# way and a port in use are spawn errors naming the socket, a reload moves
# a socket, and the unix socket file goes at shutdown.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 77
fi
bb_setup

# A FastCGI-style server (answers its pid) and its client.
cp "$(dirname "$0")/fcgisrv.py" "$T/srv.py"
cp "$(dirname "$0")/fcgiask.py" "$T/ask.py"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# A stale socket file where u's socket goes, and a regular file where
# blocked's goes.
python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('$T/u.sock')"
echo keep >"$T/blocked.sock"

bb_conf <<EOC
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[fcgi-program:web]
socket=tcp://127.0.0.1:$PORT
command=python3 -u @T@/srv.py
process_name=%(program_name)s_%(process_num)d
numprocs=2
startsecs=0

[fcgi-program:u]
socket=unix://@T@/u.sock
socket_mode=0660
command=python3 -u @T@/srv.py
startsecs=0

[fcgi-program:blocked]
socket=unix://@T@/blocked.sock
command=python3 -u @T@/srv.py
startsecs=0
startretries=0

[fcgi-program:twin]
socket=tcp://127.0.0.1:$PORT
command=python3 -u @T@/srv.py
autostart=false
startsecs=0
startretries=0
EOC
ask() {
	python3 "$T/ask.py" "$1"
}
sock_of() {
	readlink "/proc/$1/fd/0"
}

bb_start
bb_wait_log 10 "spawned: 'web_1'"
bb_wait_log 10 "spawned: 'u'"
W0=$(bb_log_pid web_0)
W1=$(bb_log_pid web_1)

# Both processes accept on the one socket.
seen=" "
for i in $(seq 1 200); do
	p=$(ask "$PORT") || fail "connect to $PORT"
	case $seen in *" $p "*) ;; *) seen="$seen$p " ;; esac
	[ "$seen" = " $W0 $W1 " ] || [ "$seen" = " $W1 $W0 " ] && break
done
[ "$seen" = " $W0 $W1 " ] || [ "$seen" = " $W1 $W0 " ] || fail "answers from$seen, want $W0 and $W1"
S0=$(sock_of "$W0")
case $S0 in socket:*) ;; *) fail "web_0's stdin: $S0" ;; esac
expect_eq "$S0" "$(sock_of "$W1")" "web_1's stdin"
ok "numprocs=2 share one TCP socket as stdin"

# Killed, restarted at once: the same socket, so no connection is refused.
kill -KILL "$W0"
bb_wait 10 sh -c "[ \"\$(sed -n \"s/.*spawned: 'web_0' with pid \([0-9]*\).*/\1/p\" '$T/supd.log' | tail -n 1)\" != $W0 ]"
W0B=$(bb_log_pid web_0)
bb_wait 10 test -e "/proc/$W0B/fd/0"
expect_eq "$S0" "$(sock_of "$W0B")" "the restarted web_0's stdin"
ok "an automatic restart keeps the socket"

# Stopped: refused; started again: a new socket that answers.
ctl stop 'web:*' >/dev/null || fail "stop web"
bb_wait 10 sh -c "! python3 '$T/ask.py' $PORT"
bb_wait_log 10 "Closing socket tcp://127.0.0.1:$PORT"
ctl start 'web:*' >/dev/null || fail "start web"
ask "$PORT" >/dev/null || fail "web after its start"
ok "a stopped program's socket is closed, a start makes it again"

# The unix socket: the stale file replaced, the mode set, answering.
U=$(bb_log_pid u)
expect_eq "$U" "$(ask "$T/u.sock")" "u's answer"
expect_eq "srw-rw----" "$(stat -c %A "$T/u.sock")" "u.sock's mode"
grep -q "Unlinking stale socket $T/u.sock" "$T/supd.log" || fail "stale socket not said"
ok "unix socket: a stale file replaced, socket_mode applied"

# Spawn errors name the socket; the regular file is left alone.
bb_wait 10 sh -c "'$SUPCTL' -c '$T/supd.conf' status blocked | grep -q FATAL"
grep -q "spawnerr: couldn't create FastCGI socket unix://$T/blocked.sock: cannot create $T/blocked.sock: a file that is not a socket is in the way" "$T/supd.log" ||
	fail "blocked's spawn error"
expect_eq "keep" "$(cat "$T/blocked.sock")" "the file in blocked's way"
out=$(ctl start twin 2>&1)
expect_eq "twin: ERROR (spawn error)" "$out" "start twin"
grep -q "spawnerr: couldn't create FastCGI socket tcp://127.0.0.1:$PORT: cannot listen on 127.0.0.1:$PORT: Address already in use" "$T/supd.log" ||
	fail "twin's spawn error"
ok "a file in the way and a port in use are spawn errors naming the socket"

# A reload that moves u's socket: u restarts on the new one, the old file
# goes once nothing holds it.
sed -i "s|^socket=unix://$T/u.sock\$|socket=unix://$T/u2.sock|" "$T/supd.conf"
grep -q "u2.sock" "$T/supd.conf" || fail "config not edited"
ctl reread >/dev/null || fail "reread"
ctl update >/dev/null || fail "update"
bb_wait 10 test -S "$T/u2.sock"
U2=$(bb_log_pid u)
[ "$U2" != "$U" ] || fail "u not restarted"
expect_eq "$U2" "$(ask "$T/u2.sock")" "u's answer on the new socket"
bb_wait 10 sh -c "! test -e '$T/u.sock'"
ok "a reload moving the socket: the program restarts on the new one, the old file goes"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
[ -e "$T/u2.sock" ] && fail "u2.sock left behind"
ok "the unix socket file goes at shutdown"
