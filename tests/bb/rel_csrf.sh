#!/usr/bin/env bash
# No cross-site control (doc/security.md): a page in the operator's
# browser can send a POST anywhere, with the browser's remembered
# credentials, as a form or as fetch() with a "simple" content type
# (text/plain, a form's).  Every state-changing request on every
# front-end (/v1, /RPC2, the web page), over the unix socket and over TCP
# with a password, is refused when its Origin or Referer names another
# site (403), and /v1 and /RPC2 take only their own content types (415).
# What must keep working: supctl (body-less POSTs), the real supervisorctl
# and Python's xmlrpc.client (text/xml, no Origin), a same-origin POST.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
SUPERVISORCTL=${SUPERVISORCTL:-/usr/bin/supervisorctl}
if ! command -v curl >/dev/null || ! command -v python3 >/dev/null || [ ! -x "$SUPERVISORCTL" ]; then
	echo "SKIP: curl, python3 or supervisorctl missing"
	exit 77
fi
bb_setup

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

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:web]
command=sleep 1000
startsecs=0
EOF
bb_start
SOCK=$T/supd.sock
URL=http://127.0.0.1:$PORT
ctl() { timeout 20 "$SUPCTL" -c "$T/supd.conf" "$@"; }
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 30 is_state web RUNNING
PID=$(ctl pid web)

# A request with curl: $1 is "unix" or "tcp", the rest curl's arguments
# (the URL's path last).  The status in $CODE, the body in $T/body.
req() {
	local how=$1 path
	shift
	path=${*: -1}
	set -- "${@:1:$#-1}"
	if [ "$how" = unix ]; then
		CODE=$(timeout 20 curl -sS --unix-socket "$SOCK" -o "$T/body" -w '%{http_code}' \
			"$@" "http://localhost$path") || fail "curl $*"
	else
		CODE=$(timeout 20 curl -sS -u admin:s3cret -o "$T/body" -w '%{http_code}' \
			"$@" "$URL$path") || fail "curl $*"
	fi
}
untouched() {
	expect_eq RUNNING "$(state web)" "web after $1"
	expect_eq "$PID" "$(ctl pid web)" "web's pid after $1"
}
XSTOP='<?xml version="1.0"?><methodCall><methodName>supervisor.stopProcess</methodName><params><param><value><string>web</string></value></param></params></methodCall>'
EVIL=http://evil.example

for how in unix tcp; do
	# ---- /v1: a foreign Origin or Referer, with or without a body
	req $how -X POST -H "Origin: $EVIL" /v1/processes/web/stop
	expect_eq 403 "$CODE" "$how: /v1 POST with a foreign Origin"
	grep -q '"FORBIDDEN"' "$T/body" || fail "$how: /v1 403 body: $(cat "$T/body")"
	req $how -X POST -H "Referer: $EVIL/page.html" /v1/processes/web/stop
	expect_eq 403 "$CODE" "$how: /v1 POST with a foreign Referer"
	req $how -X POST -H 'Origin: null' /v1/processes/web/restart
	expect_eq 403 "$CODE" "$how: /v1 POST with an opaque Origin"
	req $how -X POST -H "Origin: $EVIL" -H 'Content-Type: application/json' -d '{"signal":"KILL"}' \
		/v1/processes/web/signal
	expect_eq 403 "$CODE" "$how: /v1 JSON POST with a foreign Origin"
	req $how -X DELETE -H "Origin: $EVIL" /v1/processes/web/log
	expect_eq 403 "$CODE" "$how: /v1 DELETE with a foreign Origin"
	# ---- /v1: the content types a page may send without asking
	req $how -H 'Content-Type: text/plain' -d '{}' /v1/processes/web/stop
	expect_eq 415 "$CODE" "$how: /v1 POST as text/plain"
	grep -q '"UNSUPPORTED_MEDIA_TYPE"' "$T/body" || fail "$how: /v1 415 body: $(cat "$T/body")"
	req $how -d 'x=y' /v1/processes/web/stop
	expect_eq 415 "$CODE" "$how: /v1 POST as a form"
	req $how -X POST -H 'Content-Type: application/x-www-form-urlencoded' /v1/processes/web/stop
	expect_eq 415 "$CODE" "$how: /v1 body-less POST typed as a form"
	req $how -H 'Content-Type: multipart/form-data; boundary=x' --data-binary $'--x--\r\n' \
		/v1/processes/web/stop
	expect_eq 415 "$CODE" "$how: /v1 POST as multipart"
	req $how -H 'Content-Type:' -d '{"signal":"KILL"}' /v1/processes/web/signal
	expect_eq 415 "$CODE" "$how: /v1 POST with a body and no content type"
	req $how -H 'Content-Type: text/plain' --data-binary $'rm -rf /\n' /v1/processes/web/stdin
	expect_eq 415 "$CODE" "$how: /v1 stdin as text/plain"
	# ---- /RPC2: a foreign Origin or Referer; text/plain, a form
	req $how -H 'Content-Type: text/xml' -H "Origin: $EVIL" -d "$XSTOP" /RPC2
	expect_eq 403 "$CODE" "$how: /RPC2 with a foreign Origin"
	req $how -H 'Content-Type: text/xml' -H "Referer: $EVIL/" -d "$XSTOP" /RPC2
	expect_eq 403 "$CODE" "$how: /RPC2 with a foreign Referer"
	req $how -H 'Content-Type: text/plain' -d "$XSTOP" /RPC2
	expect_eq 415 "$CODE" "$how: /RPC2 as text/plain"
	req $how -d "$XSTOP" /RPC2
	expect_eq 415 "$CODE" "$how: /RPC2 as a form"
	req $how -H 'Content-Type:' -d "$XSTOP" /RPC2
	expect_eq 415 "$CODE" "$how: /RPC2 without a content type"
	# ---- the web page's actions
	req $how -H "Origin: $EVIL" -d processname=web -d action=stop /index.html
	expect_eq 403 "$CODE" "$how: web action with a foreign Origin"
	req $how -H "Referer: $EVIL/x" -d processname=web -d action=stop /index.html
	expect_eq 403 "$CODE" "$how: web action with a foreign Referer"
	untouched "$how: refused requests"
	ok "$how: cross-site requests and foreign content types refused"
