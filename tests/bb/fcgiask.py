# Prints the pid the server of tests/bb/fcgisrv.py at argv[1] answers
# with: a unix socket path, or a loopback TCP port.
import socket, sys
a = sys.argv[1]
if a.startswith("/"):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(a)
else:
    s = socket.create_connection(("127.0.0.1", int(a)), timeout=5)
s.settimeout(10)
print(s.recv(100).decode().strip())
