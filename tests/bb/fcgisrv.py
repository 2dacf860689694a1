# A FastCGI-style server for the black-box tests: accepts on its stdin
# (the [fcgi-program:x] socket) and answers each connection with its pid.
import os, socket
s = socket.socket(fileno=0)
while True:
    c, _ = s.accept()
    c.sendall(b"%d\n" % os.getpid())
    c.close()
