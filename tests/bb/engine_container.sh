#!/usr/bin/env bash
# The container example (etc/container.conf, used by etc/Dockerfile) with
# supd as PID 1 of a PID namespace, as in a container: programs' lines reach
# supd's stdout prefixed with their names, the Dockerfile's HEALTHCHECK
# command answers, SIGTERM (docker stop) stops everything within the
# programs' stopwaitsecs and exits 0, and the end of the main program ends
# supd with its status (shutdown_on=exit).  Only the paths under /run are
# moved into the test's directory.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"

if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
	echo "SKIP: unshare --pid --fork --mount-proc is not permitted here"
	exit 77
fi
bb_setup
sed -e "s|/run/|$T/|g" "$TOP_SRCDIR/etc/container.conf" >"$T/supd.conf"
[ "$(id -u)" = 0 ] || sed -i '/^user=root/d' "$T/supd.conf"

# start_container: supd as PID 1; sets SUPD_PID (unshare) and INNER (supd)
start_container() {
	unshare --pid --fork --mount-proc "$SUPD" -n -c "$T/supd.conf" \
		>"$T/supd.stdout" 2>"$T/supd.stderr" &
	SUPD_PID=$!
	BB_PIDS+=("$SUPD_PID")
	bb_wait 10 sh -c "grep -q 'supervisord started with pid 1\$' '$T/supd.stderr'"
	INNER=$(bb_descendants "$SUPD_PID" | cut -d' ' -f1)
	[ -n "$INNER" ] || fail "no supd process under unshare"
}

# wait_exit SECS: wait for unshare (which exits with supd's status); sets
# SUPD_STATUS and ELAPSED (ms since the call)
wait_exit() {
	local t0
	t0=$(date +%s%N)
	bb_wait "$1" bb_not_alive "$SUPD_PID"
	ELAPSED=$((($(date +%s%N) - t0) / 1000000))
	wait "$SUPD_PID" 2>/dev/null
	SUPD_STATUS=$?
}

start_container
bb_wait 10 grep -qx 'app | app ready' "$T/supd.stdout"
bb_wait 10 grep -qx 'sidecar | sidecar tick' "$T/supd.stdout"
ok "supd is PID 1; programs' lines reach its stdout prefixed with their names"

# the Dockerfile's HEALTHCHECK
bb_wait 10 timeout 10 "$SUPCTL" -c "$T/supd.conf" status app
ok "the health check (supctl status app) passes"

kill -TERM "$INNER"
wait_exit 20
expect_eq 0 "$SUPD_STATUS" "exit status after SIGTERM"
# app stops at once (its trap), sidecar on SIGTERM: well within the longest
# stopwaitsecs (5 s)
[ "$ELAPSED" -lt 5000 ] || fail "SIGTERM took ${ELAPSED} ms (stopwaitsecs=5)"
grep -qx 'app | app stopping' "$T/supd.stdout" || fail "app's last line was not forwarded"
grep -q "stopped: sidecar" "$T/supd.stderr" || fail "sidecar not stopped"
ok "SIGTERM stops everything in ${ELAPSED} ms and exits 0"

# the main program's end ends the container, with its status
start_container
bb_wait 10 grep -qx 'app | app ready' "$T/supd.stdout"
bb_wait 10 timeout 10 "$SUPCTL" -c "$T/supd.conf" status app
timeout 10 "$SUPCTL" -c "$T/supd.conf" signal USR1 app >/dev/null
wait_exit 20
expect_eq 3 "$SUPD_STATUS" "exit status when app exits 3"
grep -q "stopped: sidecar" "$T/supd.stderr" || fail "sidecar not stopped after app's exit"
ok "app's exit (status 3) stops the rest and becomes the exit status"
