#!/usr/bin/env bash
# cgroups (doc/cgroups.md): each program in a leaf cgroup of its own from
# its first instruction; a stop leaves nothing of it alive, whatever it
# forked (double fork, setsid, SIGTERM ignored); kill_mode decides what
# a stop and an exit by itself kill; shutdown leaves nothing; supd removes
# the cgroups it made.  Scaled: 200 children (SOAK=1: 1000).
. "$(dirname "$0")/lib.sh"
bb_setup
N=200
[ "${SOAK:-}" = 1 ] && N=1000

# Leaves a double-forked child, a setsid one and one that ignores
# SIGTERM, then runs on (or exits by itself with "exit").
cat >"$T/leaver.sh" <<'EOS2'
sh -c 'sleep 1000 & echo $! >"$1.df"' x "$1"
setsid sleep 1001 &
echo $! >"$1.ss"
sh -c 'trap "" TERM; while :; do sleep 1; done' &
echo $! >"$1.it"
[ "$2" = exit ] && exit 3
exec sleep 1002
EOS2
# Forks n children that ignore SIGTERM.
cat >"$T/many.sh" <<'EOS2'
trap '' TERM
i=0
while [ $i -lt $1 ]; do sleep 1000 & i=$((i + 1)); done
echo ready >"$2"
exec sleep 1003
EOS2

bb_conf <<EOC
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
loglevel=debug

[unix_http_server]
file=@T@/supd.sock

[program:first]
command=sh -c 'cat /proc/self/cgroup >@T@/first.cg; exec sleep 1000'
startsecs=0

[program:cg]
command=sh @T@/leaver.sh @T@/cg
startsecs=0
stopwaitsecs=1

[program:grp]
command=sh @T@/leaver.sh @T@/grp
startsecs=0
stopwaitsecs=1
kill_mode=group

[program:proc]
command=sh @T@/leaver.sh @T@/proc
startsecs=0
stopwaitsecs=1
kill_mode=process

[program:exits]
command=sh @T@/leaver.sh @T@/exits exit
startsecs=0
autorestart=false
exitcodes=3

[program:exitsgrp]
command=sh @T@/leaver.sh @T@/exitsgrp exit
startsecs=0
autorestart=false
exitcodes=3
kill_mode=group

[program:many]
command=sh @T@/many.sh $N @T@/many.ready
startsecs=0
stopwaitsecs=1

[program:atexit]
command=sh @T@/leaver.sh @T@/atexit
startsecs=0
stopwaitsecs=1
kill_mode=process
EOC
bb_start
bb_cgroup_base
base=$CG_BASE
# the subtree as /proc/PID/cgroup names it: supd's own path plus the rest
own=$(sed -n 's/^0:://p' "/proc/$SUPD_PID/cgroup")
rel=${own%/}/${base##*/}
[ -e "$base/supd.self" ] && rel=${own%/supd.self}
ok "cgroups on, subtree $base"

bb_wait 30 test -s "$T/first.cg"
expect_eq "0::$rel/first/first" "$(grep '^0::' "$T/first.cg")" "the first thing the child read of /proc/self/cgroup"
ok "a child is in its leaf cgroup from its first instruction"

# A leaf costs supd no descriptor while its program runs (10,000 programs
# must fit in the file limit: doc/cgroups.md).
held=$(for f in /proc/$SUPD_PID/fd/*; do readlink "$f"; done | grep -c "^$base/" || true)
expect_eq 0 "$held" "descriptors supd holds under $base"
ok "no descriptor held per leaf"

for f in cg grp proc atexit; do
	bb_wait 30 test -s "$T/$f.it"
done
bb_wait 60 test -s "$T/many.ready"
bb_wait 30 test -s "$T/exits.it"
bb_wait 30 test -s "$T/exitsgrp.it"
pids_of() { cat "$T/$1.df" "$T/$1.ss" "$T/$1.it"; }
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
none_alive() { ! alive "$@"; }
populated() { grep -q 'populated 1' "$base/$1/$1/cgroup.events"; }

# kill_mode=cgroup (the default): the stop signal reaches every process,
# the one ignoring it is killed at stopwaitsecs, STOPPED once all are gone.
[ "$(wc -l <"$base/cg/cg/cgroup.procs")" -ge 4 ] || fail "cg's leaf holds $(wc -l <"$base/cg/cg/cgroup.procs") processes"
# An upgrade in place first: the new image takes the leaves again.
run upgrade
expect_eq 0 "$RC" "upgrade: $OUT"
run stop cg
expect_eq 0 "$RC" "stop cg: $OUT"
none_alive $(pids_of cg) || fail "cg: left alive after its stop: $(pids_of cg)"
populated cg && fail "cg: its leaf is not empty after STOPPED"
grep -q "killing what is left of 'cg' in its cgroup with SIGKILL" "$T/supd.log" || fail "cg: no SIGKILL of the rest"
ok "kill_mode=cgroup (after an upgrade in place): a double fork, a setsid child, a SIGTERM-ignoring child: all gone at STOPPED"

# Started again after that SIGKILL, it runs: its leaf kills nothing new
# (a leaf once emptied with cgroup.kill killed every later child at once,
# and autorestart made that a loop).
before=$(grep -c "exited: cg " "$T/supd.log" || true)
rm -f "$T/cg.it"
run start cg
expect_eq 0 "$RC" "start cg again: $OUT"
bb_wait 30 test -s "$T/cg.it"
expect_eq "$before" "$(grep -c "exited: cg " "$T/supd.log" || true)" "exits of cg after its new start"
ok "a program stopped with SIGKILL starts again and runs"
run stop cg

# kill_mode=group: stopsignal to the main process, SIGKILL to the rest.
run stop grp
expect_eq 0 "$RC" "stop grp: $OUT"
none_alive $(pids_of grp) || fail "grp: left alive after its stop"
populated grp && fail "grp: its leaf is not empty after STOPPED"
ok "kill_mode=group: all gone at STOPPED"

# kill_mode=process: only the main process; the rest runs on in the leaf.
run stop proc
expect_eq 0 "$RC" "stop proc: $OUT"
alive $(cat "$T/proc.ss") || fail "proc: kill_mode=process killed the setsid child"
populated proc || fail "proc: its leaf emptied"
ok "kill_mode=process: the main process stops, what it forked runs on"

# An exit by itself: kill_mode=cgroup kills what it left, group does not.
bb_wait_log 30 "exited: exits "
bb_wait 30 none_alive $(pids_of exits)
bb_wait_log 30 "exited: exitsgrp "
alive $(cat "$T/exitsgrp.ss") || fail "exitsgrp: kill_mode=group killed what an exit left"
ok "an exit by itself: kill_mode=cgroup kills the leftovers, group keeps them"

# 200 children ignoring SIGTERM: all gone at STOPPED.
expect_eq $((N + 1)) "$(wc -l <"$base/many/many/cgroup.procs")" "processes in many's leaf"
run stop many
expect_eq 0 "$RC" "stop many: $OUT"
populated many && fail "many: its leaf is not empty after STOPPED"
ok "a program with $N children stopped cleanly"

# Shutdown: nothing of any program is left, kill_mode=process included,
# and supd removes the cgroups it made.
keep="$(pids_of proc) $(pids_of exitsgrp) $(pids_of atexit)"
bb_stop 30
expect_eq 0 "$SUPD_STATUS" "supd exit status"
bb_wait 30 none_alive $keep
[ -e "$base" ] && fail "supd left $base behind: $(find "$base" -type d)"
ok "shutdown: no process of any program left, the subtree removed"