done

# ---- what keeps working
# /v1 from the same origin, with its own content type, or body-less.
req tcp -X POST -H "Origin: $URL" -H "Referer: $URL/index.html" /v1/processes/web/stop
expect_eq 200 "$CODE" "tcp: same-origin /v1 POST"
expect_eq STOPPED "$(state web)" "web after a same-origin stop"
req unix -H 'Content-Type: application/json; charset=utf-8' -d '{}' /v1/processes/web/start
expect_eq 200 "$CODE" "unix: JSON POST"
expect_eq RUNNING "$(state web)" "web after a JSON start"
# supctl: body-less POSTs without a content type.
ctl stop web >/dev/null || fail "supctl stop"
ctl start web >/dev/null || fail "supctl start"
expect_eq RUNNING "$(state web)" "web after supctl stop, start"
ok "same-origin /v1, supctl"

# The real supervisorctl, over the unix socket and over TCP.
sctl() { timeout 30 "$SUPERVISORCTL" "$@" 2>&1; }
OUT=$(sctl -c "$T/supd.conf" stop web) || fail "supervisorctl stop: $OUT"
expect_eq "web: stopped" "$OUT" "supervisorctl stop"
OUT=$(sctl -s "$URL" -u admin -p s3cret start web) || fail "supervisorctl (tcp) start: $OUT"
expect_eq "web: started" "$OUT" "supervisorctl (tcp) start"
sctl -s "$URL" -u admin -p s3cret status web | grep -q RUNNING || fail "supervisorctl (tcp) status"
ok "supervisorctl, unix and tcp"

# Python's xmlrpc.client, over TCP with credentials.
timeout 30 python3 - "127.0.0.1:$PORT" <<'PYEOF' || fail "xmlrpc.client"
import sys, xmlrpc.client
s = xmlrpc.client.ServerProxy("http://admin:s3cret@%s/RPC2" % sys.argv[1])
assert s.supervisor.getState()["statename"] == "RUNNING"
assert s.supervisor.stopProcess("web") is True
assert s.supervisor.getProcessInfo("web")["statename"] == "STOPPED"
assert s.supervisor.startProcess("web") is True
assert s.supervisor.getProcessInfo("web")["statename"] == "RUNNING"
PYEOF
ok "xmlrpc.client"

# The web page's own form, from its own origin.
req tcp -H "Origin: $URL" -H "Referer: $URL/index.html" -d processname=web -d action=stop /index.html
expect_eq 303 "$CODE" "tcp: same-origin web action"
expect_eq STOPPED "$(state web)" "web after a same-origin web action"
ok "same-origin web action"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
! grep -q 'Sanitizer' "$T/supd.stderr" || fail "sanitizer report"
