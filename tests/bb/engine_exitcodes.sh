#!/usr/bin/env bash
# Exit-status sweep: programs exiting with every code 0..255 and dying by
# every signal whose default action terminates, all at once; each must be
# reported exactly as supervisord words it.
. "$(dirname "$0")/lib.sh"
bb_setup

# Signals that terminate by default (not KILL/STOP, which are not
# catchable, nor the ones ignored or stopping by default).
sigs=(1 2 3 4 5 6 7 8 10 11 12 13 14 15 16 24 25 26 27 29 30 31)
for ((s = 34; s <= 64; s++)); do
	sigs+=("$s")
done

# supervisord's names (Python's signal module): SIGPOLL, not SIGIO; real-time
# signals other than the first and last are "signal N".
names=(x HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT
	CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH POLL PWR SYS)
signame() {
	case $1 in
	34) echo SIGRTMIN ;;
	64) echo SIGRTMAX ;;
	*)
		if [ "$1" -lt 32 ]; then
			echo "SIG${names[$1]}"
		else
			echo "signal $1"
		fi
		;;
	esac
}

exited_at_least() {
	[ "$(grep -c ' exited: ' "$T/supd.log" 2>/dev/null)" -ge "$1" ]
}

{
	cat <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
loglevel=info

EOC
	for ((c = 0; c <= 255; c++)); do
		printf '[program:code%d]\ncommand=sh -c "exit %d"\nstartsecs=0\nautorestart=false\nexitcodes=0,7\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n' "$c" "$c"
	done
	for s in "${sigs[@]}"; do
		printf '[program:sig%d]\ncommand=sh -c "kill -%d $$"\nstartsecs=0\nautorestart=false\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n' "$s" "$s"
	done
} | bb_conf

bb_start
total=$((256 + ${#sigs[@]}))
bb_wait 30 exited_at_least "$total"

for ((c = 0; c <= 255; c++)); do
	if [ "$c" = 0 ] || [ "$c" = 7 ]; then
		want="INFO exited: code$c (exit status $c; expected)"
	else
		want="WARN exited: code$c (exit status $c; not expected)"
	fi
	grep -qF -- "$want" "$T/supd.log" || fail "missing: $want"
done
ok "exit codes 0..255 reported exactly, exitcodes honoured"

for s in "${sigs[@]}"; do
	name=$(signame "$s")
	grep -qE -- "WARN exited: sig$s \(terminated by $name( \(core dumped\))?; not expected\)" \
		"$T/supd.log" || fail "missing: exited: sig$s (terminated by $name; not expected)"
done
ok "${#sigs[@]} signals reported exactly"

bb_stop 10
expect_eq 0 "$SUPD_STATUS" "supd exit status"
