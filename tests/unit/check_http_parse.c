/* http_parse: request heads, targets, framing, the chunked decoder. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

static char buf[8192];
static struct http_head H;

/* Parses text as a complete head (it must end in an empty line). */
static int parse(const char *text)
{
	size_t n = strlen(text);
	ck_assert_uint_lt(n, sizeof(buf));
	memcpy(buf, text, n + 1);
	size_t scan = 0;
	size_t end = http_head_end(buf, n, &scan);
	if (end == 0)
		return -EAGAIN;
	return http_parse_head(buf, end, &H);
}

/* ---------------------------------------------------------------- head */

START_TEST(test_head_end)
{
	size_t scan = 0;
	const char *t = "GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT";
	ck_assert_uint_eq(http_head_end(t, strlen(t), &scan), strlen(t) - 4);
	/* byte by byte: found exactly when the last LF arrives */
	scan = 0;
	size_t want = strlen(t) - 4;
	for (size_t i = 1; i < want; i++)
		ck_assert_uint_eq(http_head_end(t, i, &scan), 0);
	ck_assert_uint_eq(http_head_end(t, want, &scan), want);
	/* bare LFs */
	scan = 0;
	ck_assert_uint_eq(http_head_end("GET / HTTP/1.0\n\n", 16, &scan), 16);
	/* leading empty lines are not the end */
	scan = 0;
	ck_assert_uint_eq(http_head_end("\r\n\r\n", 4, &scan), 0);
	scan = 0;
	ck_assert_uint_eq(http_head_end("\r\nGET / HTTP/1.1\r\n\r\n", 20, &scan), 20);
}
END_TEST

