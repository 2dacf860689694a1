/* Unit tests for xmlrpc_val.c: the methodCall parser and the
 * methodResponse writer (bytes as Python's xmlrpclib.dumps writes them). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmlrpc.h"
#include "xmlrpc_val.h"

static int parse(const char *body, char **method, struct xv **params)
{
	return xmlrpc_parse_call(body, strlen(body), method, params);
}

/* Parses a call with one param and returns that param (freed by the
 * caller through *params). */
static const struct xv *one(const char *value, char **method, struct xv **params)
{
	char body[4096];
	snprintf(body, sizeof(body),
		 "<?xml version='1.0'?>\n<methodCall>\n<methodName>a.b</methodName>\n"
		 "<params>\n<param>\n<value>%s</value>\n</param>\n</params>\n</methodCall>\n",
		 value);
	ck_assert_int_eq(parse(body, method, params), 0);
	ck_assert_str_eq(*method, "a.b");
	ck_assert_uint_eq((*params)->n, 1);
	return (*params)->v[0];
}

static void done(char *method, struct xv *params)
{
	free(method);
	xv_free(params);
}

START_TEST(parse_scalars)
{
	char *m;
	struct xv *p;
	const struct xv *v;

	v = one("<int>42</int>", &m, &p);
	ck_assert_int_eq(v->type, XV_INT);
	ck_assert_int_eq(v->i, 42);
	done(m, p);
	v = one("<i4> -7 </i4>", &m, &p);
	ck_assert_int_eq(v->type, XV_INT);
	ck_assert_int_eq(v->i, -7);
	done(m, p);
	v = one("<boolean>1</boolean>", &m, &p);
	ck_assert_int_eq(v->type, XV_BOOL);
	ck_assert_int_eq(v->i, 1);
	done(m, p);
	v = one("<boolean>0</boolean>", &m, &p);
	ck_assert_int_eq(v->i, 0);
	done(m, p);
	v = one("<string>a &amp; b &lt;c&gt;</string>", &m, &p);
	ck_assert_int_eq(v->type, XV_STRING);
	ck_assert_str_eq(v->s, "a & b <c>");
	done(m, p);
	v = one("bare text", &m, &p);
	ck_assert_int_eq(v->type, XV_STRING);
	ck_assert_str_eq(v->s, "bare text");
	done(m, p);
	v = one("<string></string>", &m, &p);
	ck_assert_str_eq(v->s, "");
	done(m, p);
	v = one("", &m, &p);
	ck_assert_int_eq(v->type, XV_STRING);
	ck_assert_str_eq(v->s, "");
	done(m, p);
	v = one("<double>1.5</double>", &m, &p);
	ck_assert_int_eq(v->type, XV_DOUBLE);
	ck_assert(v->d == 1.5);
	done(m, p);
	v = one("<dateTime.iso8601>20261122T23:40:00</dateTime.iso8601>", &m, &p);
	ck_assert_int_eq(v->type, XV_DATETIME);
	ck_assert_str_eq(v->s, "20261122T23:40:00");
	done(m, p);
	v = one("<base64>aGVsbG8K</base64>", &m, &p);
	ck_assert_int_eq(v->type, XV_STRING);
	ck_assert_str_eq(v->s, "hello\n");
	done(m, p);
	v = one("<nil/>", &m, &p);
	ck_assert_int_eq(v->type, XV_NIL);
	done(m, p);
	v = one("<string>\xc3\xa9t\xc3\xa9</string>", &m, &p);
	ck_assert_str_eq(v->s, "\xc3\xa9t\xc3\xa9");
	done(m, p);
}
END_TEST

START_TEST(parse_containers)
{
	char *m;
	struct xv *p;
	const struct xv *v = one("<array><data>\n<value><int>1</int></value>\n"
				 "<value>x</value>\n<value><array><data></data></array></value>\n"
				 "</data></array>",
				 &m, &p);
	ck_assert_int_eq(v->type, XV_ARRAY);
	ck_assert_uint_eq(v->n, 3);
	ck_assert_int_eq(v->v[0]->i, 1);
	ck_assert_str_eq(v->v[1]->s, "x");
	ck_assert_int_eq(v->v[2]->type, XV_ARRAY);
	ck_assert_uint_eq(v->v[2]->n, 0);
	done(m, p);

	v = one("<struct><member><name>methodName</name><value>supervisor.getPID</value></member>"
		"<member><name>params</name><value><array><data/></array></value></member>"
		"</struct>",
		&m, &p);
	ck_assert_int_eq(v->type, XV_STRUCT);
	ck_assert_uint_eq(v->n, 2);
	ck_assert_str_eq(xv_get(v, "methodName")->s, "supervisor.getPID");
	ck_assert_int_eq(xv_get(v, "params")->type, XV_ARRAY);
	ck_assert_ptr_null(xv_get(v, "nope"));
	done(m, p);
}
END_TEST

