#!/usr/bin/env bash
# Upgrade in place (#17, doc/upgrade.md): programs writing numbered lines
# as fast as they can while supctl upgrade runs several times in a row:
# every line exactly once and in order in each log (AUTO logs too), every
# pid and start time unchanged, no program restarted, supd's pid the same;
# a tail -f and an events client carry on;
# SIGUSR1 upgrades too; state documents of earlier versions are read (1,
# and 3, the last before the fds travelled in a socket and the log files
# open: lines go on in order there too); a program started after the
# upgrades sees none of the hand-over's environment;
# a failing upgrade (no such file, a binary that exits at once, one that is
# not supd, a config file that differs from the applied one) leaves supd
# serving as before.
# Scaled for make check (20 programs, 5 upgrades, each writing bursts of
# 100 lines 10 times a second, so that the test takes seconds on a loaded
# 2-core machine); SOAK=1: 100 programs writing flat out, 10 upgrades.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

if [ "${SOAK:-0}" = 1 ]; then
	NPROG=100 NUPG=10 PACE=
else
	NPROG=20 NUPG=5 PACE='[ $((i %% 100)) = 0 ] && sleep 0.1; '
fi

{
	cat <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock
EOF2
	for i in $(seq 1 "$NPROG"); do
		# the odd ones also write stderr, to an AUTO log
		if [ $((i % 2)) = 1 ]; then
			cmd='i=0; while [ ! -e @T@/stop ]; do i=$((i+1)); echo line$i; echo err$i >&2; '
		else
			cmd='i=0; while [ ! -e @T@/stop ]; do i=$((i+1)); echo line$i; '
		fi
		cmd="${cmd}${PACE}done"
		printf '[program:w%d]\ncommand=sh -c '"'%s'"'\nstdout_logfile=@T@/w%d.log\nstdout_logfile_maxbytes=0\nautorestart=false\nstartsecs=1\n\n' \
			"$i" "$cmd" "$i"
	done
	printf '[program:envdump]\ncommand=sh -c "env >@T@/env.out; exec sleep 1000"\nautostart=false\nstartsecs=0\n'
} | bb_conf

table() { # name pid start state, sorted (the w programs)
	ctl --json status | jq -r '.[] | select(.name != "envdump") | "\(.name) \(.pid) \(.start) \(.statename)"' | sort
}
all_running() {
	[ "$(table | grep -c ' RUNNING$')" = "$NPROG" ]
}
upgrades() {
	ctl --json version | jq -r '.upgrades // 0'
}

bb_start
bb_wait 90 all_running
before=$(table)
spawned=$(grep -c "spawned: 'w" "$T/supd.log")
# A tail -f and an events client open across the upgrades.
timeout 300 "$SUPCTL" -c "$T/supd.conf" tail -f w2 >"$T/tail.out" 2>"$T/tail.err" &
BB_PIDS+=($!) # (ended with supd by the cleanup)
timeout 300 "$SUPCTL" -c "$T/supd.conf" events >"$T/events.out" 2>"$T/events.err" &
BB_PIDS+=($!)
bb_wait 30 grep -q '^line' "$T/tail.out"

for k in $(seq 1 "$NUPG"); do
	out=$(ctl upgrade) || fail "supctl upgrade #$k failed: $out"
	case $out in
	"Upgraded supd "*" in place (pid $SUPD_PID, upgrade $k)") ;;
	*) fail "supctl upgrade #$k said: $out" ;;
	esac
done
expect_eq "$before" "$(table)" "pids, start times and states after $NUPG upgrades"
kill -0 "$SUPD_PID" || fail "supd is gone"
expect_eq "$NUPG" "$(grep -c "upgraded in place from version" "$T/supd.log")" "upgrades in supd's log"
ok "$NUPG upgrades: supd keeps its pid, $NPROG programs their pids and start times"

# SIGUSR1 (unused by supervisord) starts one too.
kill -USR1 "$SUPD_PID"
upgraded_once_more() { [ "$(upgrades)" = $((NUPG + 1)) ]; }
bb_wait 60 upgraded_once_more
expect_eq "$before" "$(table)" "the table after the SIGUSR1 upgrade"
ok "SIGUSR1 upgrades in place"

