#!/usr/bin/env python3
"""A misbehaving control server on a unix socket, for supctl's limits
(tests/bb/ctl_limits.sh).  Usage: fakesrv.py MODE SOCKET

  silent    accepts, reads the request, never answers
  endless   answers 200 application/json, then a body without end (no
            Content-Length: the body would end when the server closes)
  chunked   the same in chunks, without end
  huge      announces a Content-Length of 1 TB, then sends without end
  stream    a chunked 200 with one chunk, then nothing (a quiet tail -f);
            a request that does not follow (supctl's name check) gets
            a process object first
  full      listens with a backlog of 0 and never accepts, after filling
            the backlog itself: the next connect waits

The socket appears once the server is ready.  It runs until killed."""
import os
import socket
import sys
import threading

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
BLOCK = b'{"x": "' + b"a" * 65000 + b'"}\n'


def read_head(c):
    """The request line, or None when the client left first."""
    data = b""
    while b"\r\n\r\n" not in data:
        got = c.recv(4096)
        if not got:
            return None
        data += got
    return data.split(b"\r\n", 1)[0]


def serve(mode, c):
    try:
        line = read_head(c)
        if line is None:
            return
        if mode == "silent":
            while c.recv(4096):
                pass
        elif mode == "endless":
            c.sendall(HEAD + b"\r\n")
            while True:
                c.sendall(BLOCK)
        elif mode == "chunked":
            c.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n" % len(BLOCK) + BLOCK + b"\r\n"
            while True:
                c.sendall(chunk)
        elif mode == "huge":
            c.sendall(HEAD + b"Content-Length: 1000000000000\r\n\r\n")
            while True:
                c.sendall(BLOCK)
        elif mode == "stream":
            # supctl asks whether the name exists before it follows
            while b"follow=" not in line:
                body = b'{"name": "web", "group": "web", "state": 20}'
                c.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                line = read_head(c)
                if line is None:
                    return
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n6\r\nhello\n\r\n")
            while c.recv(4096):
                pass
    except OSError:
        pass  # the client gave up: what the tests want
    finally:
        c.close()


def main():
    mode, path = sys.argv[1], sys.argv[2]
    tmp = path + ".tmp"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(tmp)
    if mode == "full":
        s.listen(0)
        filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        filler.connect(tmp)
        os.rename(tmp, path)
        threading.Event().wait()
    s.listen(16)
    os.rename(tmp, path)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(mode, c), daemon=True).start()


if __name__ == "__main__":
    main()
