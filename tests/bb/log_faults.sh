#!/usr/bin/env bash
# Child logs under faults: USR2 after an external rename, a deleted log
# directory, binary output, one endless line, a non-seekable target with
# maxbytes, and a file that cannot grow (RLIMIT_FSIZE standing in for a
# full disk: EFBIG instead of ENOSPC, the same path in supd).
. "$(dirname "$0")/lib.sh"
bb_setup

lines_ok() { # file: "line1".."lineN" with N >= 1, nothing else
	local n
	n=$(wc -l <"$1")
	[ "$n" -ge 1 ] && seq 1 "$n" | sed 's/^/line/' | cmp -s - "$1"
}
has_lines() { # file min
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

head -c 3000000 /dev/urandom >"$T/bin.src"

bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
pidfile=@T@/supd.pid

[program:ticker]
command=sh -c 'i=0; while [ ! -e @T@/stop ]; do i=$((i+1)); echo line$i; sleep 0.01; done'
stdout_logfile=@T@/r.log
autorestart=false
startsecs=0

[program:deldir]
command=sh -c 'i=0; while [ ! -e @T@/stop ]; do i=$((i+1)); echo line$i; sleep 0.01; done'
stdout_logfile=@T@/logs/sub/d.log
autorestart=false
startsecs=0

[program:bin]
command=cat @T@/bin.src
stdout_logfile=@T@/bin.log
stdout_logfile_maxbytes=0
autorestart=false
startsecs=0

[program:nonl]
command=sh -c 'head -c 2000000 /dev/zero | tr "\000" x'
stdout_logfile=@T@/nonl.log
forward_output=true
autorestart=false
startsecs=0

[program:std]
command=seq 1 1000
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=1MB
autorestart=false
startsecs=0
EOF
# supd's stdout a pipe, as under docker: /dev/stdout is not seekable.
"$SUPD" -n -c "$T/supd.conf" > >(cat >"$T/supd.stdout") 2>"$T/supd.stderr" &
SUPD_PID=$!
BB_PIDS+=("$SUPD_PID")

# USR2 after an external rename: the old file keeps what came before, the
# new one what came after; nothing lost or doubled.
bb_wait 10 has_lines "$T/r.log" 5
mv "$T/r.log" "$T/r.moved"
kill -USR2 "$SUPD_PID"
bb_wait 10 has_lines "$T/r.log" 5
bb_wait 10 has_lines "$T/logs/sub/d.log" 5
rm -rf "$T/logs"
bb_wait 10 has_lines "$T/logs/sub/d.log" 3
touch "$T/stop"
bb_wait 10 grep -q "exited: ticker (exit status 0" "$T/supd.log"
bb_wait 10 grep -q "exited: deldir (exit status 0" "$T/supd.log"
cat "$T/r.moved" "$T/r.log" >"$T/r.all"
lines_ok "$T/r.all" || fail "ticker: lines lost or doubled across USR2 ($(wc -l <"$T/r.moved") + $(wc -l <"$T/r.log"))"
ok "USR2 after an external rename: old file, then new file, every line once"
head -n 1 "$T/logs/sub/d.log" | grep -qx 'line[0-9]*' || fail "deldir: recreated file starts mid-line"
ok "a deleted log directory is recreated"

bb_wait 20 grep -q "exited: bin (exit status 0" "$T/supd.log"
cmp -s "$T/bin.src" "$T/bin.log" || fail "binary output differs"
ok "3 MB of binary output, byte for byte"

bb_wait 20 grep -q "exited: nonl (exit status 0" "$T/supd.log"
[ "$(tr -d x <"$T/nonl.log" | wc -c)" -eq 0 ] && [ "$(wc -c <"$T/nonl.log")" -eq 2000000 ] ||
	fail "nonl.log: not 2,000,000 x"
bb_wait 20 grep -q "exited: std (exit status 0" "$T/supd.log"
grep -E '^[0-9]+$' "$T/supd.stdout" | cmp -s - <(seq 1 1000) || fail "std: /dev/stdout output differs"
bb_wait 5 grep -q "'std' stdout log /dev/stdout is not a regular file: not rotating it" "$T/supd.log"
ok "/dev/stdout as a pipe with maxbytes: written, not rotated, said once"
bb_stop
x=$(sed -n 's/^nonl [|+] //p' "$T/supd.stdout" | tr -d '\n' | wc -c)
expect_eq 2000000 "$x" "forwarded bytes of the endless line"
sed -n 's/^nonl [|+] //p' "$T/supd.stdout" | awk 'length($0) > 16384 { exit 1 }' ||
	fail "a forwarded piece is over 16 KiB"
ok "one endless 2 MB line: in the file, and forwarded in bounded pieces"

# A file that cannot grow past 1,024,000 bytes.
if ! command -v prlimit >/dev/null; then
	echo "prlimit missing: skipping the write-error part"
	exit 0
fi
mv "$T/supd.log" "$T/supd.log.first"
rm -f "$T/stop"
bb_conf <<'EOF'
[supervisord]
logfile=@T@/supd.log
childlogdir=@T@
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[program:fill]
command=sh -c 'while [ ! -e @T@/begin ]; do sleep 0.02; done; seq 1 300000; touch @T@/seqdone; while [ ! -e @T@/go ]; do sleep 0.02; done; echo after; exec sleep 60'
stdout_logfile=@T@/fill.log
stdout_logfile_maxbytes=0
startsecs=0
EOF
(
	trap '' XFSZ
	ulimit -S -f 1000
	exec "$SUPD" -n -c "$T/supd.conf" >"$T/supd.stdout" 2>"$T/supd.stderr"
) &
SUPD_PID=$!
BB_PIDS+=("$SUPD_PID")
# the event stream tells it too (if curl is there to listen)
if command -v curl >/dev/null; then
	bb_wait 10 test -S "$T/supd.sock"
	timeout 60 curl -sN --unix-socket "$T/supd.sock" http://localhost/v1/events >"$T/events" 2>&1 &
	BB_PIDS+=($!)
	timeout 60 "$SUPCTL" -c "$T/supd.conf" events >"$T/ctl_events" 2>&1 &
	BB_PIDS+=($!)
	bb_wait 10 grep -q ': supd events' "$T/events"
	evclients() {
		[ "$(timeout 10 curl -s --unix-socket "$T/supd.sock" http://localhost/metrics |
			sed -n 's/^supd_event_stream_clients //p')" = 2 ]
	}
	bb_wait 10 evclients
fi
touch "$T/begin"
bb_wait 10 grep -q "dropping output" "$T/supd.log"
# The child finished writing 2 MB through a 1 MB file: supd kept draining.
bb_wait 20 test -e "$T/seqdone"
kill -0 "$SUPD_PID" || fail "supd died"
prlimit --pid "$SUPD_PID" --fsize=unlimited || fail "prlimit failed"
touch "$T/go"
lost=$(($(seq 1 300000 | wc -c) - 1024000))
bb_wait 10 grep -q "writing works again, $lost bytes were dropped" "$T/supd.log"
[ "$(grep -c "dropping output" "$T/supd.log")" -eq 1 ] || fail "dropping logged more than once"
{ seq 1 300000 | head -c 1024000; echo after; } | cmp -s - "$T/fill.log" ||
	fail "fill.log: not the first 1,024,000 bytes and then 'after'"
ok "a full file: pipe drained, loss logged once, then the recovery with the count"
if command -v curl >/dev/null; then
	bb_wait 10 grep -q '"action":"resumed"' "$T/events"
	grep -q '^data: {"seq":[0-9]*,"time":[0-9.]*,"type":"log","action":"dropping","stream":"stdout","path":"[^"]*/fill.log","error":"File too large","process":{.*"name":"fill"' "$T/events" ||
		fail "no dropping event: $(cat "$T/events")"
	grep -q "\"type\":\"log\",\"action\":\"resumed\",\"stream\":\"stdout\",\"path\":\"[^\"]*/fill.log\",\"dropped_bytes\":$lost," "$T/events" ||
		fail "no resumed event with $lost bytes: $(cat "$T/events")"
	bb_wait 10 grep -q "log fill stdout resumed ($lost bytes dropped)\$" "$T/ctl_events"
	grep -q "log fill stdout dropping (.*/fill.log: File too large)\$" "$T/ctl_events" ||
		fail "supctl events: $(cat "$T/ctl_events")"
	ok "the event stream says when a log drops output and when it resumes, with the count"
fi
bb_stop
