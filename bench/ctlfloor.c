/* The floor of any control client on this host: a process that is exec'd,
 * connects to supd's unix socket, sends one HTTP request and reads the
 * answer to its end, and nothing else (no config read, no JSON, no
 * output).  `supctl status p1` cannot cost less than this; the bench
 * times both with hyperfine in the same run.  Linked statically when
 * libc.a is there, as supctl's shared libraries are part of its cost.
 *
 * usage: ctlfloor SOCKET PATH   (exit 0 when the answer is 200) */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 1;
	char req[512];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", argv[2]);
	if (n <= 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
		return 1;
	static char buf[1 << 16];
	ssize_t k, got = 0;
	char head[16] = "";
	while ((k = read(fd, buf, sizeof(buf))) > 0) {
		if (!got)
			memcpy(head, buf, k < 15 ? (size_t)k : 15);
		got += k;
	}
	return strncmp(head, "HTTP/1.1 200", 12) == 0 ? 0 : 1;
}
