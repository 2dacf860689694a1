/* libFuzzer target: the control plane end to end, as a hostile client
 * sees it.  Each input is written as raw bytes to a real connection to
 * supd's HTTP server (http_conn.c in our loop) with the /v1 API over a small
 * process table behind it; the loop runs until the server has nothing
 * more to do, the client hangs up, and every connection must close.
 *
 * The programs' commands do not exist, so a start fails at once
 * (NO_FILE) and nothing is ever spawned or waited for. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_http.h"
#include "server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_server_start("http");
	return 0;
}

/* What the server sends must be well-formed HTTP: it goes through
 * supctl's strict parser, response after response. */
static struct ctl_parser parser;
static struct ctl_resp resp;
static bool check_http; /* off when a HEAD request makes bodies unknowable */

static int skip_body(void *arg, const char *buf, size_t len)
{
	return 0;
}

static void check_bytes(const char *buf, size_t n)
{
	while (check_http && n > 0) {
		size_t used;
		int r = ctl_parser_feed(&parser, buf, n, &used);
		if (r < 0) {
			fprintf(stderr, "the server sent malformed HTTP (%d)\n", r);
			abort();
		}
		if (r == 0)
			return;
		ctl_resp_free(&resp);
		ctl_parser_init(&parser, &resp, skip_body, NULL);
		buf += used;
		n -= used;
	}
}

/* Reads whatever the server sent; returns false once it closed. */
static bool drain(int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t k = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (k > 0) {
			check_bytes(buf, (size_t)k);
			continue;
		}
		return !(k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	size_t off = 0;
	bool open = true;
	ctl_parser_init(&parser, &resp, skip_body, NULL);
	check_http = !memmem(data, size, "HEAD", 4);
	for (int i = 0; i < 200 && open; i++) {
		if (off < size) {
			ssize_t w = send(fd, data + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				break;
		}
		loop_run_once(L, 0);
		open = drain(fd);
		if (off == size && i > 4 && http_connections(H) <= 1)
			break; /* sent all; the server answered or waits for more */
	}
	close(fd);
	ctl_resp_free(&resp);
	/* The hangup is noticed and the connection freed, in a few turns. */
	for (int i = 0; i < 1000 && http_connections(H) > 0; i++)
		loop_run_once(L, 1);
	if (http_connections(H) > 0) {
		fprintf(stderr, "a connection outlived its client\n");
		abort();
	}
	return 0;
}
