#!/usr/bin/env bash
# GET /metrics keeps the descriptors of the files it reads for each
# program (doc/metrics.md, Cost) open for the next scrape, but only while
# supd's open descriptors stay under half its RLIMIT_NOFILE: here supd runs
# without CAP_SYS_RESOURCE under a limit of 400 (it cannot raise it), with
# 20 programs first (room to keep; cgroups=off: the main pids' /proc
# figures) and then 60 (none kept; cgroups as the host allows), and each
# scrape still has every program's figures.
. "$(dirname "$0")/lib.sh"
for t in curl prlimit setpriv; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t missing"
		exit 77
	fi
done
bb_setup
LIMIT=400

# supd under the limit, unable to raise it
cat >"$T/supd-limited" <<EOF2
#!/bin/sh
exec prlimit --nofile=$LIMIT:$LIMIT setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource "$SUPD" "\$@"
EOF2
chmod +x "$T/supd-limited"
REAL_SUPD=$SUPD
SUPD=$T/supd-limited
setpriv --bounding-set=-sys_resource true 2>/dev/null || {
	echo "SKIP: setpriv cannot drop CAP_SYS_RESOURCE here"
	exit 77
}

conf() {
	{
		cat <<EOF2
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@
minfds=64
${2:-}

[unix_http_server]
file=@T@/supd.sock
EOF2
		for i in $(seq "$1"); do
			printf '\n[program:p%d]\ncommand=sleep 1000\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n' "$i"
		done
	} | bb_conf
}
scrape() {
	timeout 10 curl -sf --unix-socket "$T/supd.sock" -o "$T/metrics" http://localhost/metrics
}
fds() { sed -n 's/^process_open_fds //p' "$T/metrics"; }
cpu_lines() { grep -c '^supd_process_cpu_seconds_total{' "$T/metrics"; }
running() { [ "$(ctl status | grep -c ' RUNNING ')" = "$1" ]; }

conf 20 cgroups=off
bb_start
bb_wait 30 running 20
grep -q "RLIMIT\|limit" "$T/supd.log" || true
scrape || fail "GET /metrics"
F1=$(fds)
scrape || fail "GET /metrics (2)"
F2=$(fds)
expect_eq 20 "$(cpu_lines)" "figures of the 20 programs"
# without a cgroup: the main pid's figures, under both names
has() { grep -qE -- "$1" "$T/metrics" || fail "no line like '$1' in /metrics"; }
has '^supd_process_memory_bytes\{group="p7",name="p7"\} [1-9][0-9]*$'
has '^supd_process_resident_memory_bytes\{group="p7",name="p7"\} [1-9][0-9]*$'
has '^supd_process_threads\{group="p7",name="p7"\} 1$'
has '^supd_process_processes\{group="p7",name="p7"\} 1$'
grep -q '^supd_process_memory_peak_bytes' "$T/metrics" && fail "a peak without a cgroup"
# each program's files are now kept: one /proc/PID/stat, or in a cgroup
# cpu.stat and cgroup.procs (or pids.current, and the memory files)
[ $((F2 - F1)) -ge 20 ] || fail "no descriptors kept: $F1 then $F2 open"
[ "$F2" -lt $((LIMIT / 2)) ] || fail "$F2 descriptors open, half the limit is $((LIMIT / 2))"
scrape || fail "GET /metrics (3)"
expect_eq "$F2" "$(fds)" "descriptors open at the next scrape (the kept ones reused)"
ok "20 programs: $((F2 - F1)) descriptors kept, reused at the next scrape"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"

# 60 programs: their pipes alone are near half the limit
conf 60
bb_start
bb_wait 30 running 60
scrape || fail "GET /metrics"
F1=$(fds)
for _ in 1 2 3; do
	scrape || fail "GET /metrics again"
done
F2=$(fds)
expect_eq 60 "$(cpu_lines)" "figures of the 60 programs"
[ "$F2" -le $((F1 > LIMIT / 2 ? F1 : LIMIT / 2)) ] ||
	fail "$F2 descriptors open after the scrapes ($F1 before; half the limit is $((LIMIT / 2)))"
ok "60 programs: $F1 then $F2 descriptors open, within half the limit $LIMIT"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
SUPD=$REAL_SUPD
ok "done"
