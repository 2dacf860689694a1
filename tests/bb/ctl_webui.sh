#!/usr/bin/env bash
# The web UI (doc/webui.md) against a real supd, with curl over the unix
# socket and over an [inet_http_server] with a password: the status page,
# its POST actions and their messages, the cross-site refusal, a GET that
# carries an action doing nothing, tail.html, and the paths around them.
. "$(dirname "$0")/lib.sh"
if ! command -v curl >/dev/null; then
	echo "SKIP: curl missing"
	exit 77
fi
bb_setup

# A free loopback port: nothing answers a connection to it.
PORT=
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		PORT=$p
		break
	fi
done
[ -n "$PORT" ] || fail "no free port found"

bb_conf <<EOF
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[inet_http_server]
port=127.0.0.1:$PORT
username=admin
password=s3cret

[program:web]
command=sh -c 'echo "<b>hello & bye</b>"; exec sleep 1000'
startsecs=0
stdout_logfile=@T@/web.log

[program:bad]
command=/nonexistent/x<y&z
startretries=0

[program:slow]
command=sleep 1000
startsecs=2
autostart=false

[program:nodir]
command=sleep 1000
directory=/nonexistent/d<ir
autostart=false
startretries=0

[program:a]
command=sleep 1000
startsecs=0

[program:b]
command=sleep 1000
startsecs=0

[group:g]
programs=a,b
EOF
bb_start
SOCK=$T/supd.sock
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 10 is_state web RUNNING
bb_wait 10 is_state bad FATAL
bb_wait 10 is_state g:a RUNNING
bb_wait 10 is_state g:b RUNNING

# curl over the socket: status code in $CODE, body in $T/body, headers
# in $T/head.
req() {
	CODE=$(curl -sS --unix-socket "$SOCK" -o "$T/body" -D "$T/head" -w '%{http_code}' "$@") ||
		fail "curl $*"
}
# A POST of the page's form: action [processname] [curl args...]
post() {
	local action=$1 name=${2:-}
	shift 2 || shift
	if [ -n "$name" ]; then
		req -d "processname=$name" -d "action=$action" "$@" http://localhost/index.html
	else
		req -d "action=$action" "$@" http://localhost/index.html
	fi
}
body_has() { grep -qF -- "$1" "$T/body" || fail "$2: body lacks '$1': $(head -c 2000 "$T/body")"; }
body_lacks() { ! grep -qF -- "$1" "$T/body" || fail "$2: body has '$1'"; }
# The page's row of a process (one line per row).
row() { grep -F "tail.html?processname=$1\"" "$T/body"; }
location() { sed -n 's/^Location: \(.*\)\r$/\1/Ip' "$T/head"; }
# After an action: 303 to index.html?message=..., the message (or with
# a trailing *, its start) in the body.
expect_done() {
	expect_eq 303 "$CODE" "$2: status"
	case $(location) in
	index.html\?message=*) ;;
	*) fail "$2: Location '$(location)'" ;;
	esac
	case $1 in
	*\*) body_has "<p class=\"msg\">${1%\*}" "$2" ;; # a prefix
	*) body_has "<p class=\"msg\">$1</p>" "$2" ;;
	esac
}

# ---- the status page
for path in / /index.html; do
	req "http://localhost$path"
	expect_eq 200 "$CODE" "GET $path"
	grep -qi '^Content-Type: text/html; charset=utf-8' "$T/head" || fail "GET $path: content type"
	row web | grep -qF '<span class="state running">RUNNING</span>' || fail "web row: $(row web)"
	row web | grep -qE 'pid [0-9]+, uptime' || fail "web row description: $(row web)"
	row bad | grep -qF '<span class="state fatal">FATAL</span>' || fail "bad row: $(row bad)"
	row 'g%3Aa' | grep -qF '>g:a</a>' || fail "g:a row: $(row 'g%3Aa')"
	row 'g%3Ab' | grep -qF 'state running' || fail "g:b row"
	row 'g%3Aa' | grep -qF 'href="logtail/g%3Aa">Tail -f</a>' || fail "g:a tail -f link"
	row web | grep -qF 'name="action" value="stop"' || fail "web has no Stop button"
	row bad | grep -qF 'name="action" value="start"' || fail "bad has no Start button"
	body_has "can&#39;t find command &#39;/nonexistent/x&lt;y&amp;z&#39;" "escaped spawn error"
	body_lacks "x<y&z" "unescaped spawn error"
	body_has "Restart All" "GET $path"
	body_has "Stop All" "GET $path"
	body_has "<footer>supd " "GET $path"
	# resources without JavaScript: a running process's, none for one
	# that never ran
	row web | grep -qE '<td class="res">CPU [0-9]+[.][0-9]{2}s(, mem [0-9.]+[KMG]?)?(, peak [0-9.]+[KMG]?)?, 1 proc</td>' ||
		fail "web row resources: $(row web)"
	row bad | grep -qF '<td class="res"></td>' || fail "bad row resources: $(row bad)"
