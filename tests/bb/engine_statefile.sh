#!/usr/bin/env bash
# After supd itself dies (issue #15): a supd killed with SIGKILL leaves its
# programs running; a supd started again on the same config stops them
# (stopsignal, then SIGKILL after stopwaitsecs) before starting its own, so
# exactly one copy of each runs, and says what it stopped.  A pid in the
# state file that now belongs to another process (another start time) is
# left alone; a damaged state file is ignored with a warning; a clean stop
# removes the file.
. "$(dirname "$0")/lib.sh"
bb_setup

bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[program:plain]
command=sleep 1001
startsecs=0

[program:deaf]
; its first run ignores its stopsignal: needs the SIGKILL after
; stopwaitsecs (later runs stop at once, to keep the test short)
command=sh -c 'if [ -e @T@/deaf.once ]; then exec sleep 1002; fi; touch @T@/deaf.once; trap "" TERM; echo ready; while :; do sleep 1; done'
stdout_logfile=@T@/deaf.out
startsecs=0
stopwaitsecs=1

[program:int]
command=sleep 1003
stopsignal=INT
startsecs=0

[program:grp]
; stopasgroup: the child of the shell goes too
command=sh -c 'sleep 1004 & wait'
stopasgroup=true
startsecs=0
EOF2
# Durations of this run's own (sleep takes fractions): the copies counted
# below are this test's, whatever else runs on the machine.
U=$$
sed -i "s/sleep 100\([1-4]\)/sleep 100\1.$U/g" "$T/supd.conf"

# the pids of the processes whose command line is exactly $1, in a snapshot
# of ps taken by snap (one ps: it is slow on a busy machine)
snap() {
	SNAP=$(ps -eo pid=,args=)
}
pids_of() {
	awk -v c="$1" '{ p = $1; sub(/^ *[0-9]+ /, ""); if ($0 == c) print p }' <<<"$SNAP"
}
running() {
	local p
	for p in plain deaf int grp; do
		grep -q "success: $p entered RUNNING" "$T/supd.log" || return 1
	done
}

bb_start
bb_wait 10 running
bb_wait 10 test -s "$T/deaf.out"
grp_has_child() { [ -n "$(bb_descendants "$(bb_log_pid grp)")" ]; }
bb_wait 10 grp_has_child
state=$T/supd.state
bb_wait 10 grep -q "^proc .* grp:grp$" "$state"
old_plain=$(bb_log_pid plain) old_deaf=$(bb_log_pid deaf) old_int=$(bb_log_pid int)
old_grp=$(bb_log_pid grp) old_sleep=$(bb_descendants "$(bb_log_pid grp)")
for p in plain deaf int grp; do
	grep -q "^proc $(bb_log_pid $p) [0-9]* .* $p:$p\$" "$state" || fail "$p not in the state file"
done
ok "the state file names each running process"

kill -KILL "$SUPD_PID"
bb_wait 10 bb_not_alive "$SUPD_PID"
{ wait "$SUPD_PID"; } 2>/dev/null
for p in $old_plain $old_deaf $old_int $old_grp $old_sleep; do
	kill -0 "$p" 2>/dev/null || fail "pid $p died with supd"
	BB_PIDS+=("$p") # ended by the cleanup should the test fail
done
ok "supd killed with SIGKILL: its programs still run"

# a pid the file names but whose process is another now: an unrelated
# process the test owns, recorded with another start time
sleep 1005 &
stranger=$!
BB_PIDS+=("$stranger")
echo "proc $stranger 1 15 10 0 0 gone:gone" >>"$state"

mv "$T/supd.log" "$T/supd.log.1"
bb_start
bb_wait 30 running
grep -q "WARN found 'plain:plain' (pid $old_plain) left running by a previous supd: stopping it with SIGTERM" "$T/supd.log" ||
	fail "no word of the leftover plain"
grep -q "found 'int:int' (pid $old_int) left running by a previous supd: stopping it with SIGINT" "$T/supd.log" ||
	fail "int not stopped with its stopsignal"
