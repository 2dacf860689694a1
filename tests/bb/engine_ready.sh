#!/usr/bin/env bash
# ready_check (supd's own option, doc/readiness.md): each kind passing
# (STARTING until the check passes, then RUNNING with "ready": true),
# failing (ready_timeout: BACKOFF then FATAL, the description naming the
# check and its last error) and a probe timing out; a program written for
# systemd's Type=notify runs unchanged (sd_notify datagrams, and
# systemd-notify --ready when it is installed); a notify message from
# outside the program is not taken for it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
bb_setup

TCP=$(free_port)
HTTP=$(free_port)
DEAD=$(free_port)
BAD=$(free_port)

NOTIFY_SH=
command -v systemd-notify >/dev/null && NOTIFY_SH="
[program:sdnotify]
command=sh -c 'sleep 0.3; systemd-notify --ready --status=\"from a script\"; exec sleep 1000'
ready_check=notify
startsecs=0
"

cat >"$T/supd.conf" <<EOC
[supervisord]
logfile=$T/supd.log
pidfile=$T/supd.pid
loglevel=debug

[unix_http_server]
file=$T/supd.sock

[supervisorctl]
serverurl=unix://$T/supd.sock

[program:tcp]
command=$P sleep 400 listen $TCP
ready_check=tcp:127.0.0.1:$TCP
ready_interval=100ms
startsecs=0

[program:http]
command=$P sleep 300 http $HTTP 204
ready_check=http:http://127.0.0.1:$HTTP/ready
ready_interval=100ms
startsecs=0

[program:httpunix]
command=$P sleep 300 http unix:$T/h.sock 200
ready_check=http:http://unix:$T/h.sock:/ready
ready_interval=100ms
startsecs=0

[program:log]
command=$P sleep 300 print "starting" print "listening on port 42"
ready_check=log:listening on port [0-9]+
startsecs=0

[program:notify]
command=$P sleep 300 notify "STATUS=warming up" sleep 100 notify "READY=1\nSTATUS=serving"
ready_check=notify
startsecs=0

[program:fd]
command=$P sleep 300 fd 4
ready_check=fd:4
startsecs=0

[program:exec]
command=$P sleep 1000
ready_check=exec:test -e $T/flag
ready_interval=100ms
startsecs=0

[program:slowstart]
command=$P sleep 100000
ready_check=exec:true
ready_interval=100ms
startsecs=4

[program:waitnotify]
command=$P sleep 100000
ready_check=notify
ready_timeout=1m
$NOTIFY_SH
[program:f_tcp]
command=$P sleep 100000
ready_check=tcp:127.0.0.1:$DEAD
ready_interval=100ms
ready_timeout=3s
startretries=1
startsecs=0

[program:f_http]
command=$P http $BAD 503
ready_check=http:http://127.0.0.1:$BAD/
ready_interval=100ms
ready_timeout=3s
startretries=0

[program:f_exec]
command=$P sleep 100000
ready_check=exec:false
ready_interval=100ms
ready_timeout=3s
startretries=0

[program:f_log]
command=$P print "nothing to see"
ready_check=log:^ready\$
ready_timeout=1s
startretries=0

[program:f_fd]
command=$P exit 0
ready_check=fd:3
ready_timeout=5s
startretries=0

[program:f_notify]
command=$P notify "STATUS=never ready"
ready_check=notify
ready_timeout=1s
startretries=0

[program:t_exec]
command=$P sleep 100000
ready_check=exec:sleep 10
ready_interval=100ms
ready_probe_timeout=200ms
ready_timeout=3s
startretries=0
EOC

bb_start
json() { snap; python3 -c 'import json, sys; print([p for p in json.load(open(sys.argv[1])) if p["name"] == sys.argv[2]])' "$T/st.json" "$1"; }
has() { ctl --json status "$1" 2>/dev/null | grep -qF -- "$2"; }
state() { snap; get "$1" statename; }

# startsecs stays a minimum: ready at once, STARTING until startsecs (4s)
bb_wait_log 10 "ready: slowstart passed"
expect_eq STARTING "$(state slowstart)" "slowstart ready before startsecs"

# passing: each becomes RUNNING once its check passes, and says it is ready
PASSING="tcp http httpunix log notify fd ${NOTIFY_SH:+sdnotify}"
# shellcheck disable=SC2086
bb_wait 15 all_in RUNNING $PASSING
for n in $PASSING; do
	expect_eq true "$(get "$n" ready)" "$n: ready"
	grep -q "ready: $n passed its ready check" "$T/supd.log" || fail "$n: no 'ready:' log line"
	ok "$n: ready check passed, RUNNING"
done
expect_eq serving "$(get notify status_text)" "notify's STATUS="
ctl status notify | grep -q 'serving' || fail "notify: STATUS= not in the description"
ok "STATUS= in /v1 and in the description"
if [ -n "$NOTIFY_SH" ]; then
	expect_eq "from a script" "$(get sdnotify status_text)" "sdnotify's STATUS="
	ok "systemd-notify --ready from a script"
fi

# exec: STARTING (described as waiting) until the flag exists
bb_wait 10 has exec 'waiting for ready check exec:test -e'
expect_eq STARTING "$(state exec)" "exec before its flag"
has exec '"ready": false' || fail "exec: ready before its flag"
touch "$T/flag"
bb_wait 10 has exec '"statename": "RUNNING"'
ok "exec: STARTING until the check passes"


# a datagram from outside the program (this shell's child, not in the
# program's process group) is not taken for it
WPID=$(bb_log_pid waitnotify)
SOCK=$(tr '\0' '\n' <"/proc/$WPID/environ" | sed -n 's/^NOTIFY_SOCKET=//p')
[ -n "$SOCK" ] || fail "waitnotify has no NOTIFY_SOCKET"
NOTIFY_SOCKET=$SOCK timeout 10 "$P" notify "READY=1" exit 0
bb_wait_log 10 "notify message from pid [0-9]+ ignored"
expect_eq STARTING "$(state waitnotify)" "waitnotify after a stranger's READY=1"
ok "a stranger's READY=1 is ignored"

# failing: BACKOFF, then FATAL after startretries, saying which check and why
bb_wait 20 all_in FATAL f_tcp f_http f_exec f_notify f_log f_fd t_exec
[ "$(grep -c "spawned: 'f_tcp'" "$T/supd.log")" = 2 ] || fail "f_tcp: not 2 tries"
for n in f_tcp:"ready check tcp:127.0.0.1:$DEAD did not pass within 3000ms (last error: Connection refused)" \
	f_http:"ready check http:http://127.0.0.1:$BAD/ did not pass within 3000ms" f_exec:"exit status 1" f_notify:"did not pass within 1000ms" \
	f_log:"did not pass within 1000ms" f_fd:"Exited before its ready check passed" \
	t_exec:"no answer within 200ms"; do
	name=${n%%:*}
	want=${n#*:}
	get "$name" description | grep -qF -- "$want" || fail "$name: expected '$want' in $(json "$name")"
	ok "$name: FATAL, '$want'"
done
bb_wait 10 all_in RUNNING slowstart
ok "startsecs stays a minimum"

bb_stop
ok "done"
