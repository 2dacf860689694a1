#!/usr/bin/env bash
# systemd integration without libsystemd, under a miniature service manager
# (tests/bb/sdemu): READY=1 once the autostart programs are started,
# STOPPING=1 at shutdown, the control socket taken from socket activation
# (used, not replaced, not unlinked), and no LISTEN_* variable leaking to
# the programs.
. "$(dirname "$0")/lib.sh"
grep -q '^#define HAVE_SYSTEMD 1' "${TOP_BUILDDIR:-.}/config.h" 2>/dev/null || {
	echo "skip: built --without-systemd"
	exit 77
}
SDEMU=${SDEMU:-${TOP_BUILDDIR:-.}/tests/bb/sdemu}
bb_setup

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:early]
command=sh -c 'env > @T@/env; exec sleep 100'
priority=1
startsecs=0

[program:late]
command=sleep 100
priority=2
startsecs=0
EOC

"$SDEMU" "$T/notify" "$T/notes" "$T/supd.sock" -- "$SUPD" -n -c "$T/supd.conf" \
	>"$T/sdemu.out" 2>"$T/supd.stderr" &
EMU=$!
BB_PIDS+=("$EMU")
bb_wait 5 test -s "$T/sdemu.out"
SUPD_PID=$(cat "$T/sdemu.out")
BB_PIDS+=("$SUPD_PID")
ino=$(stat -c %i "$T/supd.sock")

bb_wait 10 grep -qx READY=1 "$T/notes"
grep -q "spawned: 'late'" "$T/supd.log" || fail "READY=1 came before the last autostart program was spawned"
ok "READY=1 after the autostart programs were started"

out=$("$SUPCTL" -c "$T/supd.conf" status) || fail "supctl status over the activated socket: $out"
echo "$out" | grep -q '^early  *RUNNING' || fail "status: $out"
expect_eq "$ino" "$(stat -c %i "$T/supd.sock")" "the socket's inode (supd must use the passed socket)"
ok "the control socket came from socket activation"

bb_wait 5 test -s "$T/env"
grep -q '^LISTEN_' "$T/env" && fail "a program inherited $(grep '^LISTEN_' "$T/env" | head -1)"
ok "no LISTEN_* variable reaches the programs"

kill -TERM "$SUPD_PID"
bb_wait 20 bb_not_alive "$EMU"
wait "$EMU"
expect_eq 0 "$?" "supd's exit status"
grep -qx STOPPING=1 "$T/notes" || fail "no STOPPING=1: $(cat "$T/notes")"
expect_eq "READY=1 STOPPING=1" "$(grep -Ex 'READY=1|STOPPING=1' "$T/notes" | tr '\n' ' ' | sed 's/ $//')" "notifications in order"
[ -S "$T/supd.sock" ] || fail "supd unlinked the socket systemd owns"
ok "STOPPING=1 at shutdown; the activated socket is left to its owner"
