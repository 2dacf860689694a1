/* A program to be probed, for the readiness and health tests
 * (engine_ready.sh, engine_health.sh, bench/run's health scenario).  Its
 * arguments are steps, run in order:
 *   sleep MS          wait
 *   listen PORT       accept TCP connections on 127.0.0.1:PORT (and close them)
 *   http PORT CODE    answer every HTTP request on 127.0.0.1:PORT with CODE;
 *                     PORT may be unix:/path for a unix socket
 *   print TEXT        write TEXT and a newline on stdout
 *   notify MSG        send MSG (READY=1, STATUS=..., "\n" for newlines) to
 *                     $NOTIFY_SOCKET as sd_notify(3) does: a datagram
 *   watchdog MS       from then on, send WATCHDOG=1 every MS
 *   fd N              write a newline on fd N and close it
 *   exit CODE         exit now
 * After the last step it serves its sockets (and the watchdog) until
 * killed.  Only the sd_notify datagram protocol: a Type=notify program. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct lsock {
	int fd;
	int code; /* 0: plain TCP */
};

static struct lsock socks[8];
static int nsocks;

static void die(const char *what)
{
	fprintf(stderr, "probed: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void add_listener(const char *where, int code)
{
	int fd;
	if (!strncmp(where, "unix:", 5)) {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", where + 5);
		unlink(un.sun_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0)
			die(where);
	} else {
		struct sockaddr_in in = {.sin_family = AF_INET,
					 .sin_port = htons((unsigned short)atoi(where)),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int one = 1;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0)
			die(where);
	}
	if (listen(fd, 64) < 0)
		die("listen");
	socks[nsocks].fd = fd;
	socks[nsocks++].code = code;
}

static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path) {
		fprintf(stderr, "probed: no NOTIFY_SOCKET\n");
		exit(2);
	}
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(un.sun_path))
		exit(2);
	memcpy(un.sun_path, path, n);
	if (un.sun_path[0] == '@')
		un.sun_path[0] = 0;
	char buf[1024];
	size_t k = 0;
	for (const char *s = msg; *s && k < sizeof(buf) - 1; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			buf[k++] = '\n';
			s++;
		} else {
			buf[k++] = *s;
		}
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, buf, k, 0, (struct sockaddr *)&un,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		die("notify");
	close(fd);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void serve(const struct lsock *l)
{
	int c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (l->code) {
		char req[2048];
		ssize_t n = read(c, req, sizeof(req));
		(void)n;
		char resp[128];
		int m = snprintf(resp, sizeof(resp),
				 "HTTP/1.0 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
				 l->code);
		if (write(c, resp, (size_t)m) < 0)
			perror("probed: write");
	}
	close(c);
}

int main(int argc, char **argv)
{
	long watchdog = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *a = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(s, "sleep")) {
			sleep_ms(atol(a));
			i++;
		} else if (!strcmp(s, "listen")) {
			add_listener(a, 0);
			i++;
		} else if (!strcmp(s, "http") && i + 2 < argc) {
			add_listener(a, atoi(argv[i + 2]));
			i += 2;
		} else if (!strcmp(s, "print")) {
			printf("%s\n", a);
			i++;
		} else if (!strcmp(s, "notify")) {
			notify(a);
			i++;
		} else if (!strcmp(s, "watchdog")) {
			watchdog = atol(a);
			i++;
		} else if (!strcmp(s, "fd")) {
			int fd = atoi(a);
			if (write(fd, "\n", 1) != 1)
				die("fd");
			close(fd);
			i++;
		} else if (!strcmp(s, "exit")) {
			return atoi(a);
		} else {
			fprintf(stderr, "probed: unknown step '%s'\n", s);
			return 2;
		}
	}
	struct pollfd pf[8];
	for (int i = 0; i < nsocks; i++)
		pf[i] = (struct pollfd){.fd = socks[i].fd, .events = POLLIN};
	for (;;) {
		if (watchdog)
			notify("WATCHDOG=1");
		int n = poll(pf, (nfds_t)nsocks, watchdog ? (int)watchdog : -1);
		for (int i = 0; n > 0 && i < nsocks; i++)
			if (pf[i].revents)
				serve(&socks[i]);
	}
}
