/* XML-RPC values, parsing and writing (xmlrpc_val.h). */
#include "config.h"

#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "utf8.h"
#include "xmlrpc_val.h"

/* ---------------------------------------------------------------- values */

static struct xv *xv_new(enum xv_type t)
{
	struct xv *v = calloc(1, sizeof(*v));
	if (v)
		v->type = t;
	return v;
}

struct xv *xv_int(int64_t i)
{
	struct xv *v = xv_new(XV_INT);
	if (v)
		v->i = i;
	return v;
}

struct xv *xv_bool(bool b)
{
	struct xv *v = xv_new(XV_BOOL);
	if (v)
		v->i = b;
	return v;
}

struct xv *xv_double(double d)
{
	struct xv *v = xv_new(XV_DOUBLE);
	if (v)
		v->d = d;
	return v;
}

struct xv *xv_strn(const char *s, size_t len)
{
	struct xv *v = xv_new(XV_STRING);
	if (!v)
		return NULL;
	v->s = malloc(len + 1);
	if (!v->s) {
		free(v);
		return NULL;
	}
	if (len)
		memcpy(v->s, s, len);
	v->s[len] = '\0';
	v->len = len;
	return v;
}

struct xv *xv_str(const char *s)
{
	return xv_strn(s ? s : "", s ? strlen(s) : 0);
}

struct xv *xv_file(int fd, int64_t start, int64_t end)
{
	struct xv *v = xv_new(XV_FILE);
	if (!v) {
		close(fd);
		return NULL;
	}
	v->fd = fd;
	v->start = start;
	v->end = end < start ? start : end;
	return v;
}

bool xv_has_file(const struct xv *v)
{
	if (!v)
		return false;
	if (v->type == XV_FILE)
		return true;
	for (size_t i = 0; i < v->n; i++)
		if (xv_has_file(v->v[i]))
			return true;
	return false;
}

struct xv *xv_array(void)
{
	return xv_new(XV_ARRAY);
}

struct xv *xv_struct(void)
{
	return xv_new(XV_STRUCT);
}

struct xv *xv_nil(void)
{
	return xv_new(XV_NIL);
}

static int xv_grow(struct xv *c)
{
	if (c->n < c->cap)
		return 0;
	size_t cap = c->cap ? 2 * c->cap : 8;
	struct xv **v = realloc(c->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->v = v;
	if (c->type == XV_STRUCT) {
		char **k = realloc(c->keys, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		c->keys = k;
	}
	c->cap = cap;
	return 0;
}

int xv_push(struct xv *arr, struct xv *v)
{
	if (!arr) {
		xv_free(v);
		return -ENOMEM;
	}
	if (!v || xv_grow(arr) < 0) {
		xv_free(v);
		arr->failed = true;
		return -ENOMEM;
	}
	arr->v[arr->n++] = v;
	return 0;
}

int xv_set(struct xv *st, const char *key, struct xv *v)
{
	if (!st) {
		xv_free(v);
		return -ENOMEM;
	}
	char *k = strdup(key);
	if (!v || !k || xv_grow(st) < 0) {
		free(k);
		xv_free(v);
		st->failed = true;
		return -ENOMEM;
	}
	st->keys[st->n] = k;
	st->v[st->n++] = v;
	return 0;
}

const struct xv *xv_get(const struct xv *st, const char *key)
{
	if (!st || st->type != XV_STRUCT)
		return NULL;
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->keys[i], key))
			return st->v[i];
	return NULL;
}

bool xv_failed(const struct xv *v)
{
	if (!v || v->failed)
		return true;
	for (size_t i = 0; i < v->n; i++)
		if (xv_failed(v->v[i]))
			return true;
	return false;
}

