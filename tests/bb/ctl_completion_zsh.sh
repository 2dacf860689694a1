#!/usr/bin/env bash
# supctl's zsh completion (etc/_supctl), driven as zsh drives it: an
# interactive zsh on a pseudo-terminal (zsh's zpty) with compinit and
# etc/ in its fpath is sent a command line and a TAB; every compadd the
# completion makes is logged with the matches it offers (compadd -O),
# which must be the commands, options, and the process and group names
# asked from the running supd the line's -c points at.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
command -v zsh >/dev/null || {
	echo "SKIP: no zsh"
	exit 77
}
zsh -n "$TOP_SRCDIR/etc/_supctl" || fail "zsh -n etc/_supctl"
ok "zsh -n etc/_supctl"
bb_setup
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[program:web]
command=sleep 1000
startsecs=0

[program:worker]
command=sleep 1000
process_name=%(program_name)s_%(process_num)s
numprocs=2
startsecs=0
EOC
bb_start
bb_wait 20 sh -c "'$SUPCTL' -c '$T/supd.conf' status web | grep -q RUNNING"

cat >"$T/drive.zsh" <<'EOZ'
# drive.zsh FPATHDIR BINDIR LOG LINE: TAB after LINE in an interactive zsh
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=(${(q)1} \$fpath); path=(${(q)2} \$path)"
zpty -w z "autoload -Uz compinit; compinit -u -d ${(q)3}.zcd"
zpty -w z "compadd() { local -a m; builtin compadd -O m \"\$@\"; print -r -- \"\${(j: :)\${(o)m}}\" >>${(q)3}; builtin compadd \"\$@\"; }"
zpty -w -n z "$4"$'\t'
# the completion is done when its log is there and stays still
local i
for ((i = 0; i < 200; i++)); do
	[[ -s $3 ]] && break
	sleep 0.1
done
sleep 0.5
zpty -d z
EOZ
# complete LINE: the matches zsh's completion offers after LINE (all
# compadd calls' matches, sorted, on one line)
complete_line() {
	local log
	log=$(mktemp "$T/log.XXXXXX")
	timeout 60 zsh -f "$T/drive.zsh" "$TOP_SRCDIR/etc" "$(dirname "$SUPCTL")" "$log" "$1" \
		>/dev/null 2>&1 || true
	[ -s "$log" ] || fail "no completion for '$1'"
	tr ' ' '\n' <"$log" | grep -v '^$' | sort -u | tr '\n' ' '
}

got=$(complete_line "supctl st")
expect_eq "start status stop " "$got" "commands completing 'st'"
ok "commands complete"

got=$(complete_line "supctl -c $T/supd.conf stop ")
expect_eq "all web worker:* worker:worker_0 worker:worker_1 " "$got" "stop's names"
ok "process and group names come from the running supd"

got=$(complete_line "supctl -c $T/supd.conf signal ")
expect_eq "CONT HUP INT KILL QUIT STOP TERM USR1 USR2 " "$got" "signal's first word"
got=$(complete_line "supctl -c $T/supd.conf update ")
expect_eq "all web worker " "$got" "update's groups"
got=$(complete_line "supctl --js")
expect_eq "--json " "$got" "options"
ok "signals, groups, options"
bb_stop
