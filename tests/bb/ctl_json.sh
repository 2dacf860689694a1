#!/usr/bin/env bash
# supctl --json on every command: one JSON document on stdout (JSON lines
# for tail -f), errors as JSON objects on stderr, the exit codes of the
# plain output.  Each answer is checked by jq.
. "$(dirname "$0")/lib.sh"
if ! command -v jq >/dev/null; then
	echo "SKIP: jq missing"
	exit 77
fi
bb_setup

bb_conf <<EOF
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[program:web]
command=sh -c 'echo hello; exec sleep 1000'
startsecs=0

[program:idle]
command=sleep 1000
autostart=false
EOF
bb_start
state() { ctl status "$1" | awk '{print $2}'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
bb_wait 10 is_state web RUNNING

# jrun CMD...: $OUT stdout, $ERR stderr, $RC; both must be JSON (or empty).
jrun() {
	set +e
	OUT=$(ctl --json "$@" 2>"$T/err")
	RC=$?
	set -e
	ERR=$(cat "$T/err")
	[ -z "$OUT" ] || printf '%s' "$OUT" | jq -e . >/dev/null ||
		fail "supctl --json $*: stdout is not JSON: $OUT"
	[ -z "$ERR" ] || printf '%s\n' "$ERR" | jq -e . >/dev/null ||
		fail "supctl --json $*: stderr is not JSON: $ERR"
}
jq_is() { # jq_is TEXT FILTER WANT
	local got
	got=$(printf '%s' "$1" | jq -r "$2")
	expect_eq "$3" "$got" "jq '$2'"
}

jrun status nope
expect_eq 4 "$RC" "status nope exit code"
jq_is "$OUT" 'length' 0
jq_is "$ERR" '.error.code' BAD_NAME
ok "status nope: [] on stdout, the error as JSON on stderr"

jrun status
expect_eq 3 "$RC" "status exit code (idle stopped)"
jq_is "$OUT" '.[] | select(.name=="web") | .statename' RUNNING
ok "status"

jrun avail
jq_is "$OUT" 'length' 2
ok "avail"

jrun start idle
expect_eq 0 "$RC" "start idle"
jq_is "$OUT" '.[0].name + " " + .[0].status' "idle SUCCESS"
jrun start idle
expect_eq 0 "$RC" "start idle again (as supervisorctl)"
jq_is "$OUT" '.[0].status' ALREADY_STARTED
jrun stop idle
jq_is "$OUT" '.[0].status' SUCCESS
jrun restart web
expect_eq 0 "$RC" "restart web"
jq_is "$OUT" '[.[].message] | join(",")' "web: stopped,web: started"
jrun start nogroup:
expect_eq 2 "$RC" "start nogroup"
jq_is "$ERR" '.error.code' BAD_NAME
ok "start, stop, restart"

jrun pid
jq_is "$OUT" '.pid > 0' true
jrun pid web
jq_is "$OUT" '.[0].name' web
jq_is "$OUT" '.[0].pid > 0' true
jrun pid nope
expect_eq 1 "$RC" "pid nope"
jq_is "$ERR" '.error.code' BAD_NAME
ok "pid"

jrun version
jq_is "$OUT" '.version | length > 0' true
ok "version"

bb_wait 10 bash -c "timeout 10 '$SUPCTL' -c '$T/supd.conf' tail web | grep -q hello"
jrun tail web
jq_is "$OUT" '.text | contains("hello")' true
jrun tail nope
expect_eq 1 "$RC" "tail nope"
jq_is "$ERR" '.error.code' BAD_NAME
jrun maintail -100
jq_is "$OUT" '.name' supervisord
ok "tail, maintail"

timeout 60 "$SUPCTL" -c "$T/supd.conf" --json tail -f web >"$T/follow" 2>&1 &
FPID=$!
BB_PIDS+=($FPID)
bb_wait 10 grep -q '"line"' "$T/follow"
kill "$FPID"
wait "$FPID" 2>/dev/null || true
jq -e -s 'map(select(.line == "hello")) | length >= 1' "$T/follow" >/dev/null ||
	fail "tail -f --json: $(cat "$T/follow")"
ok "tail -f: JSON lines"

jrun reread
jq_is "$OUT" 'length' 0
cat >>"$T/supd.conf" <<EOF

[program:extra]
command=sleep 1000
EOF
jrun reread
jq_is "$OUT" '.[0].name + " " + .[0].status' "extra available"
jrun update
jq_is "$OUT" '.[0].name + " " + .[0].status' "extra added"
jrun remove extra
expect_eq 1 "$RC" "remove a running group"
jq_is "$OUT" '.[0].status' STILL_RUNNING
ok "reread, update, remove"

jrun bogus
expect_eq 1 "$RC" "unknown command"
jq_is "$ERR" '.error.code' UNKNOWN_COMMAND
jrun stop
jq_is "$ERR" '.error.code' BAD_ARGUMENTS
[ -z "$OUT" ] || fail "stop without names: stdout $OUT"
ok "usage errors"

# supctl --json status nope | jq: the pipe the issue asked for
timeout 30 "$SUPCTL" -c "$T/supd.conf" --json status nope 2>/dev/null | jq -e 'length == 0' >/dev/null ||
	fail "supctl --json status nope | jq"
ok "supctl --json status nope | jq"

bb_stop
jrun status
expect_eq 4 "$RC" "status, no server"
jq_is "$ERR" '.error.code' NO_FILE
jrun start web
expect_eq 7 "$RC" "start, no server"
ok "no server: the error as JSON"
