#!/usr/bin/env bash
# supctl's bash completion (etc/supctl.bash), driven as bash drives it:
# `complete -p supctl` names its function, which fills COMPREPLY from
# COMP_WORDS: commands, options, and process and group names asked from the
# running supd the words' -c points at.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:web]
command=sleep 1000
startsecs=0

[program:worker]
command=sleep 1000
process_name=%(program_name)s_%(process_num)s
numprocs=2
startsecs=0

[program:db]
command=sleep 1000
startsecs=0

[group:back]
programs=db
EOC
bb_start
bb_wait 20 sh -c "'$SUPCTL' -c '$T/supd.conf' status web | grep -q RUNNING"

# complete WORDS...: what bash offers for the last word (sorted, one line)
complete_words() {
	PATH="$(dirname "$SUPCTL"):$PATH" timeout 20 bash --norc --noprofile -c '
		source "$1"; shift
		complete -p supctl
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_supctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$TOP_SRCDIR/etc/supctl.bash" "$@"
}

got=$(complete_words supctl st)
[[ $got == "complete -F _supctl supctl"* ]] || fail "complete -p supctl: $got"
got=${got#complete -F _supctl supctl}
got=${got#$'\n'}
expect_eq "start status stop " "$got" "commands completing 'st'"
ok "complete -p names _supctl; commands complete"

got=$(complete_words supctl --j)
expect_eq "complete -F _supctl supctl
--json " "$got" "options completing '--j'"

got=$(complete_words supctl -c "$T/supd.conf" restart "")
expect_eq "complete -F _supctl supctl
all back:* back:db web worker:* worker:worker_0 worker:worker_1 " "$got" \
	"names for restart, asked from supd"
got=$(complete_words supctl -c "$T/supd.conf" tail -f w)
expect_eq "complete -F _supctl supctl
web worker:* worker:worker_0 worker:worker_1 " "$got" "names for tail -f"
got=$(complete_words supctl -c "$T/supd.conf" tail web "")
expect_eq "complete -F _supctl supctl
stderr stdout " "$got" "channels for tail NAME"
got=$(complete_words supctl -c "$T/supd.conf" update "")
expect_eq "complete -F _supctl supctl
all back web worker " "$got" "groups for update"
ok "process and group names come from the running supd"

bb_stop
