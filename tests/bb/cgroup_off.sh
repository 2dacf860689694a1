#!/usr/bin/env bash
# cgroups (doc/cgroups.md): supd with no usable cgroup v2 subtree (a
# SUPD_CGROUP_FS that is no cgroup2 mount, or cgroups=off) runs as without
# cgroups, says why once, and a program with limits is told they are not
# applied.
. "$(dirname "$0")/lib.sh"
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
loglevel=debug

[unix_http_server]
file=@T@/supd.sock

[program:tree]
command=sh -c 'sleep 1000 & exec sleep 1001'
startsecs=0
stopasgroup=true
memory_max=64M
EOC
SUPD_CGROUP_FS="$T" bb_start
bb_wait_log 10 "success: tree entered RUNNING"
expect_eq 1 "$(grep -c "cgroups off ($T is not a cgroup2 filesystem): programs are stopped through their process groups" "$T/supd.log")" "lines saying cgroups are off"
grep -q "program 'tree': its cgroup limits are not applied: supd runs without cgroups" "$T/supd.log" ||
	fail "no warning about tree's memory_max"
grep -q '^0::' /proc/"$(bb_log_pid tree)"/cgroup && [ "$(grep '^0::' /proc/"$(bb_log_pid tree)"/cgroup)" = "$(grep '^0::' /proc/"$SUPD_PID"/cgroup)" ] ||
	fail "tree is not in supd's cgroup"
run stop tree
expect_eq 0 "$RC" "stop tree: $OUT"
grep -q "killing tree (pid [0-9]*) process group with signal SIGTERM" "$T/supd.log" ||
	fail "tree not stopped through its process group"
ok "no cgroup2 at SUPD_CGROUP_FS: said once, processes stopped as before, limits said unapplied"
bb_stop 20
expect_eq 0 "$SUPD_STATUS" "supd exit status"

# cgroups=off, on a host that has them.
sed -i 's/^\[supervisord\]$/[supervisord]\ncgroups=off/' "$T/supd.conf"
: >"$T/supd.log"
bb_start
bb_wait_log 10 "success: tree entered RUNNING"
expect_eq 1 "$(grep -c "cgroups off (cgroups=off in the config)" "$T/supd.log")" "lines saying cgroups=off"
bb_stop 20
expect_eq 0 "$SUPD_STATUS" "supd exit status"
ok "cgroups=off: said once"
