#!/usr/bin/env bash
# supd's own log in supervisord's words where tooling waits for them
# (doc/compat.md, "supd's log"), and valid UTF-8 whatever a child writes:
# at loglevel=debug each chunk of output is logged as supervisord logs it,
# as text when it is UTF-8, else as `Undecodable: ` and Python's repr of
# the bytes; an event listener's undecodable result line likewise.
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 77
fi
bb_setup

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
loglevel=debug
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[program:bin]
command=sh -c 'printf "\210\nok\n"; exec sleep 1000'
startsecs=0

[program:quote]
command=sh -c 'printf "it'"'"'s \377\\\\ end\t\r\n"; exec sleep 1000'
startsecs=0

[program:text]
command=sh -c 'printf "h\303\251llo\n"; exec sleep 1000'
startsecs=0

[program:quick]
command=sh -c 'exit 0'
startsecs=0
autorestart=false

[eventlistener:lis]
command=sh -c 'printf "READY\n"; read -r hdr; printf "RESULT \377x\n"; exec sleep 1000'
events=PROCESS_STATE
EOF
bb_start
bb_wait_log 10 "supervisord started with pid $SUPD_PID\$"
ok "start-up line: supervisord started with pid N"
bb_wait_log 10 "INFO RPC interface 'supervisor' initialized\$"
bb_wait_log 10 "DEBG received SIGCHLD indicating a child quit\$"
bb_wait_log 10 "lis: bad result line: "
# Each program wrote its line in one write(2): one chunk each.
after() { grep -A1 -F "DEBG '$1' stdout output:" "$T/supd.log" | tail -n 1; }
has_after() { [ -n "$(after "$1")" ]; }
bb_wait 10 has_after bin
bb_wait 10 has_after quote
bb_wait 10 has_after text
expect_eq "Undecodable: b'\\x88\\nok\\n'" "$(after bin)" "bin's chunk"
expect_eq "Undecodable: b\"it's \\xff\\\\ end\\t\\r\\n\"" "$(after quote)" "quote's chunk"
expect_eq "héllo" "$(after text)" "text's chunk"
ok "child output at debug: text as is, undecodable bytes as Python's repr"
grep -qF "lis: bad result line: b'RESULT \\xffx'" "$T/supd.log" ||
	fail "the listener's result line: $(grep 'bad result' "$T/supd.log")"
ok "a listener's undecodable result line"

ctl stop text >/dev/null
bb_wait_log 10 "INFO waiting for text to stop\$"
ok "waiting for X to stop"

bb_stop
python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' "$T/supd.log" ||
	fail "supd's log is not valid UTF-8"
ok "supd's log is valid UTF-8"
