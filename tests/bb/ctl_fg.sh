#!/usr/bin/env bash
# supctl fg against a real supd: lines typed go to the process's stdin and
# its output comes back; EOF ends fg ("Exiting foreground", 0); the death
# of the process ends it ("Process got killed"); fg of a stopped or unknown
# process fails as supervisorctl's.  Then the stdin API's answers.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:cat]
command=cat
startsecs=0

[program:once]
command=sh -c 'read x; echo "bye $x"'
startsecs=0
autorestart=false

[program:closer]
command=sh -c 'exec 0<&-; exec sleep 1000'
startsecs=0

[program:manual]
command=cat
autostart=false
startsecs=0
EOF



# Starts "supctl fg NAME" in the background reading the fifo $T/in (held
# open on fd 3 here) and writing $T/fg.out; sets FG_PID.
fg_start() {
	rm -f "$T/in" "$T/fg.out"
	mkfifo "$T/in"
	# not through ctl(): $! must be supctl itself, for the SIGINT below
	"$SUPCTL" -c "$T/supd.conf" fg "$1" <"$T/in" >"$T/fg.out" 2>&1 &
	FG_PID=$!
	BB_PIDS+=("$FG_PID")
	exec 3>"$T/in"
}

# Waits for fg to exit; sets FG_RC.
fg_wait() {
	bb_wait 10 bb_not_alive "$FG_PID"
	set +e
	wait "$FG_PID"
	FG_RC=$?
	set -e
}

bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 sh -c "\"$SUPCTL\" -c '$T/supd.conf' status cat | grep -q RUNNING"
bb_wait 10 sh -c "\"$SUPCTL\" -c '$T/supd.conf' status once | grep -q RUNNING"

# lines in, the echo out, EOF ends fg
fg_start cat
bb_wait 10 grep -qx '==> Press Ctrl-C to exit <==' "$T/fg.out"
echo "hello fg" >&3
bb_wait 10 grep -qx 'hello fg' "$T/fg.out"
printf 'second line\nthird' >&3
bb_wait 10 grep -qx 'second line' "$T/fg.out"
exec 3>&-
fg_wait
expect_eq 0 "$FG_RC" "exit code of fg at EOF"
expect_eq "Exiting foreground" "$(tail -n 1 "$T/fg.out")" "last line of fg at EOF"
# the unfinished last line was sent with a newline, as supervisorctl's
bb_wait 10 grep -qx 'third' "$T/cat-stdout---supervisor-"*.log
grep -q 'Process got killed' "$T/fg.out" && fail "fg at EOF: $(cat "$T/fg.out")"
ok "fg: lines go to stdin, the output comes back, EOF exits 0 with 'Exiting foreground'"

# the process ends: fg ends
fg_start once
bb_wait 10 grep -qx '==> Press Ctrl-C to exit <==' "$T/fg.out"
echo "now" >&3
fg_wait
exec 3>&-
expect_eq 0 "$FG_RC" "exit code of fg when the process died"
expect_eq "Process got killed
Exiting foreground" "$(tail -n 2 "$T/fg.out")" "fg when the process died"
bb_wait 10 grep -qx 'bye now' "$T/once-stdout---supervisor-"*.log
ok "fg: the death of the process ends fg with 'Process got killed'"

# Ctrl-C
fg_start cat
bb_wait 10 grep -qx '==> Press Ctrl-C to exit <==' "$T/fg.out"
kill -INT "$FG_PID"
fg_wait
exec 3>&-
expect_eq 0 "$FG_RC" "exit code of fg after SIGINT"
expect_eq "Exiting foreground" "$(tail -n 1 "$T/fg.out")" "fg after SIGINT"
ok "fg: Ctrl-C exits 0 with 'Exiting foreground'"

# fg of what does not run, or does not exist
run fg manual
expect_eq 1 "$RC" "exit code of fg of a stopped process"
expect_eq "ERROR: process not running" "$OUT" "fg of a stopped process"
run fg nosuch
expect_eq 1 "$RC" "exit code of fg of an unknown process"
expect_eq "ERROR: bad process name supplied" "$OUT" "fg of an unknown process"
run fg
expect_eq 1 "$RC" "exit code of fg without a name (supervisorctl 4.2.5: 1)"
expect_eq "ERROR: no process name supplied" "$(echo "$OUT" | head -n 1)" "fg without a name"
run fg cat manual
expect_eq 1 "$RC" "exit code of fg with two names"
expect_eq "ERROR: too many process names supplied" "$OUT" "fg with two names"
ok "fg: a stopped, unknown or missing name fails as supervisorctl's"

# the stdin API
if command -v curl >/dev/null; then
	# Prints "HTTP-status body".
	post() {
		curl -s -w ' %{http_code}' --unix-socket "$T/supd.sock" -X POST "$@"
	}
	# (as curl's default form type, a page could send it: refused)
	r=$(post --data-binary $'form bytes\n' http://localhost/v1/processes/cat/stdin)
	[ "${r##* }" = 415 ] || fail "stdin raw as a form: $r"
	r=$(post -H 'Content-Type: application/octet-stream' --data-binary $'raw bytes\n' \
		http://localhost/v1/processes/cat/stdin)
	[ "${r##* }" = 200 ] || fail "stdin raw: $r"
	r=$(post -H 'Content-Type: application/json' -d '{"chars": "json chars\n"}' \
		http://localhost/v1/processes/cat/stdin)
	[ "${r##* }" = 200 ] || fail "stdin json: $r"
	bb_wait 10 grep -qx 'json chars' "$T/cat-stdout---supervisor-"*.log
	grep -qx 'raw bytes' "$T/cat-stdout---supervisor-"*.log || fail "raw bytes not echoed"
	r=$(post -H 'Content-Type: application/json' -d '{"chars": 1}' \
		http://localhost/v1/processes/cat/stdin)
	[[ "$r" == *'"INCORRECT_PARAMETERS"'*' 400' ]] || fail "stdin json without chars: $r"
	r=$(post -H 'Content-Type: application/octet-stream' -d x http://localhost/v1/processes/nosuch/stdin)
	[[ "$r" == *'"BAD_NAME"'*' 404' ]] || fail "stdin of an unknown name: $r"
	r=$(post -H 'Content-Type: application/octet-stream' -d x 'http://localhost/v1/processes/cat:*/stdin')
	[[ "$r" == *'"BAD_NAME"'*' 404' ]] || fail "stdin of a group: $r"
	r=$(post -H 'Content-Type: application/octet-stream' -d x http://localhost/v1/processes/manual/stdin)
	[[ "$r" == *'"NOT_RUNNING"'*' 409' ]] || fail "stdin of a stopped process: $r"
	closed() {
		[[ "$(post -H 'Content-Type: application/octet-stream' -d x http://localhost/v1/processes/closer/stdin)" == *'"NO_FILE"'*' 410' ]]
	}
	bb_wait 10 closed
	r=$(curl -s -w ' %{http_code}' --unix-socket "$T/supd.sock" \
		http://localhost/v1/processes/cat/stdin)
	[ "${r##* }" = 405 ] || fail "GET of stdin: $r"
	ok "stdin API: 200 raw or JSON, 404 BAD_NAME, 409 NOT_RUNNING, 410 NO_FILE, 400, 405"
fi

bb_stop 20
expect_eq 0 "$SUPD_STATUS" "supd exit status"