void xv_free(struct xv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		xv_free(v->v[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->v);
	free(v->keys);
	free(v->s);
	if (v->type == XV_FILE && v->fd >= 0)
		close(v->fd);
	free(v);
}

/* ---------------------------------------------------------------- parser */

/* The element being read: where its text goes and what it makes. */
enum el {
	EL_NONE,
	EL_CALL,
	EL_METHOD,
	EL_PARAMS,
	EL_PARAM,
	EL_VALUE,
	EL_SCALAR,
	EL_ARRAY,
	EL_DATA,
	EL_STRUCT,
	EL_MEMBER,
	EL_NAME,
};

/* One open element.  A value's result waits in val until its parent
 * takes it (param, data or member). */
struct frame {
	enum el el;
	enum xv_type type; /* EL_SCALAR */
	struct xv *val;	   /* EL_VALUE: the value read; EL_ARRAY/EL_STRUCT: the container */
	char *name;	   /* EL_MEMBER: the member's name */
	bool has_name;
	bool typed; /* EL_VALUE: a type element was seen */
};

#define MAX_FRAMES (4 + 4 * XMLRPC_MAX_DEPTH)

struct pstate {
	XML_Parser xp;
	int err;
	struct frame f[MAX_FRAMES];
	int top; /* index of the innermost frame, -1: none */
	int depth;
	char *text;
	size_t tlen, tcap;
	char *method;
	struct xv *params;
	bool have_params;
};

static void fail(struct pstate *s, int err)
{
	if (!s->err)
		s->err = err;
	XML_StopParser(s->xp, XML_FALSE);
}

static const struct {
	const char *tag;
	enum xv_type type;
} scalars[] = {
    {"int", XV_INT},	   {"i4", XV_INT},	  {"i8", XV_INT},
    {"boolean", XV_BOOL},  {"string", XV_STRING}, {"double", XV_DOUBLE},
    {"base64", XV_STRING}, {"nil", XV_NIL},	  {"dateTime.iso8601", XV_DATETIME},
};

/* Which elements may appear inside which. */
static bool allowed(enum el parent, enum el child)
{
	switch (child) {
	case EL_CALL:
		return parent == EL_NONE;
	case EL_METHOD:
	case EL_PARAMS:
		return parent == EL_CALL;
	case EL_PARAM:
		return parent == EL_PARAMS;
	case EL_VALUE:
		return parent == EL_PARAM || parent == EL_DATA || parent == EL_MEMBER;
	case EL_SCALAR:
	case EL_ARRAY:
	case EL_STRUCT:
		return parent == EL_VALUE;
	case EL_DATA:
		return parent == EL_ARRAY;
	case EL_MEMBER:
		return parent == EL_STRUCT;
	case EL_NAME:
		return parent == EL_MEMBER;
	default:
		return false;
	}
}

static void XMLCALL on_start(void *arg, const XML_Char *tag, const XML_Char **attrs)
{
	struct pstate *s = arg;
	if (s->err)
		return;
	struct frame fr = {.el = EL_NONE};
	if (!strcmp(tag, "methodCall"))
		fr.el = EL_CALL;
	else if (!strcmp(tag, "methodName"))
		fr.el = EL_METHOD;
	else if (!strcmp(tag, "params"))
		fr.el = EL_PARAMS;
	else if (!strcmp(tag, "param"))
		fr.el = EL_PARAM;
	else if (!strcmp(tag, "value"))
		fr.el = EL_VALUE;
	else if (!strcmp(tag, "array"))
		fr.el = EL_ARRAY;
	else if (!strcmp(tag, "data"))
		fr.el = EL_DATA;
	else if (!strcmp(tag, "struct"))
		fr.el = EL_STRUCT;
	else if (!strcmp(tag, "member"))
		fr.el = EL_MEMBER;
	else if (!strcmp(tag, "name"))
		fr.el = EL_NAME;
	for (size_t i = 0; fr.el == EL_NONE && i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (!strcmp(tag, scalars[i].tag)) {
			fr.el = EL_SCALAR;
			fr.type = scalars[i].type;
		}
	enum el parent = s->top >= 0 ? s->f[s->top].el : EL_NONE;
	if (fr.el == EL_NONE || !allowed(parent, fr.el)) {
		fail(s, -EINVAL);
		return;
	}
	if (fr.el == EL_ARRAY || fr.el == EL_STRUCT) {
		if (++s->depth > XMLRPC_MAX_DEPTH) {
			fail(s, -ELOOP);
			return;
		}
		fr.val = fr.el == EL_ARRAY ? xv_array() : xv_struct();
		if (!fr.val) {
			fail(s, -ENOMEM);
			return;
		}
	}
	if (s->top + 1 >= MAX_FRAMES) {
		xv_free(fr.val);
		fail(s, -ELOOP);
		return;
	}
	if (parent == EL_VALUE) {
		if (s->f[s->top].typed) { /* two values in one */
			xv_free(fr.val);
			fail(s, -EINVAL);
			return;
		}
		s->f[s->top].typed = true;
	}
	if (fr.el == EL_PARAMS)
		s->have_params = true;
	s->f[++s->top] = fr;
	s->tlen = 0;
	if (s->text)
		s->text[0] = '\0';
}

static void XMLCALL on_text(void *arg, const XML_Char *t, int len)
{
	struct pstate *s = arg;
	if (s->err || s->top < 0 || len <= 0)
		return;
	if (buf_append(&s->text, &s->tlen, &s->tcap, t, (size_t)len) < 0)
		fail(s, -ENOMEM);
}

static const char *trim(char *t, size_t *len)
{
	while (*len && strchr(" \t\r\n", t[*len - 1]))
		t[--*len] = '\0';
	while (*t && strchr(" \t\r\n", *t))
		t++, --*len;
	return t;
}

static struct xv *make_scalar(struct pstate *s, enum xv_type type)
{
	char *t = s->text ? s->text : (char *)"";
	size_t len = s->tlen;
	char *end;
	switch (type) {
	case XV_INT: {
		const char *n = trim(t, &len);
		errno = 0;
		long long v = strtoll(n, &end, 10);
		if (!*n || *end || errno) {
			fail(s, -EINVAL);
			return NULL;
		}
		return xv_int(v);
	}
	case XV_BOOL:
		/* supervisord's unmarshaller: "1" is true, anything else false */
		return xv_bool(len == 1 && t[0] == '1');
	case XV_DOUBLE: {
		const char *n = trim(t, &len);
		double d = strtod(n, &end);
		if (!*n || *end) {
			fail(s, -EINVAL);
			return NULL;
		}
		return xv_double(d);
	}
	case XV_NIL:
		return xv_nil();
	case XV_DATETIME: {
		struct xv *v = xv_strn(t, len);
		if (v)
			v->type = XV_DATETIME;
		return v;
	}
	default:
		return xv_strn(t, len);
	}
}

static void XMLCALL on_end(void *arg, const XML_Char *tag)
{
	struct pstate *s = arg;
	if (s->err || s->top < 0)
		return;
	struct frame *fr = &s->f[s->top];
	struct frame *up = s->top > 0 ? &s->f[s->top - 1] : NULL;
	struct xv *v = NULL;
	switch (fr->el) {
	case EL_METHOD:
		free(s->method);
		s->method = strdup(s->text ? s->text : "");
		if (!s->method)
			fail(s, -ENOMEM);
		break;
	case EL_SCALAR:
		if (!strcmp(tag, "base64")) {
			ssize_t n =
			    s->text ? buf_b64_decode(s->text, s->tlen, s->text, s->tlen + 1) : 0;
			if (n < 0) {
				fail(s, -EINVAL);
				break;
			}
			s->tlen = (size_t)n;
		}
		v = make_scalar(s, fr->type);
		if (!v && !s->err)
			fail(s, -ENOMEM);
		up->val = v;
		break;
	case EL_ARRAY:
	case EL_STRUCT:
		s->depth--;
		up->val = fr->val;
		fr->val = NULL;
		break;
	case EL_VALUE:
		if (!fr->typed) /* bare text is a string */
			fr->val = xv_strn(s->text ? s->text : "", s->tlen);
		if (!fr->val) {
			fail(s, -ENOMEM);
			break;
		}
		if (up->el == EL_DATA) {
			/* data's frame is above array's: the array holds it */
			struct frame *arr = &s->f[s->top - 2];
			if (xv_push(arr->val, fr->val) < 0)
				fail(s, -ENOMEM);
		} else if (up->el == EL_MEMBER) {
			if (up->val) {
				fail(s, -EINVAL);
				xv_free(fr->val);
			} else {
				up->val = fr->val;
			}
		} else { /* param */
			if (up->val) {
				fail(s, -EINVAL);
				xv_free(fr->val);
			} else {
				up->val = fr->val;
			}
		}
		fr->val = NULL;
		break;
	case EL_NAME:
		free(up->name);
		up->name = strdup(s->text ? s->text : "");
		up->has_name = true;
		if (!up->name)
			fail(s, -ENOMEM);
		break;
	case EL_MEMBER:
		if (!fr->val || !fr->has_name) {
			fail(s, -EINVAL);
			break;
		}
		if (xv_set(up->val, fr->name, fr->val) < 0)
			fail(s, -ENOMEM);
		fr->val = NULL;
		break;
	case EL_PARAM:
		if (!fr->val) {
			fail(s, -EINVAL);
			break;
		}
		if (xv_push(s->params, fr->val) < 0)
			fail(s, -ENOMEM);
		fr->val = NULL;
		break;
	default:
		break;
	}
	xv_free(fr->val);
	free(fr->name);
	memset(fr, 0, sizeof(*fr));
	s->top--;
	s->tlen = 0;
	if (s->text)
		s->text[0] = '\0';
}

/* Entities are never expanded: no DTD is accepted at all. */
static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	fail(arg, -EINVAL);
}

static void XMLCALL on_entity(void *arg, const XML_Char *name, int pe, const XML_Char *value,
			      int len, const XML_Char *base, const XML_Char *sysid,
			      const XML_Char *pubid, const XML_Char *notation)
{
	fail(arg, -EINVAL);
}

int xmlrpc_parse_call(const char *buf, size_t len, char **method, struct xv **params)
{
	*method = NULL;
	*params = NULL;
	if (len > INT32_MAX)
		return -EINVAL;
	struct pstate s = {.top = -1};
	s.params = xv_array();
	s.xp = XML_ParserCreate(NULL);
	if (!s.params || !s.xp) {
		xv_free(s.params);
		if (s.xp)
			XML_ParserFree(s.xp);
		return -ENOMEM;
	}
	XML_SetUserData(s.xp, &s);
	XML_SetElementHandler(s.xp, on_start, on_end);
	XML_SetCharacterDataHandler(s.xp, on_text);
	XML_SetStartDoctypeDeclHandler(s.xp, on_doctype);
	XML_SetEntityDeclHandler(s.xp, on_entity);
	XML_SetParamEntityParsing(s.xp, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(s.xp, buf, (int)len, XML_TRUE) != XML_STATUS_OK && !s.err)
		s.err = -EINVAL;
	XML_ParserFree(s.xp);
	for (int i = 0; i <= s.top; i++) {
		xv_free(s.f[i].val);
		free(s.f[i].name);
	}
	free(s.text);
	if (!s.err && (!s.method || !*s.method))
		s.err = -ENOMSG;
	if (s.err) {
		free(s.method);
		xv_free(s.params);
		return s.err;
	}
	*method = s.method;
	*params = s.params;
	return 0;
}

/* ---------------------------------------------------------------- writer */

struct out {
	char *s;
	size_t n, cap;
	bool oom;
	/* xmlrpc_write_parts: the parts so far (the text in s comes next) */
	struct xr_part *parts;
	size_t nparts;
	bool parts_mode;
	int err;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (!o->oom && buf_append(&o->s, &o->n, &o->cap, s, n) < 0)
		o->oom = true;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Is s[0..n) the start of a UTF-8 sequence that more bytes could
 * complete? */
static bool utf8_prefix(const unsigned char *s, size_t n)
{
	size_t k = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (s[0] < 0xc2 || s[0] > 0xf4 || n >= k)
		return false;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return false;
	return true;
}

size_t xmlrpc_escape_stream(const char *in, size_t n, bool final, char *out, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in, *e = s + n;
	char *o = out;
	while (s < e) {
		if (*s < 0x80) {
			if (*s == '&')
				memcpy(o, "&amp;", 5), o += 5;
			else if (*s == '<')
				memcpy(o, "&lt;", 4), o += 4;
			else if (*s == '>')
				memcpy(o, "&gt;", 4), o += 4;
			else
				*o++ = (char)*s;
			s++;
			continue;
		}
		size_t k = utf8_len(s, (size_t)(e - s));
		if (!k && !final && utf8_prefix(s, (size_t)(e - s)))
			break;
		if (k) {
			memcpy(o, s, k);
			o += k;
			s += k;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			s++;
		}
	}
	*outlen = (size_t)(o - out);
	return (size_t)(s - (const unsigned char *)in);
}

/* xmlrpclib.escape: &, < and > only.  Control characters pass as they
 * are, as xmlrpclib writes them. */
static void put_escaped(struct out *o, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + len;
	while (s < e) {
		const unsigned char *run = s;
		while (s < e && *s < 0x80 && *s != '&' && *s != '<' && *s != '>')
			s++;
		put(o, (const char *)run, (size_t)(s - run));
		if (s == e)
			break;
		if (*s == '&')
			puts_(o, "&amp;"), s++;
		else if (*s == '<')
			puts_(o, "&lt;"), s++;
		else if (*s == '>')
			puts_(o, "&gt;"), s++;
		else {
			size_t k = utf8_len(s, (size_t)(e - s));
			if (k) {
				put(o, (const char *)s, k);
				s += k;
			} else {
				puts_(o, "\xef\xbf\xbd");
				s++;
			}
		}
	}
}

/* Python's repr of a float: the shortest text that reads back the same. */
static void put_double(struct out *o, double d)
{
	char b[64];
	if (isnan(d)) {
		puts_(o, "nan");
		return;
	}
	if (isinf(d)) {
		puts_(o, d < 0 ? "-inf" : "inf");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(b, sizeof(b), "%.*g", p, d);
		if (strtod(b, NULL) == d)
			break;
	}
	if (!strpbrk(b, ".en"))
		strcat(b, ".0");
	puts_(o, b);
}

static int add_part(struct out *o, struct xr_part p)
{
	struct xr_part *np = realloc(o->parts, (o->nparts + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	o->parts = np;
	o->parts[o->nparts++] = p;
	return 0;
}

/* The text so far becomes a part of its own. */
static void cut_text(struct out *o)
{
	if (o->oom || !o->n)
		return;
	if (add_part(o, (struct xr_part){.text = o->s, .len = o->n, .fd = -1}) < 0) {
		o->oom = true;
		return;
	}
	o->s = NULL;
	o->n = o->cap = 0;
}

/* An XV_FILE: a file part in parts mode, else read here (small answers,
 * unit tests). */
static void put_file(struct out *o, const struct xv *v)
{
	if (o->oom)
		return;
	if (o->parts_mode) {
		cut_text(o);
		int fd = o->oom ? -1 : fcntl(v->fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			o->err = o->oom ? -ENOMEM : -errno;
			o->oom = true;
			return;
		}
		if (add_part(o, (struct xr_part){.fd = fd, .start = v->start, .end = v->end}) < 0) {
			close(fd);
			o->oom = true;
		}
		return;
	}
	/* small: the escaped copy is several times the size, on the stack */
	char b[2048], esc[XMLRPC_ESCAPED_MAX(sizeof(b))];
	size_t carry = 0;
	int64_t pos = v->start;
	for (;;) {
		size_t want = sizeof(b) - carry;
		if ((int64_t)want > v->end - pos)
			want = (size_t)(v->end - pos);
		ssize_t got = want ? pread(v->fd, b + carry, want, pos) : 0;
		if (got < 0)
			got = 0;
		pos += got;
		bool final = got == 0 || pos >= v->end;
		size_t tot = carry + (size_t)got, elen;
		size_t used = xmlrpc_escape_stream(b, tot, final, esc, &elen);
		put(o, esc, elen);
		carry = tot - used;
		memmove(b, b + used, carry);
		if (final)
			return;
	}
}

static void put_value(struct out *o, const struct xv *v)
{
	char b[32];
	puts_(o, "<value>");
	switch (v->type) {
	case XV_INT:
		snprintf(b, sizeof(b), "<int>%lld</int>", (long long)v->i);
		puts_(o, b);
		break;
	case XV_BOOL:
		puts_(o, v->i ? "<boolean>1</boolean>" : "<boolean>0</boolean>");
		break;
	case XV_DOUBLE:
		puts_(o, "<double>");
		put_double(o, v->d);
		puts_(o, "</double>");
		break;
	case XV_STRING:
		puts_(o, "<string>");
		put_escaped(o, v->s, v->len);
		puts_(o, "</string>");
		break;
	case XV_DATETIME:
		puts_(o, "<dateTime.iso8601>");
		put_escaped(o, v->s, v->len);
		puts_(o, "</dateTime.iso8601>");
		break;
	case XV_NIL:
		puts_(o, "<nil/>");
		break;
	case XV_FILE:
		puts_(o, "<string>");
		put_file(o, v);
		puts_(o, "</string>");
		break;
	case XV_ARRAY:
		puts_(o, "<array><data>\n");
		for (size_t i = 0; i < v->n; i++)
			put_value(o, v->v[i]);
		puts_(o, "</data></array>");
		break;
	case XV_STRUCT:
		puts_(o, "<struct>\n");
		for (size_t i = 0; i < v->n; i++) {
			puts_(o, "<member>\n<name>");
			put_escaped(o, v->keys[i], strlen(v->keys[i]));
			puts_(o, "</name>\n");
			put_value(o, v->v[i]);
			puts_(o, "</member>\n");
		}
		puts_(o, "</struct>");
		break;
	}
	puts_(o, "</value>\n");
}

static int finish(struct out *o, char **out, size_t *len)
{
	if (o->oom) {
		free(o->s);
		return -ENOMEM;
	}
	*out = o->s;
	*len = o->n;
	return 0;
}

int xmlrpc_write_response(const struct xv *v, char **out, size_t *len)
{
	if (xv_failed(v))
		return -ENOMEM;
	struct out o = {0};
	puts_(&o, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
	put_value(&o, v);
	puts_(&o, "</param>\n</params>\n</methodResponse>\n");
	return finish(&o, out, len);
}

void xmlrpc_parts_free(struct xr_part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(parts[i].text);
		if (!parts[i].text && parts[i].fd >= 0)
			close(parts[i].fd);
	}
	free(parts);
}

int xmlrpc_write_parts(const struct xv *v, struct xr_part **parts, size_t *n)
{
	if (xv_failed(v))
		return -ENOMEM;
	struct out o = {.parts_mode = true};
	puts_(&o, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
	put_value(&o, v);
	puts_(&o, "</param>\n</params>\n</methodResponse>\n");
	cut_text(&o);
	if (o.oom) {
		free(o.s);
		xmlrpc_parts_free(o.parts, o.nparts);
		return o.err ? o.err : -ENOMEM;
	}
	*parts = o.parts;
	*n = o.nparts;
	return 0;
}

int xmlrpc_write_fault(int code, const char *msg, char **out, size_t *len)
{
	struct out o = {0};
	char b[64];
	puts_(&o, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"
		  "<member>\n<name>faultCode</name>\n");
	snprintf(b, sizeof(b), "<value><int>%d</int></value>\n", code);
	puts_(&o, b);
	puts_(&o, "</member>\n<member>\n<name>faultString</name>\n<value><string>");
	put_escaped(&o, msg, strlen(msg));
	puts_(&o, "</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n");
	return finish(&o, out, len);
}
