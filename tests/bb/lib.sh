# Black-box test harness: source it from a test script.
#
# Starts the real supd in a temporary directory, waits for conditions with a
# time bound (never a fixed sleep), and at exit ends every process the test
# started -- supd and all its descendants -- by pid.
#
#   bb_setup                      make $T (temp dir) and arm the cleanup
#   bb_conf <<EOF ... EOF         write $T/supd.conf (%(here)s is $T)
#   bb_start [supd args...]       start supd -n -c $T/supd.conf in the background; sets $SUPD_PID
#   bb_wait SECS CMD...           run CMD until it succeeds, or fail after SECS
#   bb_wait_log SECS REGEX        wait for a line of supd's log ($T/supd.log)
#   bb_log_pid NAME               pid of the last "spawned: 'NAME' with pid N"
#   bb_free_port                  a loopback TCP port nobody listens on (now)
#   bb_stop [SECS]                SIGTERM supd, wait for it to exit; sets $SUPD_STATUS
#   fail MSG / ok MSG             report; fail exits 1
#   expect_eq WANT GOT WHAT       compare strings
#   ctl ARGS...                   supctl -c $T/supd.conf ARGS, bounded by $BB_CTL_TIMEOUT s (60)
#   run ARGS...                   ctl ARGS; sets OUT (stdout and stderr) and RC
#   expect_run RC OUT ARGS...     run ARGS, fail unless exit code and output are these
#   bb_cgroup_base                CG_BASE: supd's cgroup subtree, or skip (77)
set -u

: "${SUPD:?SUPD must point at the supd binary}"
: "${SUPCTL:=}"
: "${TOP_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

BB_PIDS=()
SUPD_PID=
SUPD_STATUS=
T=

fail() {
	echo "FAIL: $*" >&2
	if [ -n "$T" ] && [ -f "$T/supd.log" ]; then
		echo "---- supd.log (last 40 lines)" >&2
		tail -n 40 "$T/supd.log" >&2
	fi
	if [ -n "$T" ] && [ -f "$T/supd.stderr" ]; then
		echo "---- supd stderr (last 20 lines)" >&2
		tail -n 20 "$T/supd.stderr" >&2
	fi
	exit 1
}

ok() {
	echo "ok: $*"
}

expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# All descendants of a pid, from /proc (children before grandchildren).
# One read of every /proc/PID/stat, then a walk down the tree in awk: a
# process per /proc entry would take minutes on a machine running thousands
# of processes.  The command name may hold spaces or ')', so the fields are
# taken after the last ')'.
bb_descendants() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
		{
			rest = $0
			sub(/^.*\) /, "", rest)
			split(rest, f, " ")
			kids[f[2]] = kids[f[2]] " " $1
		}
		END {
			n = split(kids[root], q, " ")
			for (i = 1; i <= n; i++) {
				m = split(kids[q[i]], c, " ")
				for (j = 1; j <= m; j++)
					q[++n] = c[j]
			}
			out = ""
			for (i = 1; i <= n; i++)
				out = out (i > 1 ? " " : "") q[i]
			print out
		}'
}

bb_cleanup() {
	local p all=()
	for p in "${BB_PIDS[@]+"${BB_PIDS[@]}"}"; do
		kill -0 "$p" 2>/dev/null || continue
		all+=($(bb_descendants "$p") "$p")
	done
	for p in "${all[@]+"${all[@]}"}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${BB_PIDS[@]+"${BB_PIDS[@]}"}"; do
		wait "$p" 2>/dev/null || true
	done
	# cgroups: what a killed supd could not remove (its log, even renamed,
	# names the subtree), leaves first, emptied with cgroup.kill.
	if [ -n "$T" ]; then
		local cg
		for cg in $(cat "$T"/supd.* 2>/dev/null | sed -n 's/.*cgroups on, .* programs go under \(.*\)$/\1/p' | sort -u); do
			[ -d "$cg" ] || continue
			for p in "$cg"/*/*/cgroup.kill; do
				[ -e "$p" ] && echo 1 >"$p" 2>/dev/null
			done
			for p in $(seq 250); do
				find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
				[ -d "$cg" ] || break
				sleep 0.02
			done
		done
	fi
	if [ -n "$T" ] && [ -z "${BB_KEEP:-}" ]; then
		rm -rf "$T"
	fi
}

