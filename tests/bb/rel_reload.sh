#!/usr/bin/env bash
# A reload is all or nothing for the control plane.  A reload whose new
# [inet_http_server] port is taken is refused: supctl reload says why (and
# exits 1), supd's log says why, the old listeners (unix socket, old port)
# keep working, the programs are untouched; once the port is free, a later
# reload applies all of it.  Before, such a reload left supd with no
# listener at all, and a later one could not bring them back (the configs
# compared equal).  A listener at an unchanged address keeps its socket
# across a reload (same inode, connections kept).
. "$(dirname "$0")/lib.sh"
bb_setup

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
silent() { ! answers "$1"; }
P1=$(free_port) || fail "no free port"
P2=$(free_port) || fail "no free port"
[ "$P1" != "$P2" ] || P2=$(free_port) || fail "no free port"

conf() { # PORT [extra program]
	bb_conf <<EOC
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[inet_http_server]
port=127.0.0.1:$1
username=u
password=p

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:keep]
command=sleep 1000
startsecs=0
EOC
	if [ -n "${2:-}" ]; then
		printf '\n[program:%s]\ncommand=sleep 1000\nstartsecs=0\n' "$2" >>"$T/supd.conf"
	fi
}
ctl() { timeout 20 "$SUPCTL" -c "$T/supd.conf" "$@"; }

conf "$P1"
bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 grep -q "success: keep entered RUNNING" "$T/supd.log"
bb_wait 10 answers "$P1"
keep=$(bb_log_pid keep)
ino=$(stat -c %i "$T/supd.sock")

# Another server (a second supd) holds P2.
mkdir "$T/blk"
cat >"$T/blk/supd.conf" <<EOC
[supervisord]
logfile=$T/blk/supd.log
pidfile=$T/blk/supd.pid
[inet_http_server]
port=127.0.0.1:$P2
EOC
"$SUPD" -n -c "$T/blk/supd.conf" >"$T/blk/out" 2>&1 &
BLK=$!
BB_PIDS+=("$BLK")
bb_wait 10 answers "$P2"
kill -0 "$BLK" 2>/dev/null || fail "the supd holding $P2 died: $(cat "$T/blk/out")"

# The reload that cannot open P2: refused, said to the caller and in the log.
conf "$P2" added
out=$(ctl reload 2>&1)
rc=$?
expect_eq 1 "$rc" "supctl reload's status when the new port is taken (output: $out)"
echo "$out" | grep -q "ERROR: .*not reloading .*127.0.0.1:$P2" || fail "supctl reload did not say why: $out"
grep -q "not reloading .*127.0.0.1:$P2" "$T/supd.log" || fail "the log does not say why"
ok "a reload whose port is taken is refused, with the reason to supctl and in the log"

[ -S "$T/supd.sock" ] || fail "the unix socket is gone"
expect_eq "$ino" "$(stat -c %i "$T/supd.sock")" "the unix socket's inode"
out=$(ctl status) || fail "status after the refused reload: $out"
echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep: $out"
echo "$out" | grep -q "^added" && fail "the refused reload added a program: $out"
answers "$P1" || fail "the old port $P1 was closed"
ok "after the refused reload: the unix socket, port $P1 and the programs are as they were"

# SIGHUP: the same refusal, logged.
n=$(grep -c "not reloading" "$T/supd.log")
kill -HUP "$SUPD_PID"
not_reloading_more() { [ "$(grep -c "not reloading" "$T/supd.log")" -gt "$n" ]; }
bb_wait 10 not_reloading_more
ctl status >/dev/null || fail "status after the refused SIGHUP"
answers "$P1" || fail "the old port $P1 was closed by SIGHUP"
ok "SIGHUP with the port taken: refused, listeners kept"

# The port is free again: the same config now applies whole.
kill -TERM "$BLK"
bb_wait 20 bb_not_alive "$BLK"
wait "$BLK" 2>/dev/null
bb_wait 10 silent "$P2"
out=$(ctl reload 2>&1) || fail "the reload once the port is free: $out"
bb_wait 10 answers "$P2"
bb_wait 10 silent "$P1"
bb_wait 10 sh -c "'$SUPCTL' -c '$T/supd.conf' status added | grep -q RUNNING"
out=$(ctl status)
echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep after the reload: $out"
expect_eq "$ino" "$(stat -c %i "$T/supd.sock")" "the unix socket's inode after the reload"
ok "a later reload completes: port $P2 open, $P1 closed, the program added, the socket kept"

# An open connection survives a reload that keeps its listener.
exec 4<>"/dev/tcp/127.0.0.1/$P2"
conf "$P2" added2
out=$(ctl reload 2>&1) || fail "reload: $out"
printf 'GET /v1/version HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dTpw\r\nConnection: close\r\n\r\n' >&4
reply=$(timeout 10 cat <&4)
exec 4<&-
echo "$reply" | head -n 1 | grep -q '^HTTP/1.1 200' || fail "a connection opened before the reload: $reply"
ok "a connection opened before a reload is served after it"

# A reload asked for over the listener the new config drops: that
# connection closes (no answer can come back on it), the rest goes on.
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[program:keep]
command=sleep 1000
startsecs=0
EOC
exec 4<>"/dev/tcp/127.0.0.1/$P2"
printf 'POST /v1/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dTpw\r\nContent-Length: 0\r\n\r\n' >&4
timeout 10 cat <&4 >/dev/null
exec 4<&-
bb_wait 10 silent "$P2"
out=$(timeout 20 "$SUPCTL" -s "unix://$T/supd.sock" status) || fail "status after dropping the inet listener: $out"
echo "$out" | grep -q "^keep  *RUNNING  *pid $keep," || fail "keep: $out"
ok "a reload over the listener it drops: that connection closes, supd goes on"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
