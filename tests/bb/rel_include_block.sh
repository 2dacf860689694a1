#!/usr/bin/env bash
# A config load never waits on what it reads besides the main file.  An
# [include] glob that matches a FIFO, a device or a socket, or an env_file=
# that names one, is an error that names the file, at --check, at start and
# at a reread, and supd keeps answering.  Before, opening a FIFO waited for
# a writer forever: a reread hung supd's loop.  (A file that grows while it
# is read is read as far as it was long when opened: check_buf.)
. "$(dirname "$0")/lib.sh"
bb_setup

mkfifo "$T/inc.fifo" "$T/env.fifo"
bb_conf_std "$T/good.conf"
printf '\n[program:keep]\ncommand=sleep 1000\nstartsecs=0\n' >>"$T/good.conf"
cp "$T/good.conf" "$T/supd.conf"
printf '[include]\nfiles = %s/*.fifo /dev/zero\n' "$T" >>"$T/supd.conf"
cp "$T/supd.conf" "$T/inc.conf"

timeout 20 "$SUPD" --check -c "$T/inc.conf" >/dev/null 2>"$T/check.err"
expect_eq 2 "$?" "supd --check with an [include] of FIFOs"
for f in "$T/env.fifo" "$T/inc.fifo" /dev/zero; do
	grep -q "inc.conf:[0-9]*: included file $f is not a regular file" "$T/check.err" ||
		fail "--check does not name $f: $(cat "$T/check.err")"
done
ok "--check: an included FIFO or device is an error naming it, at once"

cp "$T/good.conf" "$T/supd.conf"
printf '[program:env]\ncommand=sleep 1000\nenv_file=%s/env.fifo\n' "$T" >>"$T/supd.conf"
timeout 20 "$SUPD" --check -c "$T/supd.conf" >/dev/null 2>"$T/check.err"
expect_eq 2 "$?" "supd --check with an env_file= FIFO"
grep -q "supd.conf:[0-9]*: env_file: $T/env.fifo: not a regular file" "$T/check.err" ||
	fail "--check: $(cat "$T/check.err")"
timeout 20 "$SUPD" -n -c "$T/supd.conf" >/dev/null 2>"$T/start.err"
expect_eq 2 "$?" "supd started with an env_file= FIFO"
grep -q "env.fifo: not a regular file" "$T/start.err" || fail "start: $(cat "$T/start.err")"
ok "an env_file= FIFO is an error at --check and at start"

cp "$T/good.conf" "$T/supd.conf"
bb_start
bb_wait 10 grep -q "success: keep entered RUNNING" "$T/supd.log"
keep=$(bb_log_pid keep)

cp "$T/inc.conf" "$T/supd.conf"
set +e
out=$(ctl reread 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "reread with an [include] of FIFOs succeeded: $out"
[ "$rc" -ne 124 ] || fail "reread hung"
echo "$out" | grep -q "inc.fifo is not a regular file" || fail "reread: $out"
run status keep
echo "$OUT" | grep -q "RUNNING.*pid $keep," || fail "after the reread: $OUT"
ok "reread: the error is the answer, supd keeps serving, keep untouched"

kill -HUP "$SUPD_PID"
bb_wait_log 10 "inc.fifo is not a regular file"
run status keep
echo "$OUT" | grep -q "RUNNING.*pid $keep," || fail "after HUP: $OUT"
ok "SIGHUP: the same, logged"

bb_stop