bb_setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/supd-bb.XXXXXX")
	trap bb_cleanup EXIT
	trap 'exit 1' INT TERM
}

bb_conf() {
	sed -e "s|@T@|$T|g" >"$T/supd.conf"
}

# bb_conf_std [FILE]: the usual head of a test's config (supd's log, pid
# file and child logs in $T, its unix socket, supctl pointed at it), into
# FILE ($T/supd.conf); sections follow with >>.
bb_conf_std() {
	cat >"${1:-$T/supd.conf}" <<EOC
[supervisord]
logfile=$T/supd.log
pidfile=$T/supd.pid
childlogdir=$T

[unix_http_server]
file=$T/supd.sock

[supervisorctl]
serverurl=unix://$T/supd.sock
EOC
}

# supd runs in the test's directory: what a config leaves at its default
# place (supervisord.pid, and the state file beside it) is the test's own,
# not shared with the tests running at the same time in the build
# directory (a state file there left by a killed supd made another test's
# supd stop that one's programs first).
bb_start() {
	(cd "$T" && exec "$SUPD" -n -c "$T/supd.conf" "$@") >"$T/supd.stdout" 2>"$T/supd.stderr" &
	SUPD_PID=$!
	BB_PIDS+=("$SUPD_PID")
}

bb_wait() {
	local secs=$1
	shift
	local deadline=$((SECONDS + secs + 1)) start
	start=$(date +%s%N)
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if [ $(( ($(date +%s%N) - start) / 1000000000 )) -ge "$secs" ] || [ $SECONDS -ge $deadline ]; then
			fail "timed out after ${secs}s waiting for: $*"
		fi
		sleep 0.02
	done
}

bb_wait_log() {
	bb_wait "$1" grep -Eq -- "$2" "$T/supd.log"
}

bb_log_pid() {
	sed -n "s/.*spawned: '$1' with pid \([0-9]*\).*/\1/p" "$T/supd.log" | tail -n 1
}

bb_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	fail "no free port found"
}

bb_stop() {
	local secs=${1:-20}
	kill -TERM "$SUPD_PID" 2>/dev/null || true
	bb_wait "$secs" bb_not_alive "$SUPD_PID"
	wait "$SUPD_PID" 2>/dev/null
	SUPD_STATUS=$?
}

# A hung supctl must fail the test, not hang make check: every call is
# bounded (a background follower that must be supctl itself, for $!, runs
# "$SUPCTL" directly and is killed by the test).
ctl() {
	timeout "${BB_CTL_TIMEOUT:-60}" "$SUPCTL" -c "$T/supd.conf" "$@"
}

run() {
	set +e
	OUT=$(ctl "$@" 2>&1)
	RC=$?
	set -e
}

expect_run() {
	local want_rc=$1 want_out=$2
	shift 2
	run "$@"
	[ "$OUT" = "$want_out" ] || fail "supctl $*: expected output
$want_out
got
$OUT"
	expect_eq "$want_rc" "$RC" "exit code of supctl $*"
	ok "supctl $* -> $RC"
}

# cgroups: once supd has started, CG_BASE is its subtree (doc/cgroups.md);
# without one the test is skipped (exit 77), saying why supd has none.
bb_cgroup_base() {
	bb_wait_log 10 "cgroups (on|off)"
	if grep -q "cgroups off" "$T/supd.log"; then
		echo "SKIP: supd cannot have a cgroup v2 subtree here: $(grep -o 'cgroups off (.*)' "$T/supd.log")"
		exit 77
	fi
	CG_BASE=$(sed -n 's/.*cgroups on, .* programs go under \(.*\)$/\1/p' "$T/supd.log")
	[ -n "$CG_BASE" ] || CG_BASE=$(sed -n 's/.*cgroups on, .*; supd moved to \(.*\)\/supd.self$/\1/p' "$T/supd.log")
	[ -d "$CG_BASE" ] || fail "no cgroup subtree in the log: $(grep cgroups "$T/supd.log")"
}

bb_not_alive() {
	! kill -0 "$1" 2>/dev/null && return 0
	# a zombie of ours counts as gone
	grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