grep -q "'deaf:deaf' (pid $old_deaf) left by a previous supd still runs after 1s: killing it with SIGKILL" "$T/supd.log" ||
	fail "deaf not killed after stopwaitsecs"
grep -q "pid $stranger of 'gone:gone' (left by a previous supd) is another process now: left alone" "$T/supd.log" ||
	fail "no word of the reused pid"
grep -q "stopped 4 of 4 processes left running by a previous supd" "$T/supd.log" ||
	fail "no summary of the leftovers stopped"
ok "the new supd says what it found and stopped"

for p in $old_plain $old_deaf $old_int $old_grp $old_sleep; do
	bb_wait 10 bb_not_alive "$p"
done
kill -0 "$stranger" || fail "the process holding a reused pid was signalled"
ok "the old processes are gone, the stranger with a recorded pid still runs"

snap
for c in "sleep 1001.$U" "sleep 1003.$U" "sleep 1004.$U"; do
	expect_eq 1 "$(pids_of "$c" | wc -l)" "copies of '$c'"
done
new_plain=$(bb_log_pid plain)
[ "$new_plain" != "$old_plain" ] && kill -0 "$new_plain" || fail "plain is not running anew"
expect_eq "$new_plain" "$(pids_of "sleep 1001.$U")" "the running plain"
ok "exactly one copy of each program runs"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
[ ! -e "$state" ] || fail "a clean stop left the state file"
ok "a clean stop removes the state file"

# written in another pid namespace (a supd as PID 1 of a container sharing
# the directory): the pids are not ours, even with the right start time
start=$(sed 's/^.*) //' "/proc/$stranger/stat" | awk '{print $20}')
printf 'supd-state 1\nboot -\npidns 1\nsupd 1 1\nproc %d %s 15 10 0 0 gone:gone\n' \
	"$stranger" "$start" >"$state"
mv "$T/supd.log" "$T/supd.log.ns"
bb_start
bb_wait 10 running
grep -q "WARN state file $state was written in another pid namespace" "$T/supd.log" ||
	fail "no word of the other pid namespace"
kill -0 "$stranger" || fail "a pid of another pid namespace was signalled"
ok "a state file of another pid namespace is ignored"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"

# damaged: refused whole, with a warning, and the programs start
printf 'supd-state 1\nboot x\npidns 1\nsupd 1 2\nproc 12 zz\n' >"$state"
mv "$T/supd.log" "$T/supd.log.2"
bb_start
bb_wait 10 running
grep -q "WARN state file $state is damaged (a line is not understood): ignored" "$T/supd.log" ||
	fail "no warning for a damaged state file"
ok "a damaged state file is ignored with a warning"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"

# two supds given one state file: the second leaves the first's processes
# alone (and says so)
mv "$T/supd.log" "$T/supd.log.3"
bb_start
bb_wait 10 running
first=$SUPD_PID first_plain=$(bb_log_pid plain)
bb_wait 10 grep -q "^proc $first_plain " "$state"
mkdir "$T/b"
sed -e "s|^logfile=.*|logfile=$T/b/supd.log|" -e "s|^pidfile=.*|pidfile=$T/b/supd.pid\nstatefile=$state|" \
	-e "s|^childlogdir=.*|childlogdir=$T/b|" -e "s|sleep 100|sleep 200|" -e "s|@T@|$T/b|" \
	"$T/supd.conf" >"$T/b/supd.conf"
"$SUPD" -n -c "$T/b/supd.conf" >"$T/b/stdout" 2>&1 &
second=$!
BB_PIDS+=("$second")
bb_wait 10 grep -q "the supd that keeps $state (pid $first) still runs: its processes are left alone" "$T/b/supd.log"
bb_wait 10 grep -q "success: plain entered RUNNING" "$T/b/supd.log"
kill -0 "$first_plain" || fail "the first supd's plain was stopped by the second supd"
ok "a second supd on the same state file leaves the first's processes alone"
kill -TERM "$second"
bb_wait 20 bb_not_alive "$second"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
