#!/usr/bin/env bash
# Container mode (forward_output): five programs writing lines at once;
# every line arrives on supd's stdout whole, with its program's prefix, in
# order, while each program's own rotated file keeps the raw bytes.  A
# partial line is not held forever.
. "$(dirname "$0")/lib.sh"
bb_setup

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

[program:p]
; stdio cuts lines at its buffer size: supd must join them again
command=awk 'BEGIN { for (i = 1; i <= 200000; i++) print "p%(process_num)d-" i }'
process_name=p%(process_num)d
numprocs=5
numprocs_start=1
forward_output=true
stdout_logfile=@T@/p%(process_num)d.log
stdout_logfile_maxbytes=200KB
stdout_logfile_backups=50
autorestart=false
startsecs=0

[program:tick]
command=sh -c 'printf "no newline yet"; exec sleep 60'
forward_output=true
stdout_logfile=NONE
startsecs=0
EOF
bb_start
for n in 1 2 3 4 5; do
	bb_wait 60 grep -q "exited: p$n (exit status 0" "$T/supd.log"
done

awk '
# A line is written whole unless its program paused mid-line for longer
# than the hold time (200 ms; it happens on a loaded machine): then its head
# comes as "pN | head" and the rest as "pN + rest".  Join the pieces, then
# check each line.
function check(name, text) {
	if (text !~ /^p[1-5]-[0-9]+$/) {
		print "mangled line: " name " | " substr(text, 1, 80)
		bad = 1
		exit
	}
	if (substr(text, 1, 2) != name) {
		print "wrong prefix: " name " | " text
		bad = 1
		exit
	}
	n = substr(text, 4) + 0
	if (n != last[name] + 1) {
		print "out of order: " name " | " text " after " last[name]
		bad = 1
		exit
	}
	last[name] = n
}
{
	if ($0 ~ /^tick [|+] /)
		next
	name = substr($0, 1, 2)
	if ($0 ~ /^p[1-5] \+ /) {
		if (!(name in held)) {
			print "continuation without a head: " substr($0, 1, 80)
			bad = 1
			exit
		}
		held[name] = held[name] substr($0, 6)
		split_lines++
		next
	}
	if ($0 !~ /^p[1-5] \| /) {
		print "mangled line: " substr($0, 1, 80)
		bad = 1
		exit
	}
	if (name in held)
		check(name, held[name])
	held[name] = substr($0, 6)
}
END {
	if (bad)
		exit 1
	for (k in held)
		check(k, held[k])
	if (bad)
		exit 1
	for (k in last) {
		c++
		if (last[k] != 200000) {
			print k " ended at " last[k]
			exit 1
		}
	}
	if (c != 5) {
		print c " programs seen"
		exit 1
	}
	if (split_lines)
		print split_lines " lines came in pieces (writer paused past the hold time)"
}' "$T/supd.stdout" >"$T/check.out" || fail "supd's stdout: $(cat "$T/check.out")"
ok "5 programs x 200,000 lines on supd's stdout: whole, prefixed, in order"

for n in 1 2 3 4 5; do
	[ -f "$T/p$n.log.2" ] || fail "p$n.log was not rotated"
	rotated "$T/p$n.log" | cmp -s - <(seq 1 200000 | sed "s/^/p$n-/") ||
		fail "p$n.log: raw bytes lost or reordered"
done
ok "each program's rotated file holds its raw output"

bb_wait 5 grep -qx 'tick | no newline yet' "$T/supd.stdout"
ok "a partial line is forwarded after a short wait"

bb_stop
