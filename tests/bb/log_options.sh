#!/usr/bin/env bash
# Child log options through the real config: AUTO names in childlogdir and
# their cleanup at start (or not, with nocleanup), strip_ansi,
# stdout_logfile_timestamps, forward_timestamps, redirect_stderr with
# forwarding, and supd's own log rotated by logfile_maxbytes.
. "$(dirname "$0")/lib.sh"
bb_setup
mkdir "$T/child"

conf() { # nocleanup
	bb_conf <<EOF
[supervisord]
logfile=@T@/supd.log
logfile_maxbytes=2KB
logfile_backups=3
childlogdir=@T@/child
identifier=bbid
pidfile=@T@/supd.pid
strip_ansi=true
nocleanup=$1
forward_timestamps=true

[program:auto]
command=printf '\033[31mred\033[0m plain\n'
autorestart=false
startsecs=0

[program:stamped]
command=printf 'one\ntwo\n'
stdout_logfile=@T@/stamped.log
stdout_logfile_timestamps=true
autorestart=false
startsecs=0

[program:both]
command=sh -c 'echo out; echo err >&2'
redirect_stderr=true
stdout_logfile=NONE
forward_output=true
autorestart=false
startsecs=0
EOF
}

# supd.log rotates in this test: look in all of it
in_log() {
	cat "$T"/supd.log* | grep -q -- "$1"
}
auto_exits() {
	[ "$(cat "$T"/supd.log* | grep -c "exited: auto (exit status 0")" -ge "$1" ]
}

STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}'

conf false
bb_start
bb_wait 10 auto_exits 1
bb_wait 10 in_log "exited: stamped (exit status 0"
bb_wait 10 in_log "exited: both (exit status 0"
first=$(ls "$T/child" | grep -E '^auto-stdout---bbid-[a-z0-9_]{8}\.log$') ||
	fail "no AUTO stdout log named like supervisord's: $(ls "$T/child")"
ls "$T/child" | grep -qE '^auto-stderr---bbid-[a-z0-9_]{8}\.log$' || fail "no AUTO stderr log"
ls "$T/child" | grep -q '^both-stderr' && fail "redirect_stderr made a stderr log"
[ "$(stat -c %a "$T/child/$first")" = 600 ] || fail "AUTO log mode is not 0600"
expect_eq "red plain" "$(cat "$T/child/$first")" "strip_ansi"
ok "AUTO log named <name>-stdout---<identifier>-<8 chars>.log, mode 0600, ANSI stripped"

grep -Eq "^$STAMP one\$" "$T/stamped.log" && grep -Eq "^$STAMP two\$" "$T/stamped.log" &&
	[ "$(wc -l <"$T/stamped.log")" = 2 ] || fail "stamped.log: $(cat "$T/stamped.log")"
ok "stdout_logfile_timestamps"

grep -Eq "^$STAMP both \\| out\$" "$T/supd.stdout" || fail "forwarded stdout: $(cat "$T/supd.stdout")"
grep -Eq "^$STAMP both \\| err\$" "$T/supd.stdout" || fail "redirected stderr not forwarded to stdout"
ok "forward_timestamps, and redirect_stderr forwarded on stdout"
bb_stop

# A restart removes the old AUTO files (new names are made)...
bb_start
bb_wait 10 auto_exits 2
[ -e "$T/child/$first" ] && fail "old AUTO log $first not cleaned up at start"
second=$(ls "$T/child" | grep -E '^auto-stdout---bbid-') || fail "no new AUTO log"
ok "AUTO logs of the last run are removed at start"
bb_stop

# ...unless nocleanup.
conf true
bb_start
bb_wait 10 auto_exits 3
[ -e "$T/child/$second" ] || fail "nocleanup=true removed $second"
[ "$(ls "$T/child" | grep -c '^auto-stdout---bbid-')" = 2 ] || fail "nocleanup: want 2 AUTO logs"
ok "nocleanup keeps them"
bb_stop

# supd's own log was rotated at 2KB, 3 backups.
[ -f "$T/supd.log.1" ] || fail "supd.log was not rotated"
[ "$(stat -c %s "$T/supd.log.1")" -lt 4096 ] || fail "supd.log.1 is over maxbytes + one message"
ok "supd's own log rotates by logfile_maxbytes"
