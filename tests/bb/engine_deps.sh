#!/usr/bin/env bash
# depends_on and kind=oneshot (doc/dependencies.md) against a real supd: a
# chain and a diamond start in dependency order whatever their priorities
# say, and stop in the reverse order at shutdown; a one-shot feeds
# completed_successfully; a dependency that goes FATAL or completes
# unsuccessfully makes its dependent FATAL, naming it; `supctl start`
# starts what a program depends on first; a cycle and a missing name are
# refused at start, naming the programs.
. "$(dirname "$0")/lib.sh"
bb_setup


bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
loglevel=debug

[unix_http_server]
file=@T@/supd.sock

[supctl]
serverurl=unix://@T@/supd.sock

; a chain: c -> b -> a, priorities saying the opposite
[program:a]
command=sleep 100
startsecs=0
priority=30

[program:b]
command=sleep 100
startsecs=0
priority=20
depends_on=a

[program:c]
command=sleep 100
startsecs=0
priority=10
depends_on=b:running

; a diamond: top -> left, right -> base
[program:base]
command=sleep 100
startsecs=0
priority=5

[program:left]
command=sleep 100
startsecs=0
depends_on=base
priority=4

[program:right]
command=sleep 100
startsecs=0
depends_on=base:started
priority=4

[program:top]
command=sleep 100
startsecs=0
depends_on=left:running,right:running
priority=1

; a one-shot feeding completed_successfully
[program:migrate]
command=sh -c 'echo "start migrate" >>@T@/order; exec sleep 0.3'
kind=oneshot
autorestart=true

[program:app]
command=sleep 100
startsecs=0
depends_on=migrate:completed_successfully

; failures propagated
[program:broken]
command=sh -c 'exit 5'
startretries=0

[program:needs_broken]
command=sleep 100
depends_on=broken

[program:badjob]
command=sh -c 'exit 3'
kind=oneshot

[program:needs_badjob]
command=sleep 100
depends_on=badjob:completed_successfully

; not started at first: `supctl start web` starts db first
[program:db]
command=sleep 100
autostart=false
startsecs=0

[program:web]
command=sleep 100
autostart=false
startsecs=0
depends_on=db
EOC
bb_start
for p in c top app; do
	bb_wait 10 grep -q "success: $p entered RUNNING" "$T/supd.log"
done

# from supd's log: the dependency met its condition before the dependent
# was spawned (startsecs=0: RUNNING once its exec is confirmed)
line() {
	grep -n -- "$1" "$T/supd.log" | head -n 1 | cut -d: -f1
}
started_before() {
	local a b
	a=$(line "success: $1 entered RUNNING")
	[ "$1" != migrate ] || a=$(line "exited: migrate ")
	b=$(line "spawned: '$2'")
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "expected $1 to start before $2"
}
started_before a b
started_before b c
ok "a chain starts in dependency order against priorities"
started_before base left
started_before base right
started_before left top
started_before right top
ok "a diamond starts in dependency order"
started_before migrate app
grep -q "exited: migrate (exit status 0; expected)" "$T/supd.log" || fail "migrate did not complete"
ok "a one-shot's completion starts its dependent"
expect_eq 1 "$(grep -c -x "start migrate" "$T/order")" "runs of the one-shot (autorestart=true is ignored)"
run status migrate
case $OUT in
*EXITED*completed*"exit status 0"*) ;;
*) fail "status of a completed one-shot: $OUT" ;;
esac
expect_eq 0 "$RC" "supctl status of a completed one-shot"
ok "a completed one-shot is EXITED 'completed ... (exit status 0)', status exits 0"

bb_wait 10 sh -c "$SUPCTL -c $T/supd.conf status needs_broken | grep -q FATAL"
run status needs_broken
case $OUT in
*FATAL*"dependency broken is FATAL"*) ;;
*) fail "needs_broken: $OUT" ;;
esac
bb_wait 10 sh -c "$SUPCTL -c $T/supd.conf status needs_badjob | grep -q FATAL"
run status needs_badjob
case $OUT in
*FATAL*"dependency badjob did not complete successfully (exit status 3)"*) ;;
*) fail "needs_badjob: $OUT" ;;
esac
grep -q "spawned: 'needs_broken'" "$T/supd.log" && fail "needs_broken was spawned"
ok "a FATAL dependency and a failed one-shot make their dependents FATAL, named"

run start web
expect_eq 0 "$RC" "supctl start web: $OUT"
started_before db web
run status db
case $OUT in *RUNNING*) ;; *) fail "db after start web: $OUT" ;; esac
ok "supctl start web starts db first"

bb_stop 20
expect_eq 0 "$SUPD_STATUS" "supd exit status"
stopped_before() {
	local a b
	a=$(line "stopped: $1 ")
	b=$(line "killing $2 (pid")
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "expected $1 stopped before $2 is signalled"
}
stopped_before c b
stopped_before b a
stopped_before top left
stopped_before top right
stopped_before left base
stopped_before right base
stopped_before web db
ok "shutdown stops dependents first, whatever their priorities"

# refused at start, named
cat >"$T/cycle.conf" <<EOC
[supervisord]
logfile=$T/cycle.log
[program:x]
command=sleep 100
depends_on=y
[program:y]
command=sleep 100
depends_on=z:started
[program:z]
command=sleep 100
depends_on=x
[program:w]
command=sleep 100
depends_on=nosuch
EOC
# refused WHAT PATTERN...: supd does not start, and says one of them
refused() {
	local what=$1 out rc
	shift
	set +e
	out=$(timeout 10 "$SUPD" -n -c "$T/cycle.conf" 2>&1)
	rc=$?
	set -e
	[ "$rc" -ne 0 ] || fail "supd started with $what"
	for pat in "$@"; do
		[[ $out == *"$pat"* ]] && return 0
	done
	fail "$what not reported: $out"
}
refused "a missing dependency" "depends_on 'nosuch', which is neither a program nor a group"
sed -i '/nosuch/d' "$T/cycle.conf"
refused "a dependency cycle" "dependency cycle: w -> x -> y -> z -> x" "dependency cycle: x -> y -> z -> x"
ok "a cycle and a missing name are refused at start, named"
