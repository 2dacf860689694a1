#!/usr/bin/env bash
# The journal: stdout_logfile=journal, stderr_logfile=journal and
# logfile=journal send structured entries through libsystemd's
# sd_journal_sendv, received here on a journal socket of the test's own
# (/run/systemd/journal/socket in a private mount namespace, so the
# machine's journal is not touched).  The receiver decodes the native
# protocol (KEY=VALUE lines; KEY\n<64-bit LE size>VALUE; a memfd passed
# with SCM_RIGHTS for a large entry) and writes one JSON object per entry.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v python3 >/dev/null || ! unshare -m true 2>/dev/null; then
	echo "SKIP: needs root, python3 and mount namespaces"
	exit 77
fi
bb_setup
printf '[supervisord]\nlogfile=journal\n[program:x]\ncommand=true\n' >"$T/probe.conf"
if "$SUPD" --check -c "$T/probe.conf" 2>&1 | grep -q 'built without libsystemd'; then
	echo "SKIP: supd was built without libsystemd (configure --with-libsystemd)"
	exit 77
fi

mkdir "$T/journal"
cat >"$T/collect.py" <<'EOS'
import array, json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
def parse(b):
    e, i = {}, 0
    while i < len(b):
        nl = b.index(b"\n", i)
        line = b[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:  # binary form: KEY\n, little-endian u64 size, value, \n
            k = line
            (n,) = struct.unpack("<Q", b[nl + 1:nl + 9])
            v = b[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        e[k.decode()] = v.decode("utf-8", "replace")
    return e
while True:
    fds = array.array("i")
    data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(4))
    for lvl, typ, d in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(d[:len(d) - len(d) % 4])
    for fd in fds:  # a large entry comes as a sealed memfd
        with os.fdopen(fd, "rb") as f:
            data = f.read()
    out.write(json.dumps(parse(data)) + "\n")
EOS
python3 "$T/collect.py" "$T/journal/socket" "$T/entries.json" &
BB_PIDS+=($!)
bb_wait 30 test -S "$T/journal/socket"
# /run is a tmpfs of the namespace's own, with the test's directory as
# /run/systemd/journal.
cat >"$T/ns.sh" <<'EOS'
set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/journal
mount --bind "$1/journal" /run/systemd/journal
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
logfile=journal
pidfile=@T@/supd.pid

[program:web]
command=sh -c 'echo hello-journal; echo "<4>warned"; echo err-line >&2; exec sleep 1000'
startsecs=0
stdout_logfile=journal
stderr_logfile=journal

[group:site]
programs=web
EOC
SUPD="$T/supd-ns" bb_start
# field: "KEY" "VALUE" in the entry whose MESSAGE is $1
has() {
	python3 - "$T/entries.json" "$@" <<'EOS'
import json, sys
f, msg = sys.argv[1], sys.argv[2]
want = dict(zip(sys.argv[3::2], sys.argv[4::2]))
for l in open(f):
    e = json.loads(l)
    if e.get("MESSAGE") == msg and all(e.get(k) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
EOS
}
bb_wait 10 has hello-journal SYSLOG_IDENTIFIER web PRIORITY 6 SUPD_PROGRAM web SUPD_GROUP site SUPD_STREAM stdout
PID=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("MESSAGE") == "hello-journal": print(e["SUPD_PID"])' "$T/entries.json")
[ -n "$PID" ] && [ -d "/proc/$PID" ] || fail "SUPD_PID '$PID' is not a live process"
grep -q "^/bin/sh\|^sh" <(tr '\0' ' ' <"/proc/$PID/cmdline") || grep -q sleep "/proc/$PID/cmdline" ||
	fail "SUPD_PID $PID is not the program"
ok "stdout_logfile=journal: identifier, PRIORITY=6 (info), program, group, stream and pid fields"
bb_wait 10 has warned PRIORITY 4 SUPD_STREAM stdout
ok "a <N> prefix sets the priority and is taken off"
bb_wait 10 has err-line PRIORITY 3 SUPD_STREAM stderr SUPD_PROGRAM web
ok "stderr_logfile=journal: PRIORITY=3 (err)"
bb_wait 10 grep -q '"SYSLOG_IDENTIFIER": "supd".*spawned: .web. with pid\|spawned: .web. with pid.*"SYSLOG_IDENTIFIER": "supd"' "$T/entries.json"
ok "logfile=journal: supd's own messages, with SYSLOG_IDENTIFIER=supd"
ls "$T"/*.log 2>/dev/null | grep -q . && fail "a log file was written: $(ls "$T")"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"

# The program's output without the journal: supd does not load libsystemd.
bb_conf <<'EOC'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[program:quiet]
command=sleep 1000
startsecs=0
EOC
bb_start
bb_wait_log 10 "success: quiet entered RUNNING"
grep -q libsystemd "/proc/$SUPD_PID/maps" && fail "libsystemd is mapped without a journal sink"
ok "without a journal sink, libsystemd is not loaded"
bb_stop
ldd "$SUPD" 2>/dev/null | grep -q libsystemd && fail "supd links libsystemd: $(ldd "$SUPD")"
ok "supd does not link libsystemd"
exit 0
