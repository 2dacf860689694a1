# One XML-RPC call over supd's unix socket: xrcall.py SOCKET METHOD
# [STRING ARGS...]; prints the result, or "fault CODE STRING".
import http.client, socket, sys, xmlrpc.client
class C(http.client.HTTPConnection):
    def __init__(self): super().__init__("localhost")
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])
class Tr(xmlrpc.client.Transport):
    def make_connection(self, host): return C()
s = xmlrpc.client.ServerProxy("http://localhost", transport=Tr())
f = s
for part in sys.argv[2].split("."):
    f = getattr(f, part)
try:
    print(f(*sys.argv[3:]))
except xmlrpc.client.Fault as e:
    print("fault %d %s" % (e.faultCode, e.faultString))
