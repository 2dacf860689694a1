#!/usr/bin/env bash
# pidfile= (issue #14): a forking daemon.  supd runs the launcher, which
# double-forks and exits 0; the daemon writes its pid file a little later
# (atomically, by rename); supd adopts that process (its child, as a
# subreaper), and stop, restart, status and exit statuses work as for any
# program.  A launcher that fails is a failed start.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

cat >"$T/launch.sh" <<'EOF2'
#!/bin/sh
# the classic double fork: the daemon is orphaned when both parents exit
( setsid sh -c 'sleep 0.3; echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 1000' sh "$1" & )
exit 0
EOF2
chmod +x "$T/launch.sh"

bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:daemon]
command=@T@/launch.sh @T@/daemon.pid
pidfile=@T@/daemon.pid
startsecs=1
autorestart=unexpected

[program:broken]
command=sh -c 'exit 4'
pidfile=@T@/broken.pid
startretries=0
EOF2

bb_start
state() { ctl status "$1" | awk '{ print $2 }'; }
bb_wait 20 sh -c "timeout 10 '$SUPCTL' -c '$T/supd.conf' status daemon | grep -q RUNNING"
pid=$(cat "$T/daemon.pid")
grep -q "adopted: 'daemon' is pid $pid (from $T/daemon.pid)" "$T/supd.log" || fail "no adoption logged"
run status daemon
case $OUT in *"pid $pid,"*) ;; *) fail "status shows another pid: $OUT" ;; esac
ppid=$(awk '{ print $4 }' "/proc/$pid/stat")
expect_eq "$SUPD_PID" "$ppid" "the daemon's parent"
ok "the daemon (pid $pid) is adopted as supd's child and RUNNING"

run stop daemon
[ "$RC" = 0 ] || fail "stop: $OUT"
bb_wait 10 bb_not_alive "$pid"
expect_eq STOPPED "$(state daemon)" "state after stop"
grep -q "stopped: daemon (terminated by SIGTERM)" "$T/supd.log" || fail "no stop logged"
ok "stop ends the daemon"

run start daemon
[ "$RC" = 0 ] || fail "start: $OUT"
pid2=$(cat "$T/daemon.pid")
[ "$pid2" != "$pid" ] || fail "start kept the old pid"
run restart daemon
[ "$RC" = 0 ] || fail "restart: $OUT"
bb_not_alive "$pid2" || fail "restart left pid $pid2 running"
pid3=$(cat "$T/daemon.pid")
kill -0 "$pid3" || fail "no daemon after restart"
expect_eq RUNNING "$(state daemon)" "state after restart"
ok "start and restart launch a new daemon ($pid2, $pid3)"

# the daemon dies by itself: its status is reaped and it is relaunched
kill -KILL "$pid3"
bb_wait_log 10 "exited: daemon \(terminated by SIGKILL; not expected\)"
bb_wait 20 sh -c "grep -c \"adopted: 'daemon'\" '$T/supd.log' | grep -qx 4"
pid4=$(cat "$T/daemon.pid")
[ "$pid4" != "$pid3" ] && kill -0 "$pid4" || fail "not relaunched after its death"
ok "its death is reaped with its status and it is relaunched (pid $pid4)"

bb_wait 10 sh -c "timeout 10 '$SUPCTL' -c '$T/supd.conf' status broken | grep -q FATAL"
run status broken
case $OUT in *"the launcher failed (exit status 4)"*) ;; *) fail "broken: $OUT" ;; esac
ok "a failing launcher is a failed start: $OUT"
bb_stop
bb_not_alive "$pid4" || fail "supd's shutdown left the daemon running"
ok "shutdown stops the daemon"
