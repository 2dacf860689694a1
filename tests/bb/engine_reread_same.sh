#!/usr/bin/env bash
# update's reread right after a reread takes that reread's model when
# nothing it was read from changed (#18: one parse of a 10,000-program
# config instead of two), and only then: an edit between the two commands
# (same length, same mtime), a new file an [include] glob matches, and a
# changed env_file= are all seen by update.
. "$(dirname "$0")/lib.sh"
bb_setup

mkdir -p "$T/conf.d"
printf 'X=1\n' >"$T/a.env"
bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
loglevel=debug

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:a]
command=sleep 1000
startsecs=0
EOF
bb_start
bb_wait 20 grep -q "success: a entered RUNNING" "$T/supd.log"

args_of() { ps -o args= -p "$(bb_log_pid "$1")"; }
running_cmd() { [ "$(args_of "$1")" = "$2" ]; }

# 1. unchanged: update's reread keeps the reread's model
expect_run 0 "No config updates to processes" reread
expect_run 0 "No config updates to processes" reread
bb_wait 10 grep -q "reread: $T/supd.conf unchanged since the last reread" "$T/supd.log"
ok "a second reread of an unchanged config keeps the first one's model"

# 2. changed, then reread and update: the change is applied
sed -i 's/^command=sleep 1000$/command=sleep 1001/' "$T/supd.conf"
expect_run 0 "a: changed" reread
expect_run 0 "a: stopped
a: updated process group" update
bb_wait 20 running_cmd a "sleep 1001"
ok "update after reread applies the change"

# 3. an edit after the reread (same length, mtime put back): update sees it
sed -i 's/^command=sleep 1001$/command=sleep 1002/' "$T/supd.conf"
expect_run 0 "a: changed" reread
cp -p "$T/supd.conf" "$T/stamp"
sed -i 's/^command=sleep 1002$/command=sleep 1003/' "$T/supd.conf"
touch -r "$T/stamp" "$T/supd.conf"
expect_run 0 "a: stopped
a: updated process group" update
bb_wait 20 running_cmd a "sleep 1003"
ok "an edit between reread and update is applied, whatever the file's mtime"

# With an [include] and an env_file=, the load reads other files: a
# reread never takes the last one's model.
printf '\n[include]\nfiles=conf.d/*.conf\n' >>"$T/supd.conf"
sed -i 's|^startsecs=0$|startsecs=0\nenv_file='"$T"'/a.env|' "$T/supd.conf"
expect_run 0 "a: changed" reread
expect_run 0 "a: stopped
a: updated process group" update
bb_wait 20 grep -q "X=1" "/proc/$(bb_log_pid a)/environ"
kept=$(grep -c "unchanged since the last reread" "$T/supd.log")

# 4. a file an [include] glob matches, added after the reread
expect_run 0 "No config updates to processes" reread
printf '[program:b]\ncommand=sleep 1004\nstartsecs=0\n' >"$T/conf.d/b.conf"
expect_run 0 "b: added process group" update
bb_wait 20 running_cmd b "sleep 1004"
ok "a newly included file is seen by update"

# 5. env_file= changed after the reread
expect_run 0 "No config updates to processes" reread
old=$(bb_log_pid a)
printf 'X=2\n' >"$T/a.env"
expect_run 0 "a: stopped
a: updated process group" update
bb_wait 20 grep -q "X=2" "/proc/$(bb_log_pid a)/environ"
[ "$(bb_log_pid a)" != "$old" ] || fail "a was not restarted"
ok "a changed env_file is seen by update"
expect_eq "$kept" "$(grep -c "unchanged since the last reread" "$T/supd.log")" \
	"rereads that kept the model, with [include] and env_file="

bb_stop
