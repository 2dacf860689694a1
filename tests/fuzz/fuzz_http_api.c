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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ctl_parser_init(&parser, &resp, skip_body, NULL);
	check_http = !memmem(data, size, "HEAD", 4);
	fuzz_server_exchange(data, size, check_bytes);
	ctl_resp_free(&resp);
	return 0;
}
