#!/usr/bin/env python3
"""A slowloris client for tests/bb/rel_slowloris.sh: holds connections
to a TCP server, each sending a request head one byte at a time, and
opens a new one (after --reconnect seconds) when the server closes one.

  slowloris.py HOST PORT --source ADDR:COUNT... [--interval S]
               [--duration S] [--ready FILE] [--stats FILE]

Each --source binds COUNT connections to a local address (127.0.0.2,
127.0.0.3... are all loopback).  --ready is written once every
connection was opened the first time; --stats gets a JSON summary at the
end:
  opened         connections opened
  closed         of them closed by the server
  closed_early   of those, closed within a second of opening
  max_life       longest a connection lived before the server closed it,
                 or was still open at the end (seconds)
  open_at_end    connections open at the end
  bytes          request bytes sent
"""
import argparse
import json
import os
import resource
import selectors
import socket
import sys
import time

HEAD = b"GET /v1/version HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4096


class Conn:
    def __init__(self, src):
        self.src = src
        self.sock = None
        self.born = 0.0
        self.sent = 0
        self.next_byte = 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--source", action="append", required=True)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--reconnect", type=float, default=1.0)
    ap.add_argument("--ready")
    ap.add_argument("--stats")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    conns = []
    for s in a.source:
        addr, n = s.rsplit(":", 1)
        conns += [Conn(addr) for _ in range(int(n))]
    sel = selectors.DefaultSelector()
    st = {"opened": 0, "closed": 0, "closed_early": 0, "max_life": 0.0, "open_at_end": 0, "bytes": 0,
          "connect_errors": 0}
    t0 = time.monotonic()
    end = t0 + a.duration
    pending = {id(c): (c, t0) for c in conns}  # to (re)open, and when
    ready = False

    def open_conn(c, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((c.src, 0))
            s.settimeout(5)
            s.connect((a.host, a.port))
        except OSError:
            s.close()
            st["connect_errors"] += 1
            pending[id(c)] = (c, now + a.reconnect)
            return
        s.setblocking(False)
        c.sock, c.born, c.sent, c.next_byte = s, now, 0, now
        sel.register(s, selectors.EVENT_READ, c)
        st["opened"] += 1

    def close_conn(c, now, by_server):
        life = now - c.born
        st["max_life"] = max(st["max_life"], life)
        sel.unregister(c.sock)
        c.sock.close()
        c.sock = None
        if by_server:
            st["closed"] += 1
            st["closed_early"] += life < 1.0
            pending[id(c)] = (c, now + a.reconnect)

    while True:
        now = time.monotonic()
        if now >= end:
            break
        for key, (c, when) in list(pending.items()):
            if when <= now:
                del pending[key]
                open_conn(c, time.monotonic())
        if not ready and a.ready and st["opened"] >= len(conns):
            ready = True
            with open(a.ready, "w") as f:
                f.write("%d\n" % st["opened"])
        now = time.monotonic()
        for c in conns:
            if c.sock is not None and c.next_byte <= now and c.sent < len(HEAD):
                try:
                    c.sock.send(HEAD[c.sent:c.sent + 1])
                    c.sent += 1
                    st["bytes"] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    close_conn(c, now, True)
                    continue
                c.next_byte = now + a.interval
        for key, _ in sel.select(timeout=0.1):
            c = key.data
            try:
                data = c.sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:  # closed (an answer, 408 or not, then EOF)
                close_conn(c, time.monotonic(), True)
    now = time.monotonic()
    for c in conns:
        if c.sock is not None:
            st["open_at_end"] += 1
            close_conn(c, now, False)
    st["max_life"] = round(st["max_life"], 2)
    out = json.dumps(st)
    if a.stats:
        with open(a.stats, "w") as f:
            f.write(out + "\n")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