START_TEST(parse_no_params)
{
	char *m;
	struct xv *p;
	ck_assert_int_eq(parse("<methodCall><methodName>supervisor.getState</methodName>"
			       "</methodCall>",
			       &m, &p),
			 0);
	ck_assert_str_eq(m, "supervisor.getState");
	ck_assert_int_eq(p->type, XV_ARRAY);
	ck_assert_uint_eq(p->n, 0);
	done(m, p);
}
END_TEST

START_TEST(parse_errors)
{
	static const struct {
		const char *body;
		int err;
	} cases[] = {
	    {"", -EINVAL},
	    {"junk", -EINVAL},
	    {"<methodCall><methodName>x.y</methodName>", -EINVAL},
	    {"<methodCall></methodCall>", -ENOMSG},
	    {"<methodCall><methodName></methodName></methodCall>", -ENOMSG},
	    {"<methodCall><params></params></methodCall>", -ENOMSG},
	    {"<methodCall><methodName>a.b</methodName><params><param><value><int>x</int>"
	     "</value></param></params></methodCall>",
	     -EINVAL},
	    {"<methodCall><methodName>a.b</methodName><params><param><value><int>"
	     "99999999999999999999999</int></value></param></params></methodCall>",
	     -EINVAL},
	    {"<methodCall><methodName>a.b</methodName><params><param><value><double>1.5x"
	     "</double></value></param></params></methodCall>",
	     -EINVAL},
	    {"<methodCall><methodName>a.b</methodName><params><param><value><base64>a*b"
	     "</base64></value></param></params></methodCall>",
	     -EINVAL},
	    {"<methodCall><methodName>a.b</methodName><params><param><value><blob>1</blob>"
	     "</value></param></params></methodCall>",
	     -EINVAL},
	    {"<methodCall><methodName>a.b</methodName><params><param><value><int>1</int>"
	     "<int>2</int></value></param></params></methodCall>",
	     -EINVAL},
	    {"<methodCall><methodName>a.b</methodName><params><param></param></params>"
	     "</methodCall>",
	     -EINVAL},
	    {"<methodCall><methodName>a.b</methodName><params><param><value><struct><member>"
	     "<value>1</value></member></struct></value></param></params></methodCall>",
	     -EINVAL},
	    {"<value>1</value>", -EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = (char *)"unset";
		struct xv *p = (struct xv *)&m;
		ck_assert_msg(parse(cases[i].body, &m, &p) == cases[i].err, "case %zu", i);
		ck_assert_ptr_null(m);
		ck_assert_ptr_null(p);
	}
}
END_TEST

/* Entities are never expanded: any DTD is refused, internal or external. */
START_TEST(parse_doctype)
{
	char *m;
	struct xv *p;
	const char *laughs = "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
			     "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
			     "<methodCall><methodName>&b;</methodName></methodCall>";
	ck_assert_int_eq(parse(laughs, &m, &p), -EINVAL);
	const char *ext = "<?xml version='1.0'?><!DOCTYPE x SYSTEM \"file:///etc/passwd\">"
			  "<methodCall><methodName>a.b</methodName></methodCall>";
	ck_assert_int_eq(parse(ext, &m, &p), -EINVAL);
	const char *plain = "<!DOCTYPE methodCall><methodCall><methodName>a.b</methodName>"
			    "</methodCall>";
	ck_assert_int_eq(parse(plain, &m, &p), -EINVAL);
}
END_TEST

static char *nest(int depth)
{
	size_t cap = (size_t)depth * 64 + 256;
	char *b = malloc(cap);
	strcpy(b, "<methodCall><methodName>a.b</methodName><params><param><value>");
	for (int i = 0; i < depth; i++)
		strcat(b, "<array><data><value>");
	strcat(b, "<int>1</int>");
	for (int i = 0; i < depth; i++)
		strcat(b, "</value></data></array>");
	strcat(b, "</value></param></params></methodCall>");
	return b;
}

START_TEST(parse_depth)
{
	char *m;
	struct xv *p;
	char *ok = nest(XMLRPC_MAX_DEPTH);
	ck_assert_int_eq(parse(ok, &m, &p), 0);
	const struct xv *v = p->v[0];
	for (int i = 0; i < XMLRPC_MAX_DEPTH; i++) {
		ck_assert_int_eq(v->type, XV_ARRAY);
		v = v->v[0];
	}
	ck_assert_int_eq(v->i, 1);
	done(m, p);
	free(ok);
	char *deep = nest(XMLRPC_MAX_DEPTH + 1);
	ck_assert_int_eq(parse(deep, &m, &p), -ELOOP);
	free(deep);
	char *very = nest(5000);
	ck_assert_int_eq(parse(very, &m, &p), -ELOOP);
	free(very);
}
END_TEST

static char *written(const struct xv *v)
{
	char *out;
	size_t len;
	ck_assert_int_eq(xmlrpc_write_response(v, &out, &len), 0);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

#define HEAD "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
#define TAIL "</param>\n</params>\n</methodResponse>\n"

/* The expected bytes are Python's: xmlrpc.client.dumps((v,),
 * methodresponse=True). */
START_TEST(write_values)
{
	struct xv *s = xv_struct();
	xv_set(s, "a", xv_int(1));
	struct xv *a = xv_array();
	xv_push(a, xv_bool(true));
	xv_push(a, xv_str("x<&>y"));
	xv_push(a, xv_double(1.5));
	xv_set(s, "b", a);
	struct xv *top = xv_array();
	xv_push(top, s);
	char *out = written(top);
	ck_assert_str_eq(out,
			 HEAD "<value><array><data>\n<value><struct>\n<member>\n<name>a</name>\n"
			      "<value><int>1</int></value>\n</member>\n<member>\n<name>b</name>\n"
			      "<value><array><data>\n<value><boolean>1</boolean></value>\n"
			      "<value><string>x&lt;&amp;&gt;y</string></value>\n"
			      "<value><double>1.5</double></value>\n</data></array></value>\n"
			      "</member>\n</struct></value>\n</data></array></value>\n" TAIL);
	free(out);
	xv_free(top);

	struct xv *e = xv_array();
	out = written(e);
	ck_assert_str_eq(out, HEAD "<value><array><data>\n</data></array></value>\n" TAIL);
	free(out);
	xv_free(e);
	e = xv_struct();
	out = written(e);
	ck_assert_str_eq(out, HEAD "<value><struct>\n</struct></value>\n" TAIL);
	free(out);
	xv_free(e);

	struct xv *n = xv_int(-2147483648LL);
	out = written(n);
	ck_assert_str_eq(out, HEAD "<value><int>-2147483648</int></value>\n" TAIL);
	free(out);
	xv_free(n);
	n = xv_bool(false);
	out = written(n);
	ck_assert_str_eq(out, HEAD "<value><boolean>0</boolean></value>\n" TAIL);
	free(out);
	xv_free(n);
	n = xv_nil();
	out = written(n);
	ck_assert_str_eq(out, HEAD "<value><nil/></value>\n" TAIL);
	free(out);
	xv_free(n);
	/* repr(): shortest round trip, integral values keep ".0" */
	const struct {
		double d;
		const char *text;
	} dbl[] = {{0.1, "0.1"}, {2.0, "2.0"}, {1e16, "1e+16"}, {-0.5, "-0.5"}};
	for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
		char want[256];
		snprintf(want, sizeof(want), HEAD "<value><double>%s</double></value>\n" TAIL,
			 dbl[i].text);
		n = xv_double(dbl[i].d);
		out = written(n);
		ck_assert_str_eq(out, want);
		free(out);
		xv_free(n);
	}
}
END_TEST

START_TEST(write_strings)
{
	/* valid UTF-8 passes, other bytes become U+FFFD, control characters
	 * pass as xmlrpclib writes them */
	struct xv *v = xv_strn("\xc3\xa9\xff\x01\n&", 6);
	char *out = written(v);
	ck_assert_str_eq(out, HEAD
			 "<value><string>\xc3\xa9\xef\xbf\xbd\x01\n&amp;</string></value>\n" TAIL);
	free(out);
	xv_free(v);
	/* a NUL in the middle is kept (a log may hold one) */
	v = xv_strn("a\0b", 3);
	char *o;
	size_t len;
	ck_assert_int_eq(xmlrpc_write_response(v, &o, &len), 0);
	ck_assert_ptr_nonnull(memmem(o, len, "a\0b", 3));
	free(o);
	xv_free(v);
	/* a truncated sequence at the end */
	v = xv_strn("ok\xe2\x82", 4);
	out = written(v);
	ck_assert_str_eq(out,
			 HEAD "<value><string>ok\xef\xbf\xbd\xef\xbf\xbd</string></value>\n" TAIL);
	free(out);
	xv_free(v);
}
END_TEST

/* Escaping in pieces, cut anywhere, gives what escaping the whole gives;
 * an XV_FILE is written as the string of its bytes; the parts form the
 * same document. */
START_TEST(write_streamed)
{
	static const char text[] = "a<b>&c \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
				   "bad \xff\x80 cut \xe2\x82 x \xed\xa0\x80 end\xe2";
	size_t n = sizeof(text) - 1;
	struct xv *v = xv_strn(text, n);
	char *whole = written(v);
	xv_free(v);
	char *body = strstr(whole, "<string>") + 8;
	size_t blen = (size_t)(strstr(body, "</string>") - body);
	for (size_t cut = 0; cut <= n; cut++) {
		char out[XMLRPC_ESCAPED_MAX(sizeof(text)) * 2], *o = out;
		size_t olen, used = xmlrpc_escape_stream(text, cut, false, o, &olen);
		ck_assert_uint_le(cut - used, 3);
		o += olen;
		char rest[sizeof(text) + 4];
		memcpy(rest, text + used, n - used);
		xmlrpc_escape_stream(rest, n - used, true, o, &olen);
		o += olen;
		ck_assert_msg((size_t)(o - out) == blen && !memcmp(out, body, blen), "cut at %zu",
			      cut);
	}
	/* the same bytes from a file, as one value and as parts */
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	fwrite("xx", 1, 2, f);
	fwrite(text, 1, n, f);
	fflush(f);
	v = xv_array();
	xv_push(v, xv_file(dup(fileno(f)), 2, 2 + (int64_t)n));
	char *fromfile = written(v);
	ck_assert_ptr_nonnull(strstr(fromfile, "<string>"));
	ck_assert(!memcmp(strstr(fromfile, "<string>") + 8, body, blen));
	struct xr_part *parts;
	size_t np;
	ck_assert_int_eq(xmlrpc_write_parts(v, &parts, &np), 0);
	ck_assert_uint_eq(np, 3);
	ck_assert_ptr_null(parts[1].text);
	ck_assert_int_eq(parts[1].start, 2);
	ck_assert_int_eq(parts[1].end, 2 + (int64_t)n);
	ck_assert(!strncmp(fromfile, parts[0].text, parts[0].len));
	xmlrpc_parts_free(parts, np);
	xv_free(v);
	fclose(f);
	free(fromfile);
	free(whole);
}
END_TEST

START_TEST(write_fault)
{
	char *out;
	size_t len;
	ck_assert_int_eq(xmlrpc_write_fault(10, "BAD_NAME: a<b", &out, &len), 0);
	ck_assert_str_eq(out, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"
			      "<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n"
			      "</member>\n<member>\n<name>faultString</name>\n"
			      "<value><string>BAD_NAME: a&lt;b</string></value>\n</member>\n"
			      "</struct></value>\n</fault>\n</methodResponse>\n");
	free(out);
	ck_assert_int_eq(xmlrpc_fault_code("BAD_NAME"), 10);
	ck_assert_int_eq(xmlrpc_fault_code("CANT_REREAD"), 92);
	ck_assert_int_eq(xmlrpc_fault_code("whatever"), 30);
}
END_TEST

/* An element that could not be added poisons the whole value. */
START_TEST(write_failed)
{
	struct xv *a = xv_array();
	xv_push(a, xv_int(1));
	struct xv *s = xv_struct();
	ck_assert_int_eq(xv_set(s, "k", NULL), -ENOMEM);
	xv_push(a, s);
	char *out;
	size_t len;
	ck_assert_int_eq(xmlrpc_write_response(a, &out, &len), -ENOMEM);
	xv_free(a);
}
END_TEST

/* What the writer writes, the parser reads back (the response's value
 * wrapped as a call's param). */
START_TEST(round_trip)
{
	struct xv *s = xv_struct();
	xv_set(s, "name", xv_str("a & b"));
	xv_set(s, "n", xv_int(-3));
	struct xv *inner = xv_array();
	xv_push(inner, xv_bool(true));
	xv_set(s, "list", inner);
	char *out = written(s);
	char *vs = strstr(out, "<value>"), *ve = strstr(out, "</param>");
	char body[2048];
	snprintf(body, sizeof(body),
		 "<methodCall><methodName>x.y</methodName><params><param>%.*s</param></params>"
		 "</methodCall>",
		 (int)(ve - vs), vs);
	char *m;
	struct xv *p;
	ck_assert_int_eq(parse(body, &m, &p), 0);
	const struct xv *v = p->v[0];
	ck_assert_str_eq(xv_get(v, "name")->s, "a & b");
	ck_assert_int_eq(xv_get(v, "n")->i, -3);
	ck_assert_int_eq(xv_get(v, "list")->v[0]->i, 1);
	done(m, p);
	free(out);
	xv_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xmlrpc");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, parse_scalars);
	tcase_add_test(tc, parse_containers);
	tcase_add_test(tc, parse_no_params);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, parse_doctype);
	tcase_add_test(tc, parse_depth);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_add_test(tc, write_values);
	tcase_add_test(tc, write_strings);
	tcase_add_test(tc, write_streamed);
	tcase_add_test(tc, write_fault);
	tcase_add_test(tc, write_failed);
	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
