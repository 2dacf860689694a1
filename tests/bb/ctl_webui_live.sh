#!/usr/bin/env bash
# The web page, live (doc/webui.md), in a real browser: supd with an
# [inet_http_server] on 127.0.0.1, the page opened in headless Chromium
# driven through the DevTools protocol (webui_cdp.js, Node's built-in
# WebSocket).  The test stops a program through the API and checks that the
# page's DOM shows it STOPPED without a reload, starts it again and sees it
# RUNNING, uses the filters, and keeps a screenshot in the test's log
# directory.  With the page open and nothing happening, supd does not wake
# up.  The tail view follows a log as it grows.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ] || ! command -v node >/dev/null || ! command -v curl >/dev/null; then
	echo "SKIP: chromium, node or curl missing"
	exit 77
fi
NODE=(node)
node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' 2>/dev/null ||
	NODE=(node --experimental-websocket --no-warnings)
"${NODE[@]}" -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' 2>/dev/null || {
	echo "SKIP: node has no WebSocket"
	exit 77
}
bb_setup
SHOTS=${TOP_BUILDDIR:-$T}/tests/bb
mkdir -p "$SHOTS"

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

[program:web]
command=sleep 1000
startsecs=0

[program:chatty]
command=sh -c 'echo first; while read l; do echo "got \$l"; done'
startsecs=0
stdout_logfile=@T@/chatty.log

[program:worker]
command=sleep 1000
startsecs=0
numprocs=2
process_name=%(program_name)s_%(process_num)s

[program:a]
command=sleep 1000
startsecs=0

[program:b]
command=sleep 1000
startsecs=0

[group:backend]
programs=a,b
EOF
bb_start
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 10 is_state web RUNNING
bb_wait 10 is_state backend:a RUNNING

mkdir "$T/chrome"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$T/chrome" --remote-debugging-port=0 --window-size=1000,600 \
	about:blank >"$T/chromium.log" 2>&1 &
CHROME_PID=$!
BB_PIDS+=("$CHROME_PID")
bb_wait 60 test -s "$T/chrome/DevToolsActivePort"
DPORT=$(head -n 1 "$T/chrome/DevToolsActivePort")

row='document.querySelector("tr[data-ns=\"web\"]")'
API="curl -sf -X POST --unix-socket $T/supd.sock http://localhost/v1/processes"
cdp() {
	timeout 150 "${NODE[@]}" "$TOP_SRCDIR/tests/bb/webui_cdp.js" "$DPORT" "$@" >>"$T/cdp.log" 2>&1 ||
		fail "browser: $(tail -n 3 "$T/cdp.log")"
}
cdp open "http://127.0.0.1:$PORT/" \
	wait 'document.getElementById("live").textContent === "live"' \
	wait "$row.getAttribute(\"data-state\") === \"RUNNING\"" \
	eval 'window.__notReloaded = 1' \
	shell "$API/web/stop >/dev/null" \
	wait "$row.cells[0].textContent === \"STOPPED\" && window.__notReloaded === 1" \
	wait "$row.cells[3].textContent === \"Start\""
ok "the page shows web STOPPED without a reload"

cdp shell "$API/web/start >/dev/null" \
	wait "$row.cells[0].textContent === \"RUNNING\" && window.__notReloaded === 1" \
	wait "/^pid [0-9]+, uptime 0:00:0[0-9]\$/.test($row.cells[1].textContent)" \
	wait "$row.cells[3].textContent === \"RestartStop\""
ok "and RUNNING again, with its pid and uptime"

