#!/usr/bin/env python3
"""bench/upgrade_gap.py: how long supd's control socket does not answer
while supd upgrades in place (doc/upgrade.md), with N programs (1000 by
default; target: at most 50 ms).

A client asks GET /v1/version over the unix socket in a loop, one
connection per request (as supctl does), and records when each answer
arrives; meanwhile supd is asked to upgrade (POST /v1/upgrade) UPGRADES
times in a row.  The figure is the longest time between two answers
around each upgrade, and for comparison the longest one with no upgrade
(what the loop costs by itself).  supd and its programs are stopped by pid
at the end.

Environment: SUPD (default ./supd), N (programs), UPGRADES (default 5),
BENCH_TMPDIR (default /var/tmp), STEPS=1 (supd at loglevel=debug: its
"upgrade timing" lines, where each upgrade's time goes, are printed too;
the debug log costs a little)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SUPD = os.environ.get("SUPD", "./supd")
N = int(os.environ.get("N", "1000"))
UPGRADES = int(os.environ.get("UPGRADES", "5"))
STEPS = os.environ.get("STEPS", "0") == "1"


def request(sock_path, method, path, timeout=30.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  "Content-Length: 0\r\n\r\n".encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body


def main():
    work = tempfile.mkdtemp(prefix="supd-upgrade-gap.",
                            dir=os.environ.get("BENCH_TMPDIR", "/var/tmp"))
    sock = os.path.join(work, "supd.sock")
    with open(os.path.join(work, "supd.conf"), "w") as f:
        f.write(f"[supervisord]\nlogfile={work}/supd.log\nchildlogdir={work}\n"
                + ("loglevel=debug\n" if STEPS else "")
                + f"[unix_http_server]\nfile={sock}\n")
        for i in range(N):
            f.write(f"[program:p{i}]\ncommand=sleep 100000\nstartsecs=0\n"
                    f"stdout_logfile={work}/p{i}.log\nstderr_logfile=NONE\n")
    supd = subprocess.Popen([SUPD, "-n", "-c", os.path.join(work, "supd.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                st, body = request(sock, "GET", "/v1/processes")
                if st == 200 and body.count(b'"RUNNING"') >= N:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            sys.exit("bench: the programs did not all start")
        answers = []
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                try:
                    st, _ = request(sock, "GET", "/v1/version")
                    if st == 200:
                        answers.append(time.monotonic())
                except OSError:
                    pass

        t = threading.Thread(target=loop, daemon=True)  # (ends with the bench)
        t.start()
        time.sleep(1.0)
        base_end = time.monotonic()
        windows = []
        for k in range(UPGRADES):
            t0 = time.monotonic()
            st, body = request(sock, "POST", "/v1/upgrade")
            if st != 202:
                sys.exit(f"bench: upgrade refused: {body.decode(errors='replace')}")
            gen = json.loads(body)["generation"]
            while True:
                try:  # (a connection the exec cut: ask again)
                    st, body = request(sock, "GET", "/v1/version")
                except OSError:
                    continue
                j = json.loads(body) if st == 200 else {}
                if j.get("upgrades", 0) >= gen:
                    break
                if "upgrade_error" in j:
                    sys.exit(f"bench: upgrade failed: {j['upgrade_error']}")
            time.sleep(0.3)
            windows.append((t0, time.monotonic()))
        stop.set()
        t.join()

        def longest(a, b):
            v = [x for x in answers if a <= x <= b]
            return max((y - x for x, y in zip(v, v[1:])), default=float("nan"))

        base = longest(answers[0], base_end)
        gaps = [longest(a, b) for a, b in windows]
        print(f"programs: {N}, upgrades: {UPGRADES}, answers: {len(answers)}")
        print(f"longest gap without an upgrade: {base * 1000:.1f} ms")
        print("longest gap around each upgrade: " +
              ", ".join(f"{g * 1000:.1f} ms" for g in gaps))
        print(f"worst: {max(gaps) * 1000:.1f} ms (target: at most 50 ms)")
        if STEPS:
            with open(os.path.join(work, "supd.log"), errors="replace") as f:
                for line in f:
                    if "upgrade timing, " in line:
                        print(line.split("upgrade timing, ", 1)[1].rstrip())
    finally:
        try:
            request(sock, "POST", "/v1/shutdown", timeout=5)
            supd.wait(timeout=120)
        except Exception:
            pass
        if supd.poll() is None:
            supd.send_signal(signal.SIGKILL)
            supd.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