# Failing upgrades: refused before the exec, supd serves on.
run upgrade "$T/missing"
expect_eq 1 "$RC" "upgrade to a missing file: exit status"
case $OUT in *"missing: No such file or directory"*) ;; *) fail "missing file: $OUT" ;; esac
printf '#!/bin/sh\nexit 3\n' >"$T/quits"
chmod +x "$T/quits"
run upgrade "$T/quits"
expect_eq 1 "$RC" "upgrade to a binary that exits at once: exit status"
case $OUT in *"--upgrade-probe failed (exit status 3)"*) ;; *) fail "exits at once: $OUT" ;; esac
run upgrade /bin/true
expect_eq 1 "$RC" "upgrade to a binary that is not supd: exit status"
case $OUT in *"--upgrade-probe failed (exit status 0)"*) ;; *) fail "not supd: $OUT" ;; esac
# The new image reads the config file: one that says other than what is
# applied is refused until applied.
cp "$T/supd.conf" "$T/supd.conf.orig"
sed -i 's/^startsecs=1$/startsecs=2/' "$T/supd.conf"
run upgrade
expect_eq 1 "$RC" "upgrade with a changed config file: exit status"
case $OUT in *"differs in the config file from the applied config: run supctl update"*) ;;
*) fail "changed config: $OUT" ;; esac
mv "$T/supd.conf.orig" "$T/supd.conf"
expect_eq $((NUPG + 1)) "$(upgrades)" "upgrades counted after the refusals"
expect_eq "$before" "$(table)" "the table after the refused upgrades"
ok "a missing binary, one that exits at once, one that is not supd and a changed config are refused; supd serves on"

# Started after the upgrades: no SUPD_UPGRADE_* in its environment.
ctl start envdump >/dev/null || fail "start envdump"
bb_wait 30 test -s "$T/env.out"
if grep -q '^SUPD_UPGRADE' "$T/env.out"; then fail "a program sees $(grep '^SUPD_UPGRADE' "$T/env.out")"; fi
ok "a program started after the upgrades sees no SUPD_UPGRADE_* variable"

# Every line once, in order: the programs stop by themselves, their
# last bytes drained at their exit.
lines_in_order() {
	touch "$T/stop"
	all_exited() { [ "$(table | grep -c ' EXITED$')" = "$NPROG" ]; }
	if ! (bb_wait 90 all_exited); then
		table >&2
		fail "not every program EXITED after its own end"
	fi
	expect_eq "$spawned" "$(grep -c "spawned: 'w" "$T/supd.log")" "spawns (no program restarted)"
	for i in $(seq 1 "$NPROG"); do
		awk -v f="w$i.log" '$0 != "line" NR { print f ": line " NR " is " $0; bad = 1; exit }
			END { if (!bad && NR < 100) { print f ": only " NR " lines"; bad = 1 } exit bad }' \
			"$T/w$i.log" || fail "w$i's stdout log"
		if [ $((i % 2)) = 1 ]; then
			logs=("$T"/w$i-stderr---supervisor-*.log)
			expect_eq 1 "${#logs[@]}" "AUTO stderr logs of w$i"
			awk -v f="w$i stderr" '$0 != "err" NR { print f ": line " NR " is " $0; bad = 1; exit }
				END { exit bad }' "${logs[0]}" || fail "w$i's stderr log"
		fi
	done
}
lines_in_order
ok "every line exactly once and in order in each of $NPROG logs (stdout and AUTO stderr)"
bb_wait 30 grep -qx "$(tail -n 1 "$T/w2.log")" "$T/tail.out"
bb_wait 30 grep -q "process w2 RUNNING -> EXITED" "$T/events.out"
ok "tail -f and events clients carry on across the upgrades"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"

# Documents of earlier versions (a test hook makes the old image write
# them) are read; with version 3 the log files are opened again by name.
for v in 1 3; do
	rm -f "$T/stop" "$T"/w*.log
	SUPD_UPGRADE_WRITE_VERSION=$v bb_start
	bb_wait 90 all_running
	before=$(table)
	spawned=$(grep -c "spawned: 'w" "$T/supd.log")
	out=$(ctl upgrade) || fail "upgrade from a version $v document: $out"
	expect_eq "$before" "$(table)" "the table after an upgrade from a version $v document"
	if [ "$v" = 3 ]; then
		lines_in_order
		ok "a version 3 state document is read, lines go on in order"
	else
		ok "a version $v state document is read"
	fi
	bb_stop
done
