#!/usr/bin/env bash
# Child output reaches rotated log files whole: every line exactly once, in
# order, across many rotations -- one fast writer, stdout and stderr into one
# file, and 20 writers at once.
. "$(dirname "$0")/lib.sh"
bb_setup

# Backups oldest first, then the current file.
rotated() {
	local base=$1 i
	for i in $(seq 200 -1 1); do
		[ -f "$base.$i" ] && cat "$base.$i"
	done
	cat "$base"
}

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
pidfile=@T@/supd.pid

[program:seq]
command=seq 1 2000000
stdout_logfile=@T@/seq.log
stdout_logfile_maxbytes=1MB
stdout_logfile_backups=100
autorestart=false
startsecs=0

[program:both]
; whole lines per write(2) (stdio would cut lines at its buffer size)
command=awk 'BEGIN { ORS = ""; for (i = 1; i <= 1000000; i += 50) { o = ""; e = ""; for (j = i; j < i + 50; j++) { o = o "o" j "\n"; e = e "e" j "\n" } print o; fflush(); print e > "/dev/stderr"; fflush("/dev/stderr") } }'
redirect_stderr=true
stdout_logfile=@T@/both.log
stdout_logfile_maxbytes=1MB
stdout_logfile_backups=100
autorestart=false
startsecs=0

[program:many]
command=seq 1 200000
process_name=%(program_name)s_%(process_num)02d
numprocs=20
stdout_logfile=@T@/many_%(process_num)02d.log
stdout_logfile_maxbytes=100KB
stdout_logfile_backups=100
autorestart=false
startsecs=0
EOF
bb_start
bb_wait 60 grep -q "exited: seq (exit status 0" "$T/supd.log"
bb_wait 60 grep -q "exited: both (exit status 0" "$T/supd.log"
for n in $(seq -w 0 19); do
	bb_wait 60 grep -q "exited: many_$n (exit status 0" "$T/supd.log"
done

[ -f "$T/seq.log.10" ] || fail "seq.log was not rotated 10 times"
rotated "$T/seq.log" | cmp -s - <(seq 1 2000000) || fail "seq: lines lost, doubled or reordered"
for f in "$T"/seq.log.*; do
	sz=$(stat -c %s "$f")
	[ "$sz" -le $((1048576 + 262144)) ] || fail "$f is $sz bytes: more than maxbytes + one chunk"
done
ok "2,000,000 lines through 1MB x 100 rotation: each exactly once, in order"

rotated "$T/both.log" >"$T/both.all"
[ "$(wc -l <"$T/both.all")" -eq 2000000 ] || fail "both: $(wc -l <"$T/both.all") lines, want 2000000"
grep -v '^[oe][0-9]*$' "$T/both.all" | head -3 | grep -q . && fail "both: mangled lines: $(grep -v '^[oe][0-9]*$' "$T/both.all" | head -3)"
sed -n 's/^o//p' "$T/both.all" | cmp -s - <(seq 1 1000000) || fail "both: stdout lines lost or reordered"
sed -n 's/^e//p' "$T/both.all" | cmp -s - <(seq 1 1000000) || fail "both: stderr lines lost or reordered"
rm -f "$T/both.all"
ok "redirect_stderr with both streams writing: every line once, each stream in order"

seq 1 200000 >"$T/expect.many"
for n in $(seq -w 0 19); do
	[ -f "$T/many_$n.log.3" ] || fail "many_$n.log was not rotated"
	rotated "$T/many_$n.log" | cmp -s - "$T/expect.many" || fail "many_$n: lines lost or reordered"
done
ok "20 programs at once: every line once, in order"

bb_stop
expect_eq 0 "$SUPD_STATUS" "supd exit status"
