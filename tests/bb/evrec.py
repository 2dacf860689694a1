# An event listener for the black-box tests: records every event (header
# line, payload, then a newline) in the file argv[1] and acks it.
import sys
out = open(sys.argv[1], "ab")
while True:
    sys.stdout.write("READY\n"); sys.stdout.flush()
    line = sys.stdin.buffer.readline()
    if not line:
        break
    hdr = dict(x.split(":", 1) for x in line.decode().split())
    body = sys.stdin.buffer.read(int(hdr["len"]))
    out.write(line + body + b"\n"); out.flush()
    sys.stdout.write("RESULT 2\nOK"); sys.stdout.flush()
