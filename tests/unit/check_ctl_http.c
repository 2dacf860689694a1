/* ctl_http: the client's URL parsing and its response parser, over canned
 * byte streams fed whole, byte by byte, and in odd splits. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"

/* Feeds s in pieces of `step` bytes (0: all at once), then EOF if eof.
 * Returns the parser's last result; *rest: bytes not consumed. */
static int feed(const char *s, size_t n, size_t step, bool eof, struct ctl_resp *resp, size_t *rest)
{
	struct ctl_parser p;
	ctl_parser_init(&p, resp, NULL, NULL);
	size_t i = 0;
	int r = 0;
	*rest = 0;
	while (i < n) {
		size_t k = step && step < n - i ? step : n - i;
		size_t used;
		r = ctl_parser_feed(&p, s + i, k, &used);
		if (r < 0)
			return r;
		i += used;
		if (r > 0) {
			*rest = n - i;
			return r;
		}
	}
	if (eof)
		r = ctl_parser_feed(&p, NULL, 0, NULL);
	return r;
}

static const size_t steps[] = {0, 1, 2, 3, 7, 64};

static void expect_ok(const char *s, int status, const char *body, size_t rest_want)
{
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct ctl_resp resp;
		size_t rest;
		int r = feed(s, strlen(s), steps[i], false, &resp, &rest);
		ck_assert_msg(r == 1, "step %zu: result %d", steps[i], r);
		ck_assert_int_eq(resp.status, status);
		ck_assert_str_eq(resp.body ? resp.body : "", body);
		ck_assert_uint_eq(rest, rest_want);
		ctl_resp_free(&resp);
	}
}

static void expect_err(const char *s, int err)
{
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct ctl_resp resp;
		size_t rest;
		int r = feed(s, strlen(s), steps[i], true, &resp, &rest);
		ck_assert_msg(r == err, "step %zu: %d, want %d for: %s", steps[i], r, err, s);
		ctl_resp_free(&resp);
	}
}

START_TEST(test_content_length)
{
	expect_ok(
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello",
	    200, "hello", 0);
	/* Bytes after the body belong to the next response. */
	expect_ok("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nabHTTP/1.1", 404, "ab", 8);
	expect_ok("HTTP/1.1 204 No Content\r\n\r\n", 204, "", 0);
	expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "", 0);
	/* bare LF line ends are tolerated */
	expect_ok("HTTP/1.1 200 OK\nContent-Length: 1\n\nx", 200, "x", 0);
	/* A repeated, equal Content-Length is fine. */
	expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\nx", 200, "x",
		  0);
}
END_TEST

START_TEST(test_headers)
{
	struct ctl_resp resp;
	size_t rest;
	const char *s = "HTTP/1.0 401 Unauthorized\r\ncontent-type:  text/plain \r\n"
			"Content-Length: 1\r\n\r\nx";
	ck_assert_int_eq(feed(s, strlen(s), 0, false, &resp, &rest), 1);
	ck_assert_str_eq(resp.content_type, "text/plain");
	ck_assert(resp.close); /* HTTP/1.0 */
	ck_assert_int_eq(resp.content_length, 1);
	ctl_resp_free(&resp);

	s = "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n";
	ck_assert_int_eq(feed(s, strlen(s), 0, false, &resp, &rest), 1);
	ck_assert(resp.close);
	ctl_resp_free(&resp);
}
END_TEST

START_TEST(test_chunked)
{
	expect_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n",
		  200, "hello 0123456789", 0);
	/* trailers */
	expect_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "2\r\nab\r\n0\r\nX-T: 1\r\n\r\nnext",
		  200, "ab", 4);
	expect_ok("HTTP/1.1 200 OK\r\ntransfer-encoding: "
		  "Chunked\r\n\r\nf\r\n0123456789abcde\r\n0\r\n\r\n",
		  200, "0123456789abcde", 0);
}
END_TEST

START_TEST(test_continue_and_eof_body)
{
	expect_ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		  200, "ok", 0);
	/* No length: the body runs to EOF. */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct ctl_resp resp;
		size_t rest;
		const char *s = "HTTP/1.1 200 OK\r\n\r\nuntil eof";
		ck_assert_int_eq(feed(s, strlen(s), steps[i], true, &resp, &rest), 1);
		ck_assert_str_eq(resp.body, "until eof");
		ck_assert(resp.close);
		ctl_resp_free(&resp);
	}
}
END_TEST

START_TEST(test_malformed)
{
	expect_err("", -ECONNRESET);
	expect_err("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", -EPROTO); /* truncated */
	expect_err("HTTP/1.1 200 OK\r\nContent-Len", -EPROTO);
	expect_err("HTTP/2 200 OK\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 20 OK\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 2000 OK\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 099 OK\r\n\r\n", -EPROTO);
	expect_err("FTP/1.1 200 OK\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", -EPROTO);
	expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
		   -EPROTO);
	/* chunked stream cut short */
	expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n", -EPROTO);

	static const char nul[] = "HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n";
	struct ctl_resp resp;
	size_t rest;
	ck_assert_int_eq(feed(nul, sizeof(nul) - 1, 0, true, &resp, &rest), -EPROTO);
	ctl_resp_free(&resp);
}
END_TEST

