#!/usr/bin/env bash
# syslog: supd's own log with logfile=syslog, and programs' lines with
# stdout_syslog=true and the deprecated stderr_logfile=syslog, received on
# a /dev/log of the test's own (a private mount namespace, so the machine's
# syslog is not touched).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v python3 >/dev/null || ! unshare -m true 2>/dev/null; then
	echo "SKIP: needs root, python3 and mount namespaces"
	exit 77
fi
bb_setup

# /dev for supd: the usual devices, and log, the test's datagram socket.
mkdir "$T/dev"
cat >"$T/collect.py" <<'EOS'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(65536).rstrip(b"\n") + b"\n")
EOS
python3 "$T/collect.py" "$T/dev/log" "$T/syslog.txt" &
BB_PIDS+=($!)
bb_wait 30 test -S "$T/dev/log"
cat >"$T/ns.sh" <<'EOS'
set -e
for n in null zero full random urandom tty; do
	if [ -e "/dev/$n" ]; then
		touch "$1/dev/$n"
		mount --bind "/dev/$n" "$1/dev/$n"
	fi
done
mount --bind "$1/dev" /dev
shift
exec "$@"
EOS
cat >"$T/supd-ns" <<EOS
#!/bin/sh
exec unshare -m --propagation private sh "$T/ns.sh" "$T" "$SUPD" "\$@"
EOS
chmod +x "$T/supd-ns"

bb_conf <<'EOC'
[supervisord]
logfile=syslog
pidfile=@T@/supd.pid

[program:talker]
command=sh -c 'echo hello-syslog; echo err-line >&2; exec sleep 1000'
startsecs=0
stdout_logfile=NONE
stdout_syslog=true
stderr_logfile=syslog
EOC
SUPD="$T/supd-ns" bb_start
# facility daemon (3): INFO is <30>, an error <27>
bb_wait 10 grep -q "supd\[$SUPD_PID\]: INFO spawned: 'talker' with pid" "$T/syslog.txt"
ok "logfile=syslog: supd's own messages, at daemon.info, with its pid"
bb_wait 10 grep -q '^<30>.*: talker hello-syslog$' "$T/syslog.txt"
bb_wait 10 grep -q '^<27>.*: talker err-line$' "$T/syslog.txt"
ok "stdout_syslog and stderr_logfile=syslog: one message per line, stdout at info, stderr at err"
grep -q 'INFO success: talker entered RUNNING' "$T/syslog.txt" || fail "no RUNNING message: $(cat "$T/syslog.txt")"
[ -e "$T/supervisord.log" ] && fail "a log file was written"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
grep -q 'INFO supd stopped\|INFO exiting\|stopped: talker' "$T/syslog.txt" || fail "no shutdown message: $(tail -3 "$T/syslog.txt")"
ok "the shutdown is logged there too"
