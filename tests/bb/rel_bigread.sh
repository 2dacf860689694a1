#!/usr/bin/env bash
# Large log reads are streamed: 8 XML-RPC readers and 8 /v1 readers of a
# 20 MB log (200 MB with SOAK=1) that never read their answer leave supd's
# RSS within a few MB of idle; a reader that does read gets every byte,
# XML-escaped (&, <, >, bytes that are not UTF-8) exactly as xmlrpclib
# would.  Also: hostile offsets and lengths are BAD_ARGUMENTS (/v1: 400,
# XML-RPC: fault 3), not 200.
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 77
fi
bb_setup

MB=20
[ "${SOAK:-0}" = 1 ] && MB=200
SLACK_KB=$((6 * 1024))

bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid

[unix_http_server]
file=@T@/supd.sock

[program:big]
command=sleep 1000
startsecs=0
stdout_logfile=@T@/big.log
stdout_logfile_maxbytes=0
stderr_logfile=NONE
EOF2

# The log: lines with markup, multi-byte characters that fall across read
# boundaries, and a few bytes that are not UTF-8.
python3 - "$T/big.log" "$MB" <<'PYEOF'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
block = bytearray()
i = 0
while len(block) < 1 << 20:
    block += b"line %d <tag> & \xc3\xa9t\xc3\xa9 \xe2\x82\xac%s\n" % (i, b"x" * (i % 37))
    if i % 1000 == 7:
        block += b"bad \xff \x80 byte\n"
    i += 1
with open(path, "wb") as f:
    for _ in range(mb):
        f.write(block)
PYEOF

cat >"$T/readers.py" <<'PYEOF'
# readers.py SOCK N: opens N XML-RPC and N /v1 log reads that never read
# their answer, prints "ready" once supd began answering each, then holds
# them until stdin closes.
import socket, sys, select, time
sock, n = sys.argv[1], int(sys.argv[2])
body = (b"<?xml version='1.0'?><methodCall><methodName>supervisor.readProcessStdoutLog"
        b"</methodName><params><param><value><string>big</string></value></param>"
        b"<param><value><int>0</int></value></param><param><value><int>0</int></value>"
        b"</param></params></methodCall>")
reqs = [b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
        % len(body) + body] * n
reqs += [b"GET /v1/processes/big/log?offset=0&length=0 HTTP/1.1\r\nHost: x\r\n\r\n"] * n
socks = []
for r in reqs:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(sock)
    s.sendall(r)
    socks.append(s)
deadline = time.time() + 60
for s in socks:
    r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
    if not r or not s.recv(1, socket.MSG_PEEK):
        print("no answer", flush=True)
        sys.exit(1)
print("ready", flush=True)
sys.stdin.read()
PYEOF

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SUPD_PID/status"
}

bb_start
bb_wait 10 test -S "$T/supd.sock"
bb_wait 10 grep -q "success: big entered RUNNING" "$T/supd.log"

# What a full read must give, for the checks below.
python3 - "$T/supd.sock" "$T/big.log" <<'PYEOF' || fail "a full read differs from the file"
import http.client, socket, sys, xmlrpc.client
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
class Transport(xmlrpc.client.Transport):
    def make_connection(self, host):
        return Conn("localhost")
raw = open(sys.argv[2], "rb").read()
# supd sends U+FFFD per byte that is not UTF-8 (doc/xmlrpc.md)
import codecs
codecs.register_error("perbyte", lambda e: ("\ufffd" * (e.end - e.start), e.end))
want = raw[1000:].decode("utf-8", "replace")
p = xmlrpc.client.ServerProxy("http://localhost", transport=Transport())
got = p.supervisor.readProcessStdoutLog("big", 1000, 0)
assert got == want, ("xml-rpc", len(got), len(want))
got = p.supervisor.readProcessStdoutLog("big", 5, 100)
assert got == raw[5:105].decode("utf-8", "replace"), "xml-rpc range"
got = p.supervisor.tailProcessStdoutLog("big", 0, 3000)
assert got[0] == raw[-3000:].decode("utf-8", "replace") and got[1] == len(raw) and got[2], "tail"
# in a multicall too; more than 64 log reads in one call are refused
# (each holds an open file until the answer is sent)
# (supervisord's multicall answers values unwrapped, so no MultiCall here)
res = p.system.multicall([{"methodName": "supervisor.readProcessStdoutLog",
                           "params": ["big", i, 10]} for i in range(70)])
