#!/usr/bin/env bash
# rlimit_*, nice, oom_score_adj and cpu_affinity (issue #15) reach the
# program, as /proc shows them; a setting the kernel refuses is a spawn
# error naming it.
. "$(dirname "$0")/lib.sh"
bb_setup

# a CPU this test may use, and one that cannot exist
cpu=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)
[ -n "$cpu" ] || fail "no Cpus_allowed_list in /proc/self/status"
nr_open=$(cat /proc/sys/fs/nr_open)
# Raising a hard limit takes CAP_SYS_RESOURCE (bit 24), which a container's
# root may lack: then rlimit_nice and rlimit_rtprio (hard limit 0 by
# default) are set to 0, and raising one is the spawn error checked.
caps=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
if (( (16#$caps >> 24) & 1 )); then
	nice_rl=0:10 rtprio_rl=0:5
else
	nice_rl=0:0 rtprio_rl=0:0
	echo "note: no CAP_SYS_RESOURCE: rlimit_nice and rlimit_rtprio stay 0, raising one must fail"
fi

bb_conf <<EOF2
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@

[program:lim]
command=sleep 1000
startsecs=0
rlimit_as=1G:infinity
rlimit_core=unlimited
rlimit_cpu=1h:2h
rlimit_data=512M
rlimit_fsize=10MB:1GB
rlimit_memlock=64K
rlimit_msgqueue=819200
rlimit_nice=$nice_rl
rlimit_nofile=1024:4096
rlimit_nproc=500:600
rlimit_rtprio=$rtprio_rl
rlimit_rttime=500ms:2s
rlimit_sigpending=100:200
rlimit_stack=8M
nice=7
oom_score_adj=250
cpu_affinity=$cpu

[program:plain]
command=sleep 1000
startsecs=0

[program:badnofile]
command=sleep 1000
startretries=0
rlimit_nofile=$((nr_open + 1))

[program:badrtprio]
command=sleep 1000
startretries=0
startsecs=0
rlimit_rtprio=0:infinity

[program:badcpu]
command=sleep 1000
startretries=0
cpu_affinity=1023
EOF2
bb_start
bb_wait_log 10 "success: lim entered RUNNING"
bb_wait_log 10 "success: plain entered RUNNING"
pid=$(bb_log_pid lim)
[ -n "$pid" ] || fail "no pid for lim"

# "Max open files  1024  4096  files": soft and hard, by the limit's name
limit() {
	awk -v n="$1" 'index($0, n) == 1 {
		rest = substr($0, length(n) + 1); split(rest, f, " "); print f[1] ":" f[2] }' \
		"/proc/$pid/limits"
}
check() {
	expect_eq "$2" "$(limit "$1")" "$1 of lim"
}
check "Max address space" 1073741824:unlimited
check "Max core file size" unlimited:unlimited
check "Max cpu time" 3600:7200
check "Max data size" 536870912:536870912
check "Max file size" 10485760:1073741824
check "Max locked memory" 65536:65536
check "Max msgqueue size" 819200:819200
check "Max nice priority" "$nice_rl"
check "Max open files" 1024:4096
check "Max processes" 500:600
check "Max realtime priority" "$rtprio_rl"
check "Max realtime timeout" 500000:2000000
check "Max pending signals" 100:200
check "Max stack size" 8388608:8388608
ok "every rlimit_* is in /proc/$pid/limits"

# field 19 of /proc/PID/stat, counted after the command name
nice=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $17}')
expect_eq 7 "$nice" "nice of lim"
expect_eq 250 "$(cat "/proc/$pid/oom_score_adj")" "oom_score_adj of lim"
expect_eq "$cpu" "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$pid/status")" \
	"Cpus_allowed_list of lim"
ok "nice, oom_score_adj and cpu_affinity applied"

# a program without them keeps supd's (the children's open-files limit
# stays supd's original one, not lim's)
ppid=$(bb_log_pid plain)
expect_eq "$(sed 's/^.*) //' "/proc/$SUPD_PID/stat" | awk '{print $17}')" \
	"$(sed 's/^.*) //' "/proc/$ppid/stat" | awk '{print $17}')" "nice of plain"
expect_eq "$(awk '/^Max stack size/ {print $4}' "/proc/$SUPD_PID/limits")" \
	"$(awk '/^Max stack size/ {print $4}' "/proc/$ppid/limits")" "stack limit of plain"
ok "a program without limits gets supd's"

bb_wait_log 10 "spawnerr: rlimit_nofile: Operation not permitted"
bb_wait_log 10 "gave up: badnofile entered FATAL"
bb_wait_log 10 "spawnerr: cpu_affinity: Invalid argument"
bb_wait_log 10 "gave up: badcpu entered FATAL"
if [ "$nice_rl" = 0:0 ]; then
	bb_wait_log 10 "spawnerr: rlimit_rtprio: Operation not permitted"
	bb_wait_log 10 "gave up: badrtprio entered FATAL"
else
	bb_wait_log 10 "success: badrtprio entered RUNNING"
fi
ok "a refused setting is a spawn error naming it"

# a reload that changes a setting restarts the program with the new value
sed -i 's/^nice=7$/nice=9/' "$T/supd.conf"
kill -HUP "$SUPD_PID"
lim_respawned() {
	[ "$(bb_log_pid lim)" != "$pid" ]
}
bb_wait 10 lim_respawned
pid=$(bb_log_pid lim)
bb_wait 10 test -e "/proc/$pid/stat"
expect_eq 9 "$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $17}')" "nice of lim after the reload"
ok "a reload changing nice restarts the program with it"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