START_TEST(test_limits)
{
	/* one endless header line */
	size_t n = CTL_MAX_LINE + 100;
	char *s = malloc(n + 1);
	memcpy(s, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(s + 20, 'a', n - 20);
	s[n] = '\0';
	expect_err(s, -EMSGSIZE);
	free(s);

	/* too many headers */
	size_t cap = 64 + (CTL_MAX_HEADERS + 5) * 8;
	s = malloc(cap);
	strcpy(s, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < CTL_MAX_HEADERS + 5; i++)
		strcat(s, "A: b\r\n");
	strcat(s, "\r\n");
	expect_err(s, -EMSGSIZE);
	free(s);
}
END_TEST

/* Feeds s whole, with a body limit; returns the result. */
static int feed_max(const char *s, size_t max, struct ctl_resp *resp, struct ctl_parser *p)
{
	ctl_parser_init(p, resp, NULL, NULL);
	p->max_body = max;
	int r = ctl_parser_feed(p, s, strlen(s), NULL);
	if (r == 0)
		r = ctl_parser_feed(p, NULL, 0, NULL);
	return r;
}

START_TEST(test_body_limit)
{
	struct ctl_parser p;
	struct ctl_resp resp;
	/* exactly the limit is fine, one byte more is not */
	ck_assert_int_eq(
	    feed_max("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 5, &resp, &p), 1);
	ck_assert_str_eq(resp.body, "hello");
	ctl_resp_free(&resp);
	/* announced too long: refused before any body byte */
	ck_assert_int_eq(feed_max("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n", 5, &resp, &p),
			 -EFBIG);
	ctl_resp_free(&resp);
	/* delimited by EOF, and chunked: refused when the bytes come */
	ck_assert_int_eq(feed_max("HTTP/1.1 200 OK\r\n\r\nhello!", 5, &resp, &p), -EFBIG);
	ctl_resp_free(&resp);
	ck_assert_int_eq(feed_max("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
				  5, &resp, &p),
			 -EFBIG);
	ctl_resp_free(&resp);
	/* HEAD and 204 have no body whatever Content-Length says */
	ck_assert_int_eq(
	    feed_max("HTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n", 5, &resp, &p), 1);
	ctl_resp_free(&resp);

	/* An endless body costs the limit, not twice it: the buffer never
	 * grows past max + 1 (the NUL). */
	size_t max = 100000;
	char block[4096];
	memset(block, 'x', sizeof(block));
	ctl_parser_init(&p, &resp, NULL, NULL);
	p.max_body = max;
	const char *h = "HTTP/1.1 200 OK\r\n\r\n";
	ck_assert_int_eq(ctl_parser_feed(&p, h, strlen(h), NULL), 0);
	int r = 0;
	while (r == 0)
		r = ctl_parser_feed(&p, block, sizeof(block), NULL);
	ck_assert_int_eq(r, -EFBIG);
	ck_assert_uint_le(resp.len, max);
	ck_assert_uint_le(p.cap, max + 1);
	ctl_resp_free(&resp);
}
END_TEST

static char got[256];
static size_t ngot;

static int collect(void *arg, const char *buf, size_t len)
{
	ck_assert_uint_lt(ngot + len, sizeof(got));
	memcpy(got + ngot, buf, len);
	ngot += len;
	got[ngot] = '\0';
	return *(int *)arg;
}

START_TEST(test_callback)
{
	const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	struct ctl_parser p;
	struct ctl_resp resp;
	int ret = 0;
	ngot = 0;
	ctl_parser_init(&p, &resp, collect, &ret);
	for (size_t i = 0; i < strlen(s); i++) {
		size_t used;
		int r = ctl_parser_feed(&p, s + i, 1, &used);
		ck_assert_int_ge(r, 0);
		ck_assert_uint_eq(used, 1);
	}
	ck_assert_str_eq(got, "abcde");
	ck_assert_ptr_null(resp.body);
	ctl_resp_free(&resp);

	/* The callback's error stops the parse. */
	ret = -EINTR;
	ngot = 0;
	ctl_parser_init(&p, &resp, collect, &ret);
	ck_assert_int_eq(ctl_parser_feed(&p, s, strlen(s), NULL), -EINTR);
	ctl_resp_free(&resp);
}
END_TEST

START_TEST(test_url)
{
	struct ctl_url u;
	ck_assert_int_eq(ctl_url_parse(&u, "unix:///run/supd.sock"), 0);
	ck_assert(u.is_unix);
	ck_assert_str_eq(u.path, "/run/supd.sock");
	ck_assert_str_eq(u.text, "unix:///run/supd.sock");
	ctl_url_free(&u);

	ck_assert_int_eq(ctl_url_parse(&u, "http://localhost:9001"), 0);
	ck_assert(!u.is_unix);
	ck_assert_str_eq(u.host, "localhost");
	ck_assert_str_eq(u.port, "9001");
	ctl_url_free(&u);

	ck_assert_int_eq(ctl_url_parse(&u, "http://127.0.0.1/"), 0);
	ck_assert_str_eq(u.port, "80");
	ctl_url_free(&u);

	ck_assert_int_eq(ctl_url_parse(&u, "http://[::1]:9001/RPC2"), 0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_str_eq(u.port, "9001");
	ctl_url_free(&u);

	ck_assert_int_eq(ctl_url_parse(&u, "ftp://x"), -EINVAL);
	ck_assert_int_eq(ctl_url_parse(&u, "http://"), -EINVAL);
	ck_assert_int_eq(ctl_url_parse(&u, "http://h:"), -EINVAL);
	ck_assert_int_eq(ctl_url_parse(&u, "http://h:99999"), -EINVAL);
	ck_assert_int_eq(ctl_url_parse(&u, "http://h:12a"), -EINVAL);
	ck_assert_int_eq(ctl_url_parse(&u, "http://[::1"), -EINVAL);
	ck_assert_int_eq(ctl_url_parse(&u, "unix://"), -EINVAL);
}
END_TEST

START_TEST(test_base64)
{
	char out[64];
	ctl_base64("", 0, out);
	ck_assert_str_eq(out, "");
	ctl_base64("f", 1, out);
	ck_assert_str_eq(out, "Zg==");
	ctl_base64("fo", 2, out);
	ck_assert_str_eq(out, "Zm8=");
	ctl_base64("foo", 3, out);
	ck_assert_str_eq(out, "Zm9v");
	ctl_base64("user:pass", 9, out);
	ck_assert_str_eq(out, "dXNlcjpwYXNz");
}
END_TEST

/* A server on a unix socket that accepts (the backlog does) and says
 * nothing, then one that answers without end. */
static int listen_unix(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(test_idle_timeout)
{
	char path[64], url[80];
	snprintf(path, sizeof(path), "/tmp/supd-check-ctl-%d.sock", (int)getpid());
	snprintf(url, sizeof(url), "unix://%s", path);
	int ls = listen_unix(path);
	struct ctl_client c;
	ck_assert_int_eq(ctl_client_init(&c, url, NULL, NULL), 0);
	ck_assert_uint_eq(c.lim.timeout, CTL_TIMEOUT);
	ck_assert_uint_eq(c.lim.max_response, CTL_MAX_RESPONSE);
	c.lim.timeout = 1;
	struct ctl_resp resp;
	time_t t0 = time(NULL);
	ck_assert_int_eq(ctl_request(&c, "GET", "/", NULL, 0, &resp, NULL, NULL), -ETIME);
	ck_assert_int_le(time(NULL) - t0, 5);
	char why[160];
	ck_assert_str_eq(ctl_strerror(&c, -ETIME, why, sizeof(why)),
			 "no answer after 1 s (timeout)");
	/* a streamed answer (tail -f) waits by follow_timeout instead */
	c.lim.timeout = 60;
	c.lim.follow_timeout = 1;
	int ok = 0;
	ck_assert_int_eq(ctl_request(&c, "GET", "/", NULL, 0, &resp, collect, &ok), -ETIME);
	ck_assert_str_eq(ctl_strerror(&c, -ETIME, why, sizeof(why)),
			 "no answer after 1 s (follow_timeout)");
	ck_assert_str_eq(ctl_strerror(&c, -EFBIG, why, sizeof(why)),
			 "answer larger than 16777216 bytes (max_response)");
	ctl_client_free(&c);
	close(ls);
	unlink(path);
}
END_TEST

START_TEST(test_connect_errors)
{
	struct ctl_client c;
	ck_assert_int_eq(ctl_client_init(&c, "unix:///nonexistent/supd-test.sock", NULL, NULL), 0);
	struct ctl_resp resp;
	ck_assert_int_eq(ctl_request(&c, "GET", "/", NULL, 0, &resp, NULL, NULL), -ENOENT);
	ctl_client_free(&c);
	ck_assert_int_eq(ctl_client_init(&c, "bogus", NULL, NULL), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctl_http");
	TCase *tc = tcase_create("parser");
	tcase_add_test(tc, test_content_length);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_continue_and_eof_body);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_body_limit);
	tcase_add_test(tc, test_callback);
	suite_add_tcase(s, tc);
	TCase *tu = tcase_create("client");
	tcase_add_test(tu, test_url);
	tcase_add_test(tu, test_base64);
	tcase_add_test(tu, test_connect_errors);
	tcase_add_test(tu, test_idle_timeout);
	suite_add_tcase(s, tu);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
