/* libFuzzer target: supervisord's XML-RPC (POST /RPC2) end to end.  Each
 * input is parsed by xmlrpc_parse_call directly, then sent as the body of
 * a POST /RPC2 to a real connection to supd's HTTP server, with the
 * dispatcher and a small process table behind it; the answer must be
 * well-formed HTTP and, when it is a 200, a methodResponse.  Every
 * connection must close after the client hangs up.
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

#include "buf.h"
#include "http_client.h"
#include "server.h"
#include "xmlrpc_val.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *body; /* the response being read */
static size_t body_len, body_cap;

static void free_body(void)
{
	free(body);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_server_start("xmlrpc");
	atexit(free_body);
	return 0;
}

/* What the server sends must be well-formed HTTP: it goes through
 * supctl's strict parser, response after response. */
static struct ctl_parser parser;
static struct ctl_resp resp;

static int keep_body(void *arg, const char *buf, size_t len)
{
	return buf_append(&body, &body_len, &body_cap, buf, len);
}

/* A 200 answer is a methodResponse, as xmlrpclib.dumps starts one. */
static void check_response(void)
{
	static const char start[] = "<?xml version='1.0'?>\n<methodResponse>\n";
	if (resp.status == 200 &&
	    (body_len < sizeof(start) - 1 || memcmp(body, start, sizeof(start) - 1))) {
		fprintf(stderr, "a 200 answer that is no methodResponse\n");
		abort();
	}
	body_len = 0;
}

static void check_bytes(const char *buf, size_t n)
{
	while (n > 0) {
		size_t used;
		int r = ctl_parser_feed(&parser, buf, n, &used);
		if (r < 0) {
			fprintf(stderr, "the server sent malformed HTTP (%d)\n", r);
			abort();
		}
		if (r == 0)
			return;
		check_response();
		ctl_resp_free(&resp);
		ctl_parser_init(&parser, &resp, keep_body, NULL);
		buf += used;
		n -= used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *method;
	struct xv *params;
	if (xmlrpc_parse_call((const char *)data, size, &method, &params) == 0) {
		char *out;
		size_t len;
		if (xmlrpc_write_response(params, &out, &len) == 0)
			free(out);
		free(method);
		xv_free(params);
	}

	char head[128];
	int hl = snprintf(head, sizeof(head),
			  "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
			  "Content-Length: %zu\r\n\r\n",
			  size);
	char *req = malloc((size_t)hl + size + 1);
	if (!req)
		abort();
	memcpy(req, head, (size_t)hl);
	if (size)
		memcpy(req + hl, data, size);
	size_t total = (size_t)hl + size;

	ctl_parser_init(&parser, &resp, keep_body, NULL);
	fuzz_server_exchange(req, total, check_bytes);
	free(req);
	ctl_resp_free(&resp);
	body_len = 0;
	return 0;
}