for i in range(64):
    assert res[i] == raw[i:i + 10].decode("utf-8", "perbyte"), ("multicall", i)
for f in res[64:]:
    assert f["faultCode"] == 30 and "64 log reads" in f["faultString"], f
c = Conn("localhost")
c.request("GET", "/v1/processes/big/log?offset=7&length=0")
r = c.getresponse()
assert r.status == 200 and r.read() == raw[7:], "/v1 read"
c.request("GET", "/v1/processes/big/log?tail=100")
r = c.getresponse()
assert r.status == 200 and r.read() == raw[-100:], "/v1 tail"
c.request("HEAD", "/v1/processes/big/log?offset=0&length=0")
r = c.getresponse()
assert r.status == 200 and r.read() == b"", "/v1 HEAD"
c.request("GET", "/v1/log?offset=0&length=0")
r = c.getresponse()
assert r.status == 200 and b"supervisord started" in r.read(), "/v1/log"
PYEOF
ok "a full read gets every byte, escaped as xmlrpclib would"

# hostile ranges are refused, not answered 200
for q in 'offset=9223372036854775807&length=-1' 'offset=-5&length=3' 'offset=1&length=-1' \
	'offset=99999999999999999999' 'offset=%205' 'tail=-1' 'tail=5&offset=1' 'length=1x'; do
	code=$(python3 - "$T/supd.sock" "$q" <<'PYEOF'
import http.client, socket, sys
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
c = Conn("localhost")
c.request("GET", "/v1/processes/big/log?" + sys.argv[2])
r = c.getresponse()
print(r.status, r.read().decode())
PYEOF
)
	case "$code" in
	"400 "*BAD_ARGUMENTS*) ;;
	*) fail "?$q: want 400 BAD_ARGUMENTS, got: $code" ;;
	esac
done
python3 - "$T/supd.sock" <<'PYEOF' || fail "XML-RPC: hostile ranges"
import http.client, socket, sys, xmlrpc.client
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
class Transport(xmlrpc.client.Transport):
    def make_connection(self, host):
        return Conn("localhost")
p = xmlrpc.client.ServerProxy("http://localhost", transport=Transport())
for off, ln in ((2**31 - 1, -1), (-5, 3), (0, -1)):
    for call in (lambda: p.supervisor.readProcessStdoutLog("big", off, ln),
                 lambda: p.supervisor.readLog(off, ln)):
        try:
            call()
        except xmlrpc.client.Fault as f:
            assert f.faultCode == 3, (off, ln, f)
        else:
            raise AssertionError("no fault for %d, %d" % (off, ln))
PYEOF
ok "hostile offsets and lengths are BAD_ARGUMENTS"

idle=$(rss_kb)
coproc READERS { exec python3 "$T/readers.py" "$T/supd.sock" 8; }
BB_PIDS+=("$READERS_PID")
read -r -t 90 line <&"${READERS[0]}" || line=timeout
expect_eq ready "$line" "16 readers got the start of their answer"
busy=$(rss_kb)
echo "supd RSS: idle ${idle} kB, with 8 XML-RPC + 8 /v1 readers of ${MB} MB: ${busy} kB"
[ "$busy" -le $((idle + SLACK_KB)) ] ||
	fail "RSS grew from ${idle} kB to ${busy} kB with 16 stalled readers of a ${MB} MB log"
ok "16 stalled readers of a ${MB} MB log cost supd $((busy - idle)) kB"

# supd still answers, and the readers leaving frees everything
eval "exec ${READERS[1]}>&-"
wait "$READERS_PID" 2>/dev/null || true
bb_wait 10 test -S "$T/supd.sock"
bb_stop
expect_eq 0 "$SUPD_STATUS" "supd's exit status"
ok "supd stops cleanly"