done
# The rows in supctl status's order, programs of their own first, then
# each group's under its heading.
req http://localhost/
got=$(sed -n 's/.*tail.html?processname=\([^"]*\)".*/\1/p' "$T/body" | tr '\n' ' ')
expect_eq "bad nodir slow web g%3Aa g%3Ab " "$got" "row order"
body_has '<tr class="group" data-group="g"><th colspan="6">g</th></tr>' "GET / group heading"
expect_eq 1 "$(grep -c '<tr class="group"' "$T/body")" "group headings"
ok "status page"

CODE=$(curl -sS --unix-socket "$SOCK" -I -o "$T/head" -w '%{http_code}' http://localhost/)
expect_eq 200 "$CODE" "HEAD /"
ok "HEAD"

# ---- tail.html (before clearlog empties the log)
bb_wait 10 grep -q hello "$T/web.log"
req 'http://localhost/tail.html?processname=web'
expect_eq 200 "$CODE" "tail.html"
body_has '<pre id="log" data-follow="logtail/web">&lt;b&gt;hello &amp; bye&lt;/b&gt;' "tail.html escapes the log"
body_lacks '<b>hello' "tail.html"
req 'http://localhost/tail.html?processname=web&limit=5'
body_has '">&lt;/b&gt;' "tail.html limit=5"
body_lacks 'hello' "tail.html limit=5"
req 'http://localhost/tail.html?processname=nosuch%3Cx%3E'
expect_eq 404 "$CODE" "tail.html of an unknown process"
body_has 'No such process: nosuch&lt;x&gt;' "tail.html 404"
req 'http://localhost/tail.html?processname=web&limit=x'
expect_eq 400 "$CODE" "tail.html with a bad limit"
ok "tail.html"

# ---- actions
pid=$(ctl pid web)
post stop web
expect_done "Process web stopped" "stop"
expect_eq STOPPED "$(state web)" "web after stop"
post start web
expect_done "Process web started" "start"
expect_eq RUNNING "$(state web)" "web after start"
pid2=$(ctl pid web)
post restart web
expect_done "Process web restarted" "restart"
expect_eq RUNNING "$(state web)" "web after restart"
[ "$(ctl pid web)" != "$pid2" ] || fail "restart kept pid $pid2"
[ "$pid" != "$pid2" ] || fail "stop/start kept pid $pid"
post start g:a
expect_done "g:a: ERROR (already started)" "start of a running process"
post stop nosuch
expect_done "nosuch: ERROR (no such process)" "stop of an unknown process"
post start bad
expect_done "bad: ERROR (no such file: can&#39;t find command &#39;/nonexistent/x&lt;y&amp;z&#39;)" \
	"start of a process that cannot spawn"
post start nodir
expect_done "nodir: ERROR (spawn error: *" "start of a process whose directory is missing"
body_has "/nonexistent/d&lt;ir" "spawn error escaped"
# A client that leaves while its start waits: supd forgets the request.
rc=0
curl -sS --unix-socket "$SOCK" -m 0.5 -o /dev/null -d processname=slow -d action=start \
	http://localhost/index.html 2>/dev/null || rc=$?
expect_eq 28 "$rc" "curl gave up waiting for slow"
bb_wait 10 is_state slow RUNNING
req http://localhost/
expect_eq 200 "$CODE" "page after a client left"
# Following the redirect shows the message on the status page.
req -L -d processname=web -d action=stop http://localhost/index.html
expect_eq 200 "$CODE" "redirect followed"
body_has '<p class="msg">Process web stopped</p>' "status page after the redirect"
row web | grep -qF 'state stopped' || fail "web row after stop"
post start web
expect_eq RUNNING "$(state web)" "web started again"
ok "start, stop, restart"

bb_wait 10 grep -q hello "$T/web.log"
post clearlog web
expect_done "Log for web cleared" "clearlog"
[ ! -s "$T/web.log" ] || fail "web.log not cleared: $(cat "$T/web.log")"
ok "clearlog"

post stopall
expect_done "All stopped" "stopall"
for p in web g:a g:b slow; do
	expect_eq STOPPED "$(state $p)" "$p after stopall"
done
expect_eq FATAL "$(state bad)" "bad after stopall"
post restartall
expect_done "All restarted; bad: ERROR (no such file: can&#39;t find command &#39;/nonexistent/x&lt;y&amp;z&#39;); nodir: ERROR (spawn error: couldn&#39;t chdir to /nonexistent/d&lt;ir: No such file or directory)" "restartall"
for p in web g:a g:b slow; do
	expect_eq RUNNING "$(state $p)" "$p after restartall"
done
post refresh
expect_eq 303 "$CODE" "refresh"
ok "stopall, restartall"

# ---- what is refused
pid=$(ctl pid web)
post stop web -H 'Origin: http://evil.example'
expect_eq 403 "$CODE" "POST with a foreign Origin"
post stop web -H 'Referer: http://evil.example/page.html'
expect_eq 403 "$CODE" "POST with a foreign Referer"
post stop web -H 'Origin: null'
expect_eq 403 "$CODE" "POST with an opaque Origin"
post stopall "" -H 'Origin: http://localhost:8080'
expect_eq 403 "$CODE" "POST with another port"
expect_eq RUNNING "$(state web)" "web after refused POSTs"
expect_eq "$pid" "$(ctl pid web)" "web's pid after refused POSTs"

req 'http://localhost/index.html?processname=web&action=stop'
expect_eq 200 "$CODE" "GET with an action"
body_has 'Nothing was done' "GET with an action"
req 'http://localhost/?action=stopall'
body_has 'Nothing was done' "GET with stopall"
expect_eq RUNNING "$(state web)" "web after GET with an action"
expect_eq "$pid" "$(ctl pid web)" "web's pid after GET with an action"

post stop web -H 'Origin: http://localhost'
expect_done "Process web stopped" "POST from the same origin"
post start web -H 'Referer: http://localhost/index.html'
expect_done "Process web started" "POST with a same-origin Referer"

post bogus web
expect_eq 400 "$CODE" "unknown action"
post stop ""
expect_eq 400 "$CODE" "stop without a process name"
req -X PUT http://localhost/
expect_eq 405 "$CODE" "PUT /"
grep -qi '^Allow: GET, HEAD, POST' "$T/head" || fail "PUT /: Allow header"
req -d x=y http://localhost/tail.html
expect_eq 405 "$CODE" "POST /tail.html"
ok "cross-site POSTs and GET actions refused"

# ---- other paths keep their JSON 404
req http://localhost/nope.html
expect_eq 404 "$CODE" "unknown path"
body_has '"UNKNOWN_METHOD"' "unknown path"
ok "unknown paths"

# ---- over TCP with a password
CODE=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")
expect_eq 401 "$CODE" "inet without credentials"
CODE=$(curl -sS -o /dev/null -w '%{http_code}' -u admin:wrong "http://127.0.0.1:$PORT/")
expect_eq 401 "$CODE" "inet with a wrong password"
CODE=$(curl -sS -o "$T/body" -w '%{http_code}' -u admin:s3cret "http://127.0.0.1:$PORT/")
expect_eq 200 "$CODE" "inet with credentials"
row web | grep -qF 'state running' || fail "inet: web row"
CODE=$(curl -sS -o /dev/null -w '%{http_code}' -u admin:s3cret -d processname=web -d action=stop \
	-H "Origin: http://127.0.0.1:$((PORT == 65535 ? 1 : PORT + 1))" "http://127.0.0.1:$PORT/index.html")
expect_eq 403 "$CODE" "inet POST from another port"
CODE=$(curl -sS -o /dev/null -w '%{http_code}' -u admin:s3cret -d processname=web -d action=stop \
	-H "Origin: http://127.0.0.1:$PORT" "http://127.0.0.1:$PORT/index.html")
expect_eq 303 "$CODE" "inet POST from the page's origin"
expect_eq STOPPED "$(state web)" "web stopped over inet"
ok "inet_http_server with a password"

# A start still waiting when supd shuts down.
ctl stop slow >/dev/null
logged() { [ "$(grep -c "$1" "$T/supd.log")" -ge "$2" ]; }
n=$(grep -c 'web UI: start slow' "$T/supd.log")
curl -sS --unix-socket "$SOCK" -m 20 -o /dev/null -d processname=slow -d action=start \
	http://localhost/index.html 2>/dev/null &
BB_PIDS+=($!)
bb_wait 10 logged 'web UI: start slow' $((n + 1))
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
! grep -q 'Sanitizer' "$T/supd.stderr" || fail "sanitizer report"
ok "supd stopped"
