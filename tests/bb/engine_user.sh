#!/usr/bin/env bash
# [supervisord] user drops supd's privileges; a program's user= that a
# non-root supd cannot switch to is a named spawn error; user=root as root
# is no CRIT; as root without user=, a warning naming the programs that
# run as root, where supervisord says CRIT.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "SKIP: needs root and a 'nobody' user"
	exit 77
fi
bb_setup
chmod 777 "$T"

bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
user=nobody

[program:plain]
command=sleep 100
startsecs=0

[program:asroot]
command=sleep 100
startsecs=0
user=root
startretries=0
EOC
bb_start
bb_wait_log 5 "spawned: 'plain'"
grep -q "Set uid to user $(id -u nobody) succeeded" "$T/supd.log" || fail "no privilege drop logged"
expect_eq "$(id -u nobody)" "$(awk '/^Uid:/ {print $2}' "/proc/$SUPD_PID/status")" "supd's uid"
plain=$(bb_log_pid plain)
expect_eq "$(id -u nobody)" "$(awk '/^Uid:/ {print $2}' "/proc/$plain/status")" "the child's uid"
ok "supd runs as the [supervisord] user, and so do its children"

bb_wait_log 5 "gave up: asroot entered FATAL"
grep -q "spawnerr: couldn't setuid to root: Can't drop privilege as nonroot user" "$T/supd.log" ||
	fail "no clear error for user=root under a non-root supd"
ok "user= a non-root supd cannot take is a named spawn error"

bb_stop 10
expect_eq 0 "$SUPD_STATUS" "supd exit status"

# user=root as root says that root is meant: supervisord then logs the
# (empty) switch and no CRIT about privileges kept, and so does supd.
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd2.log
childlogdir=@T@
user=root

[program:plain]
command=sleep 100
startsecs=0
EOC
bb_start
bb_wait 10 grep -q "spawned: 'plain'" "$T/supd2.log"
grep -q "Set uid to user 0 succeeded" "$T/supd2.log" || fail "user=root: no 'Set uid' line"
! grep -q "CRIT" "$T/supd2.log" || fail "user=root as root: $(grep CRIT "$T/supd2.log")"
ok "user=root as root: no CRIT"
bb_stop 10
expect_eq 0 "$SUPD_STATUS" "supd exit status"

# As root without user=: no CRIT (supervisord's), a warning naming the
# programs that will run as root; none when every program sets user=.
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd3.log
childlogdir=@T@

[program:dropped]
command=sleep 100
startsecs=0
user=nobody

[program:rooted]
command=sleep 100
startsecs=0
EOC
bb_start
bb_wait 10 grep -q "spawned: 'rooted'" "$T/supd3.log"
! grep -q "CRIT" "$T/supd3.log" || fail "root without user=: $(grep CRIT "$T/supd3.log")"
grep -q "WARN supd is running as root, and so will rooted (no user= in the config)" "$T/supd3.log" ||
	fail "no warning naming rooted: $(head -3 "$T/supd3.log")"
ok "root without user=: a warning naming the programs that run as root, no CRIT"
bb_stop 10
sed -i '/^\[program:rooted\]/,$d' "$T/supd.conf"
sed -i 's/supd3.log/supd4.log/' "$T/supd.conf"
bb_start
bb_wait 10 grep -q "spawned: 'dropped'" "$T/supd4.log"
! grep -q "running as root" "$T/supd4.log" || fail "warned with every program under user=: $(cat "$T/supd4.log")"
ok "every program sets user=: no warning"
bb_stop 10
expect_eq 0 "$SUPD_STATUS" "supd exit status"