START_TEST(test_request_line)
{
	ck_assert_int_eq(parse("GET /v1/processes HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	ck_assert_str_eq(H.method, "GET");
	ck_assert_str_eq(H.path, "/v1/processes");
	ck_assert_int_eq(H.minor, 1);
	ck_assert_uint_eq(H.nargs, 0);
	ck_assert_int_eq(parse("POST /x HTTP/1.0\n\n"), 0);
	ck_assert_int_eq(H.minor, 0);
	ck_assert_str_eq(H.method, "POST");
	/* 1.2 is read as 1.1 */
	ck_assert_int_eq(parse("GET / HTTP/1.2\r\n\r\n"), 0);
	ck_assert_int_eq(H.minor, 1);
	ck_assert_int_eq(parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n"), 0);
	ck_assert_str_eq(H.path, "/");
}
END_TEST

START_TEST(test_bad_request_line)
{
	ck_assert_int_eq(parse("GARBAGE\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET /\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET  / HTTP/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / HTTP/1.1 \r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET x HTTP/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("G(T / HTTP/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / http/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / HTTP/1.10\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET /a\rb HTTP/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / HTTP/2.0\r\n\r\n"), -EPROTONOSUPPORT);
	ck_assert_int_eq(parse("GET / HTTP/0.9\r\n\r\n"), -EPROTONOSUPPORT);
	ck_assert_int_eq(parse("GET / HTTP/3.0\r\n\r\n"), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(test_headers)
{
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: x\r\ncontent-TYPE:   a/b  \r\n"
			       "X-Empty:\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n"),
			 0);
	ck_assert_uint_eq(H.nhdrs, 5);
	ck_assert_str_eq(http_head_header(&H, "Content-Type"), "a/b");
	ck_assert_str_eq(http_head_header(&H, "HOST"), "x");
	ck_assert_str_eq(http_head_header(&H, "x-empty"), "");
	ck_assert_str_eq(http_head_header(&H, "X-Dup"), "1");
	ck_assert_ptr_null(http_head_header(&H, "Nope"));
	/* obs-fold, a space before the colon, no colon, a control byte */
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nA : b\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nAb\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\n: b\r\n\r\n"), -EBADMSG);
}
END_TEST

START_TEST(test_too_many_headers)
{
	char t[4096] = "GET / HTTP/1.1\r\n";
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "H%d: v\r\n", i);
	strcat(t, "\r\n");
	ck_assert_int_eq(parse(t), 0);
	char u[4096];
	snprintf(u, sizeof(u), "%.*sX: y\r\n\r\n", (int)strlen(t) - 2, t);
	ck_assert_int_eq(parse(u), -E2BIG);
}
END_TEST

START_TEST(test_nul_in_head)
{
	char t[] = "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n";
	size_t n = sizeof(t) - 1, scan = 0;
	size_t end = http_head_end(t, n, &scan);
	ck_assert_uint_eq(end, n);
	ck_assert_int_eq(http_parse_head(t, end, &H), -EBADMSG);
}
END_TEST

/* ---------------------------------------------------------------- target */

START_TEST(test_path_and_query)
{
	ck_assert_int_eq(
	    parse("GET /v1/processes/a%3Ab%20c?wait=false&x&y=&z=1%2B1+2 HTTP/1.1\r\n\r\n"), 0);
	ck_assert_str_eq(H.path, "/v1/processes/a:b c");
	ck_assert_str_eq(http_head_arg(&H, "wait"), "false");
	ck_assert_str_eq(http_head_arg(&H, "x"), "");
	ck_assert_str_eq(http_head_arg(&H, "y"), "");
	ck_assert_str_eq(http_head_arg(&H, "z"), "1+1 2");
	ck_assert_ptr_null(http_head_arg(&H, "w"));
	/* "+" in a path stays */
	ck_assert_int_eq(parse("GET /a+b?&&k=v# frag HTTP/1.1\r\n\r\n"), -EBADMSG); /* space */
	ck_assert_int_eq(parse("GET /a+b?&&k=v#frag HTTP/1.1\r\n\r\n"), 0);
	ck_assert_str_eq(H.path, "/a+b");
	ck_assert_str_eq(http_head_arg(&H, "k"), "v");
	ck_assert_uint_eq(H.nargs, 1);
	/* absolute-form and "*" */
	ck_assert_int_eq(parse("GET http://localhost/v1/x?wait HTTP/1.1\r\n\r\n"), 0);
	ck_assert_str_eq(H.path, "/v1/x");
	ck_assert_str_eq(http_head_arg(&H, "wait"), "");
	ck_assert_int_eq(parse("GET HTTP://h:80?q=1 HTTP/1.1\r\n\r\n"), 0);
	ck_assert_str_eq(H.path, "/");
	ck_assert_str_eq(http_head_arg(&H, "q"), "1");
	ck_assert_int_eq(parse("OPTIONS * HTTP/1.1\r\n\r\n"), 0);
	ck_assert_str_eq(H.path, "*");
	/* bad escapes, an escaped NUL */
	ck_assert_int_eq(parse("GET /a%2 HTTP/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET /a%zz HTTP/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET /a%00b HTTP/1.1\r\n\r\n"), -EBADMSG);
	ck_assert_int_eq(parse("GET /a?x=%0 HTTP/1.1\r\n\r\n"), -EBADMSG);
}
END_TEST

START_TEST(test_too_many_args)
{
	char t[2048] = "GET /?";
	for (int i = 0; i <= HTTP_MAX_ARGS; i++)
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "a%d=1&", i);
	strcat(t, " HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(parse(t), -EBADMSG);
}
END_TEST

START_TEST(test_pct_decode)
{
	char s[] = "%41%62c%7e+";
	ck_assert_int_eq(http_pct_decode(s, false), 0);
	ck_assert_str_eq(s, "Abc~+");
	char p[] = "a+b";
	ck_assert_int_eq(http_pct_decode(p, true), 0);
	ck_assert_str_eq(p, "a b");
	char bad[] = "%g0";
	ck_assert_int_eq(http_pct_decode(bad, false), -EBADMSG);
}
END_TEST

START_TEST(test_list_has)
{
	ck_assert(http_list_has("close", "close"));
	ck_assert(http_list_has("Keep-Alive, Upgrade", "keep-alive"));
	ck_assert(http_list_has(" foo ,  CLOSE ", "close"));
	ck_assert(!http_list_has("closed", "close"));
	ck_assert(!http_list_has("", "close"));
	ck_assert(!http_list_has(NULL, "close"));
}
END_TEST

/* ---------------------------------------------------------------- framing */

START_TEST(test_content_length)
{
	uint64_t v;
	ck_assert_int_eq(http_content_length("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(http_content_length("0012", &v), 0);
	ck_assert_uint_eq(v, 12);
	ck_assert_int_eq(http_content_length("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(http_content_length("18446744073709551616", &v), -EOVERFLOW);
	ck_assert_int_eq(http_content_length("", &v), -EBADMSG);
	ck_assert_int_eq(http_content_length("-1", &v), -EBADMSG);
	ck_assert_int_eq(http_content_length("+1", &v), -EBADMSG);
	ck_assert_int_eq(http_content_length("1 2", &v), -EBADMSG);
	ck_assert_int_eq(http_content_length("0x10", &v), -EBADMSG);
	ck_assert_int_eq(http_content_length("5, 5", &v), -EBADMSG);
}
END_TEST

static int framing(const char *head, bool *chunked, uint64_t *len)
{
	int r = parse(head);
	ck_assert_int_eq(r, 0);
	return http_body_framing(&H, chunked, len);
}

START_TEST(test_body_framing)
{
	bool ch;
	uint64_t len;
	ck_assert_int_eq(framing("GET / HTTP/1.1\r\n\r\n", &ch, &len), 0);
	ck_assert(!ch);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(framing("POST / HTTP/1.1\r\nContent-Length: 42\r\n\r\n", &ch, &len), 0);
	ck_assert_uint_eq(len, 42);
	ck_assert_int_eq(
	    framing("POST / HTTP/1.1\r\nContent-Length: 4\r\ncontent-length: 4\r\n\r\n", &ch, &len),
	    0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(
	    framing("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", &ch, &len),
	    -EBADMSG);
	ck_assert_int_eq(framing("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", &ch, &len),
			 -EBADMSG);
	ck_assert_int_eq(
	    framing("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", &ch,
		    &len),
	    -EOVERFLOW);
	ck_assert_int_eq(
	    framing("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", &ch, &len), 0);
	ck_assert(ch);
	ck_assert_int_eq(framing("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
				 "Content-Length: 3\r\n\r\n",
				 &ch, &len),
			 -EBADMSG);
	ck_assert_int_eq(
	    framing("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &ch, &len),
	    -ENOSYS);
	ck_assert_int_eq(framing("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n",
				 &ch, &len),
			 -ENOSYS);
	ck_assert_int_eq(
	    framing("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", &ch, &len), -EBADMSG);
}
END_TEST

/* ---------------------------------------------------------------- chunked */

/* Decodes in pieces of step bytes (0: all at once).  Returns the result of
 * the last call; out gets the data, *rest the bytes left after the end. */
static int decode(const char *in, size_t step, char *out, size_t *outlen, size_t *rest)
{
	struct http_chunked c = {0};
	size_t n = strlen(in), off = 0, o = 0;
	char work[8192];
	size_t have = 0; /* undecoded bytes carried in work */
	int r = 0;
	while (off < n || have) {
		size_t k = step && n - off > step ? step : n - off;
		memcpy(work + have, in + off, k);
		have += k;
		off += k;
		size_t used, got;
		r = http_chunked_decode(&c, work, have, &used, &got);
		memcpy(out + o, work, got);
		o += got;
		memmove(work, work + used, have - used);
		have -= used;
		if (r != 0)
			break;
		if (k == 0)
			break;
	}
	out[o] = '\0';
	*outlen = o;
	*rest = have + (n - off);
	return r;
}

START_TEST(test_chunked)
{
	const char *in =
	    "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	for (size_t step = 0; step < 8; step++) {
		char out[256];
		size_t len, rest;
		ck_assert_int_eq(decode(in, step, out, &len, &rest), 1);
		ck_assert_str_eq(out, "hello 0123456789");
		ck_assert_uint_eq(rest, 4);
	}
	char out[256];
	size_t len, rest;
	ck_assert_int_eq(decode("0\r\n\r\n", 0, out, &len, &rest), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(decode("3\nabc\n0\n\n", 0, out, &len, &rest), 1); /* bare LFs */
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(decode("3\r\nab", 0, out, &len, &rest), 0); /* incomplete */
	ck_assert_str_eq(out, "ab");
}
END_TEST

START_TEST(test_chunked_bad)
{
	char out[256];
	size_t len, rest;
	ck_assert_int_eq(decode("x\r\n", 0, out, &len, &rest), -EBADMSG);
	ck_assert_int_eq(decode("\r\n", 0, out, &len, &rest), -EBADMSG);
	ck_assert_int_eq(decode("3\r\nabcX\r\n", 0, out, &len, &rest), -EBADMSG);
	ck_assert_int_eq(decode("3\rX", 0, out, &len, &rest), -EBADMSG);
	ck_assert_int_eq(decode("-1\r\n", 0, out, &len, &rest), -EBADMSG);
	/* 17 hex digits: past 64 bits */
	ck_assert_int_eq(decode("10000000000000000\r\n", 0, out, &len, &rest), -EBADMSG);
	ck_assert_int_eq(decode("1;\x01\r\n", 0, out, &len, &rest), -EBADMSG);
	ck_assert_int_eq(decode("0\r\nX\x01\r\n", 0, out, &len, &rest), -EBADMSG);
	/* an endless extension or trailer */
	char big[HTTP_CHUNK_LINE_MAX + 16] = "1;";
	memset(big + 2, 'e', sizeof(big) - 3);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(decode(big, 0, out, &len, &rest), -EBADMSG);
}
END_TEST

START_TEST(test_reason)
{
	ck_assert_str_eq(http_reason(200), "OK");
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_reason(505), "HTTP Version Not Supported");
	ck_assert_str_eq(http_reason(299), "");
}
END_TEST

START_TEST(origin)
{
	ck_assert(http_same_origin("http://127.0.0.1:9001", "127.0.0.1:9001"));
	ck_assert(http_same_origin("http://LocalHost", "localhost"));
	ck_assert(http_same_origin("http://localhost/index.html?x", "localhost:80"));
	ck_assert(http_same_origin("https://example.org", "example.org"));
	ck_assert(http_same_origin("http://[::1]:9001/", "[::1]:9001"));
	ck_assert(http_same_origin("http://user@host:8/x", "host:8"));

	ck_assert(!http_same_origin("http://evil.example", "127.0.0.1:9001"));
	ck_assert(!http_same_origin("http://127.0.0.1:9002", "127.0.0.1:9001"));
	ck_assert(!http_same_origin("http://127.0.0.1", "127.0.0.1:9001"));
	ck_assert(!http_same_origin("https://localhost", "localhost:80"));
	ck_assert(!http_same_origin("null", "localhost"));
	ck_assert(!http_same_origin("ftp://localhost", "localhost"));
	ck_assert(!http_same_origin("http://", "localhost"));
	ck_assert(!http_same_origin("http://localhost.evil", "localhost"));
	ck_assert(!http_same_origin("http://local", "localhost"));
	ck_assert(!http_same_origin("http://[::1", "[::1]"));
	ck_assert(!http_same_origin("http://h:99999999999", "h:99999999999"));
}
END_TEST

START_TEST(media_type)
{
	ck_assert(http_media_type_is("text/xml", "text/xml"));
	ck_assert(http_media_type_is("Text/XML; charset=utf-8", "text/xml"));
	ck_assert(http_media_type_is(" application/json ;charset=UTF-8", "application/json"));
	ck_assert(!http_media_type_is("text/xmlx", "text/xml"));
	ck_assert(!http_media_type_is("text/plain", "text/xml"));
	ck_assert(!http_media_type_is("", "text/xml"));
	ck_assert(!http_media_type_is("application/json-seq", "application/json"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_parse");
	TCase *tc = tcase_create("head");
	tcase_add_test(tc, test_head_end);
	tcase_add_test(tc, test_request_line);
	tcase_add_test(tc, test_bad_request_line);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_too_many_headers);
	tcase_add_test(tc, test_nul_in_head);
	tcase_add_test(tc, test_path_and_query);
	tcase_add_test(tc, test_too_many_args);
	tcase_add_test(tc, test_pct_decode);
	tcase_add_test(tc, test_list_has);
	suite_add_tcase(s, tc);
	TCase *tf = tcase_create("framing");
	tcase_add_test(tf, test_content_length);
	tcase_add_test(tf, test_body_framing);
	tcase_add_test(tf, test_chunked);
	tcase_add_test(tf, test_chunked_bad);
	tcase_add_test(tf, test_reason);
	tcase_add_test(tf, origin);
	tcase_add_test(tf, media_type);
	suite_add_tcase(s, tf);
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
