/* systemd's notification and socket-activation protocols (see sysd.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sysd.h"

char *sysd_notify_take(void)
{
	const char *e = getenv("NOTIFY_SOCKET");
	char *copy = e && *e ? strdup(e) : NULL;
	/* Always: a program's own sd_notify must not speak for supd. */
	unsetenv("NOTIFY_SOCKET");
	return copy;
}

int sysd_notify(const char *e, const char *state)
{
	if (!e || !*e)
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(e);
	/* Only a path or an abstract name: systemd's vsock addresses are
	 * for virtual machines, not a supervisor's concern. */
	if ((e[0] != '/' && e[0] != '@') || n < 2 || n >= sizeof(sa.sun_path))
		return -EAFNOSUPPORT;
	memcpy(sa.sun_path, e, n);
	if (e[0] == '@')
		sa.sun_path[0] = '\0';
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t w = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	int r = w < 0 ? -errno : 1;
	close(fd);
	return r;
}

/* A whole decimal number in [0, max], or -1. */
static long parse_count(const char *s, long max)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}

int sysd_listen_fds(void)
{
	long pid = parse_count(getenv("LISTEN_PID"), INT_MAX);
	long n = parse_count(getenv("LISTEN_FDS"), INT_MAX - SYSD_LISTEN_FDS_START);
	bool set = getenv("LISTEN_PID") || getenv("LISTEN_FDS");
	int r = 0;
	if (set && (pid < 0 || n < 0))
		r = -EINVAL;
	else if (set && pid == (long)getpid())
		r = (int)n;
	for (int i = 0; i < r; i++) {
		int fd = SYSD_LISTEN_FDS_START + i;
		int fl = fcntl(fd, F_GETFD);
		if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
			r = -errno;
			break;
		}
	}
	/* Always: a child must never take our sockets for its own. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return r;
}

static bool is_stream_listener(int fd)
{
	int type = 0, acc = 0;
	socklen_t l1 = sizeof(type), l2 = sizeof(acc);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) == 0 && type == SOCK_STREAM &&
	       getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l2) == 0 && acc;
}

bool sysd_is_unix_listener(int fd, const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	if (!is_stream_listener(fd) || getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    sa.sun_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path))
		return false;
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof(sa.sun_path))
		n = sizeof(sa.sun_path);
	/* A path name is NUL-terminated within n (or fills sun_path). */
	return sa.sun_path[0] && strnlen(sa.sun_path, n) == strlen(path) &&
	       memcmp(sa.sun_path, path, strlen(path)) == 0;
}

bool sysd_is_inet_listener(int fd, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (!is_stream_listener(fd) || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	uint16_t p;
	if (ss.ss_family == AF_INET)
		p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return false;
	return port == 0 || p == port;
}