# Resources: read with the page, cleared when the run they belong to
# ends, read again on the Refresh button (not from events).
RES='/^CPU [0-9]+[.][0-9][0-9]s(, mem [0-9.]+[KMG]?)?(, peak [0-9.]+[KMG]?)?, 1 proc$/'
cdp wait "$RES.test(document.querySelector('tr[data-ns=\"backend:a\"]').cells[5].textContent)" \
	wait "$row.cells[5].textContent === ''" \
	eval 'document.getElementById("res-refresh").click(); 1' \
	wait "$RES.test($row.cells[5].textContent)" \
	shell "$API/web/stop >/dev/null" \
	wait "$row.cells[0].textContent === \"STOPPED\" && $row.cells[5].textContent === ''" \
	shell "$API/web/start >/dev/null" \
	wait "$row.cells[0].textContent === \"RUNNING\"" \
	eval 'document.getElementById("res-refresh").click(); 1' \
	wait "$RES.test($row.cells[5].textContent) && window.__notReloaded === 1"
ok "resources: with the page, cleared at a stop, read again on Refresh"

# Group headings: backend and worker (numprocs) have one, web has none.
cdp wait '[...document.querySelectorAll("tr.group")].map(t => t.textContent).join() === "backend,worker"'
ok "programs under their group headings"

# Filters: by name, by state.
cdp eval 'document.getElementById("f-name").value = "work"; document.getElementById("f-name").dispatchEvent(new Event("input")); 1' \
	wait '[...document.querySelectorAll("tr[data-ns]:not(.hide)")].map(t => t.dataset.ns).join() === "worker:worker_0,worker:worker_1"' \
	wait '[...document.querySelectorAll("tr.group:not(.hide)")].map(t => t.textContent).join() === "worker"' \
	eval 'document.getElementById("f-name").value = ""; document.getElementById("f-name").dispatchEvent(new Event("input")); 1'
ctl stop backend:b >/dev/null
cdp eval 'document.getElementById("f-state").value = "STOPPED"; document.getElementById("f-state").dispatchEvent(new Event("change")); 1' \
	wait '[...document.querySelectorAll("tr[data-ns]:not(.hide)")].map(t => t.dataset.ns).join() === "backend:b"' \
	eval 'document.getElementById("f-state").value = ""; document.getElementById("f-state").dispatchEvent(new Event("change")); 1'
ok "filters by name and state"

# The page's actions are still POST forms, and one acts.
cdp eval "document.querySelector('tr[data-ns=\"backend:b\"] td.act form').method" \
	eval "document.querySelector('tr[data-ns=\"backend:b\"] td.act button').click(); 1" \
	wait 'location.search.indexOf("message=Process") >= 0' \
	wait 'document.querySelector("tr[data-ns=\"backend:b\"]").cells[0].textContent === "RUNNING"'
ok "a button's POST starts backend:b"
cdp wait 'document.getElementById("live").textContent === "live"' \
	shot "$SHOTS/ctl_webui_live.png"
[ -s "$SHOTS/ctl_webui_live.png" ] || fail "no screenshot"
ok "screenshot in $SHOTS/ctl_webui_live.png"

# Idle: the page is open, its event stream connected, nothing happens.
ctxt() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$SUPD_PID/status"; }
c0=$(ctxt)
sleep 3 # a measurement window, not a wait for a state
c1=$(ctxt)
[ $((c1 - c0)) -eq 0 ] || fail "supd woke up $((c1 - c0)) times in 3 s with the page open"
ok "no wakeup in 3 s with the page open"

# The tail view follows the log live.
cdp open "http://127.0.0.1:$PORT/tail.html?processname=chatty" \
	wait 'document.getElementById("live").textContent === "following"' \
	wait 'document.getElementById("log").textContent === "first\n"' \
	eval 'window.__notReloaded = 2' \
	shell "printf 'hello <b>\\n' | curl -sf --unix-socket $T/supd.sock -H 'Content-Type: application/octet-stream' --data-binary @- http://localhost/v1/processes/chatty/stdin >/dev/null" \
	wait 'document.getElementById("log").textContent === "first\ngot hello <b>\n" && window.__notReloaded === 2'
ok "the tail view follows the log"

kill "$CHROME_PID"
bb_wait 30 bb_not_alive "$CHROME_PID"
wait "$CHROME_PID" 2>/dev/null || true
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
ok "done"
