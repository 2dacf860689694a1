#!/usr/bin/env bash
# supctl is bounded against a server that hangs or talks without end
# (tests/bb/fakesrv.py plays the server): it gives up with a message
# naming the limit that ran out, and a non-zero status, within the limit;
# an endless answer costs it max_response of memory, not all it can get.
# The limits come from the command line or [supervisorctl], the former
# winning; a bad value names where it was given.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup
PY=$(command -v python3) || {
	echo "SKIP: no python3 for the fake server"
	exit 77
}

# fake MODE: a fake server on $T/MODE.sock, killed at exit
fake() {
	"$PY" "$TOP_SRCDIR/tests/bb/fakesrv.py" "$1" "$T/$1.sock" &
	BB_PIDS+=($!)
	bb_wait 20 test -S "$T/$1.sock"
}

# run SECS ARGS...: supctl's output in $out, status in $rc, its peak RSS
# (KB) in $rss, and the seconds it took in $took.  timeout(1) bounds it
# in case the limit under test does not work.
run() {
	local secs=$1 start
	shift
	start=$(date +%s%N)
	out=$(timeout -s KILL "$secs" /usr/bin/time -f %M -o "$T/rss" "$SUPCTL" "$@" 2>&1)
	rc=$?
	took=$((($(date +%s%N) - start) / 1000000000))
	rss=$(tail -n 1 "$T/rss" 2>/dev/null)
	[ "$rc" -ne 137 ] || fail "supctl $* still running after ${secs}s: $out"
}

# --- a server that accepts and says nothing
fake silent
S=unix://$T/silent.sock
run 30 -s "$S" --timeout 1 version
[ "$rc" -ne 0 ] || fail "silent server: status 0: $out"
expect_eq "error: $S: no answer after 1 s (timeout)" "$out" "silent server"
[ "$took" -le 10 ] || fail "silent server: took ${took}s for a 1 s timeout"
ok "silent server: '$out' (status $rc) after ${took}s"

run 30 -s "$S" --timeout 1 status
expect_eq 4 "$rc" "status against a silent server"
ok "status against a silent server: status 4"

# From the config file, and the command line wins over it.
cat >"$T/ctl.conf" <<EOF
[supervisorctl]
serverurl=$S
timeout=1
EOF
run 30 -c "$T/ctl.conf" version
expect_eq "error: $S: no answer after 1 s (timeout)" "$out" "timeout= in [supervisorctl]"
run 30 -c "$T/ctl.conf" --timeout 2 version
expect_eq "error: $S: no answer after 2 s (timeout)" "$out" "--timeout over timeout="
ok "timeout= in [supervisorctl], --timeout over it"

# --- an answer without end, however delimited
for mode in endless chunked; do
	fake "$mode"
	S=unix://$T/$mode.sock
	run 60 -s "$S" version
	[ "$rc" -ne 0 ] || fail "$mode body: status 0"
	expect_eq "error: $S: answer larger than 16777216 bytes (max_response)" "$out" \
		"$mode body"
	# 16 MB of body, copies while it grows, the sanitizers' own (57 MB
	# under ASan, 19 MB without): far below what an endless body used to
	# take (264 MB without ASan, 800 MB with).
	[ -n "$rss" ] && [ "$rss" -lt 120000 ] || fail "$mode body: peak RSS ${rss} KB"
	ok "$mode body: '$out' after ${took}s, peak RSS ${rss} KB"
	run 60 -s "$S" --max-response 1MB version
	expect_eq "error: $S: answer larger than 1048576 bytes (max_response)" "$out" \
		"$mode body, --max-response 1MB"
done

fake huge
S=unix://$T/huge.sock
run 30 -s "$S" --max-response 1KB version
expect_eq "error: $S: answer larger than 1024 bytes (max_response)" "$out" "Content-Length: 1 TB"
ok "a Content-Length over max_response is refused before the body"

# --- a followed log that goes quiet: follow_timeout, not timeout
fake stream
S=unix://$T/stream.sock
run 30 -s "$S" --timeout 1 --follow-timeout 2 tail -f web
[ "$rc" -ne 0 ] || fail "quiet stream: status 0: $out"
case $out in
*hello*"error: $S: no answer after 2 s (follow_timeout)") ;;
*) fail "quiet stream: $out" ;;
esac
[ "$took" -ge 2 ] || fail "quiet stream: ended after ${took}s, before follow_timeout"
ok "tail -f on a quiet stream ends after follow_timeout"

# --- a listener that never accepts: the connect waits in its backlog
fake full
S=unix://$T/full.sock
run 30 -s "$S" --connect-timeout 1 version
[ "$rc" -ne 0 ] || fail "full backlog: status 0: $out"
expect_eq "error: $S: no connection after 1 s (connect_timeout)" "$out" "full backlog"
ok "full backlog: '$out' after ${took}s"

# --- bad values say where they were given
run 30 -s "$S" --timeout soon version
expect_eq 2 "$rc" "--timeout soon"
expect_eq "Error: --timeout: bad value 'soon' for timeout (seconds, up to a year; 0: no limit)" \
	"$out" "--timeout soon"
printf '[supervisorctl]\nserverurl=%s\nmax_response = lots\n' "$S" >"$T/bad.conf"
run 30 -c "$T/bad.conf" version
expect_eq 2 "$rc" "max_response = lots"
expect_eq "Error: $T/bad.conf:3: bad value 'lots' for max_response (bytes, KB/MB/GB; 0: no limit)" \
	"$out" "max_response = lots"
ok "bad values name the option and where it was set"

# --- supd knows the names (no "unknown option" warning) and leaves them be
printf '[supervisord]\n[program:a]\ncommand=/bin/true\n[supervisorctl]\ntimeout=5\nconnect_timeout=1\nfollow_timeout=0\nmax_response=1MB\n' >"$T/supd-check.conf"
out=$(timeout 30 "$SUPD" --check -c "$T/supd-check.conf" 2>&1) || fail "supd --check: $out"
case $out in
*warning*) fail "supd --check warns about supctl's limits: $out" ;;
esac
ok "supd --check takes supctl's limits without a warning"
