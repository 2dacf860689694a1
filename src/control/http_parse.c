/* HTTP/1.x request parsing: request head, path and query, body framing,
 * the chunked transfer coding, reason phrases. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

/* ---------------------------------------------------------------- characters */

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

/* Control characters other than HTAB: never inside a header line. */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---------------------------------------------------------------- head */

size_t http_head_end(const char *buf, size_t len, size_t *scan)
{
	size_t start = 0;
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	size_t i = *scan > start ? *scan : start;
	for (; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 >= len || (buf[i + 1] == '\r' && i + 2 >= len)) {
			*scan = i; /* undecided: look at this LF again */
			return 0;
		}
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	*scan = len;
	return 0;
}

int http_pct_decode(char *s, bool plus)
{
	char *o = s;
	for (const char *p = s; *p; p++) {
		if (*p == '%') {
			int a = hexval((unsigned char)p[1]);
			int b = a < 0 ? -1 : hexval((unsigned char)p[2]);
			if (b < 0 || (a == 0 && b == 0))
				return -EBADMSG;
			*o++ = (char)(a << 4 | b);
			p += 2;
		} else if (plus && *p == '+') {
			*o++ = ' ';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return 0;
}

/* "HTTP/" DIGIT "." DIGIT.  Returns the minor version (1.2 and on count as
 * 1.1, as RFC 9110 asks), -EPROTONOSUPPORT or -EBADMSG. */
static int parse_version(const char *v)
{
	if (strncmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9' || v[8])
		return -EBADMSG;
	if (v[5] != '1')
		return -EPROTONOSUPPORT;
	return v[7] == '0' ? 0 : 1;
}

static int parse_query(char *q, struct http_head *h)
{
	while (q && *q) {
		char *next = strchr(q, '&');
		if (next)
			*next++ = '\0';
		if (*q) {
			if (h->nargs == HTTP_MAX_ARGS)
				return -EBADMSG;
			char *eq = strchr(q, '=');
			if (eq)
				*eq++ = '\0';
			if (http_pct_decode(q, true) < 0 || (eq && http_pct_decode(eq, true) < 0))
				return -EBADMSG;
			h->args[h->nargs].name = q;
			h->args[h->nargs].value = eq ? eq : "";
			h->nargs++;
		}
		q = next;
	}
	return 0;
}

/* Cuts the path and the query out of the request target. */
static int parse_target(char *t, struct http_head *h)
{
	char *frag = strchr(t, '#');
	if (frag)
		*frag = '\0';
	if (!strcmp(t, "*")) {
		h->path = t;
		return 0;
	}
	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		t = strstr(t, "//") + 2;
		t += strcspn(t, "/?");
		if (*t != '/') { /* "http://host?x": the path is "/" */
			h->path = "/";
			return *t == '?' ? parse_query(t + 1, h) : 0;
		}
	}
	if (*t != '/')
		return -EBADMSG;
	char *q = strchr(t, '?');
	if (q)
		*q++ = '\0';
	if (http_pct_decode(t, false) < 0)
		return -EBADMSG;
	h->path = t;
	return parse_query(q, h);
}

/* The next line of buf, NUL-terminated in place without its CR LF. */
static char *next_line(char **p, char *end)
{
	char *l = *p;
	char *nl = memchr(l, '\n', (size_t)(end - l));
	if (!nl)
		return NULL;
	*p = nl + 1;
	if (nl > l && nl[-1] == '\r')
		nl--;
	*nl = '\0';
	return l;
}

static int parse_request_line(char *l, struct http_head *h)
{
	char *m = l;
	while (is_tchar((unsigned char)*l))
		l++;
	if (l == m || *l != ' ')
		return -EBADMSG;
	*l++ = '\0';
	char *t = l;
	while (*l && *l != ' ') {
		if (is_ctl((unsigned char)*l) || *l == '\t' || (unsigned char)*l >= 0x80)
			return -EBADMSG;
		l++;
	}
	if (l == t || *l != ' ')
		return -EBADMSG;
	*l++ = '\0';
	int v = parse_version(l);
	if (v < 0)
		return v;
	h->method = m;
	h->minor = v;
	return parse_target(t, h);
}

static int parse_header(char *l, struct http_head *h)
{
	char *n = l;
	while (is_tchar((unsigned char)*l))
		l++;
	if (l == n || *l != ':')
		return -EBADMSG; /* also obs-fold and a space before the colon */
	*l++ = '\0';
	while (*l == ' ' || *l == '\t')
		l++;
	char *v = l, *e = l;
	for (; *l; l++) {
		if (is_ctl((unsigned char)*l))
			return -EBADMSG;
		if (*l != ' ' && *l != '\t')
			e = l + 1;
	}
	*e = '\0';
	if (h->nhdrs == HTTP_MAX_HEADERS)
		return -E2BIG;
	h->hdrs[h->nhdrs].name = n;
	h->hdrs[h->nhdrs].value = v;
	h->nhdrs++;
	return 0;
}

int http_parse_head(char *buf, size_t len, struct http_head *h)
{
	memset(h, 0, sizeof(*h));
	char *p = buf, *end = buf + len;
	/* A NUL would end a string early: nothing after it would be checked. */
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	char *l = next_line(&p, end);
	if (!l || strchr(l, '\r'))
		return -EBADMSG;
	int r = parse_request_line(l, h);
	if (r < 0)
		return r;
	while ((l = next_line(&p, end)) && *l) {
		r = parse_header(l, h);
		if (r < 0)
			return r;
	}
	if (!l)
		return -EBADMSG; /* no empty line: not a complete head */
	return 0;
}

const char *http_head_header(const struct http_head *h, const char *name)
{
	for (size_t i = 0; i < h->nhdrs; i++)
		if (!strcasecmp(h->hdrs[i].name, name))
			return h->hdrs[i].value;
	return NULL;
}

const char *http_head_arg(const struct http_head *h, const char *name)
{
	for (size_t i = 0; i < h->nargs; i++)
		if (!strcmp(h->args[i].name, name))
			return h->args[i].value;
	return NULL;
}

bool http_list_has(const char *v, const char *token)
{
	size_t n = strlen(token);
	while (v && *v) {
		v += strspn(v, " \t,");
		size_t k = strcspn(v, ",");
		size_t e = k;
		while (e > 0 && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e == n && !strncasecmp(v, token, n))
			return true;
		v += k;
	}
	return false;
}

/* ---------------------------------------------------------------- origins */

/* Splits an authority ("host", "host:port", "[v6]:port", with userinfo
 * dropped) ending at end.  The host is [*h, *h + *hlen); *port is NULL
 * when absent.  Returns false when malformed. */
static bool split_authority(const char *a, const char *end, const char **h, size_t *hlen,
			    const char **port, size_t *plen)
{
	const char *at = memchr(a, '@', (size_t)(end - a));
	if (at)
		a = at + 1;
	const char *colon;
	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));
		if (!rb)
			return false;
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		if (!colon && rb + 1 != end)
			return false;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
	}
	*h = a;
	*hlen = (size_t)((colon ? colon : end) - a);
	*port = colon ? colon + 1 : NULL;
	*plen = colon ? (size_t)(end - colon - 1) : 0;
	return *hlen > 0;
}

/* A port as a number: digits only, empty meaning the default. */
static long port_value(const char *p, size_t n, long dflt)
{
	if (!p || !n)
		return dflt;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || v > 65535)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

bool http_same_origin(const char *url, const char *host)
{
	long dflt;
	if (!strncasecmp(url, "http://", 7))
		dflt = 80, url += 7;
	else if (!strncasecmp(url, "https://", 8))
		dflt = 443, url += 8;
	else
		return false; /* "null" (an opaque origin) included */
	const char *uh, *up, *hh, *hp;
	size_t uhl, upl, hhl, hpl;
	if (!split_authority(url, url + strcspn(url, "/?#"), &uh, &uhl, &up, &upl) ||
	    !split_authority(host, host + strlen(host), &hh, &hhl, &hp, &hpl))
		return false;
	long a = port_value(up, upl, dflt), b = port_value(hp, hpl, dflt);
	return uhl == hhl && !strncasecmp(uh, hh, uhl) && a >= 0 && a == b;
}

bool http_media_type_is(const char *ctype, const char *type)
{
	size_t n = strlen(type);
	ctype += strspn(ctype, " \t");
	if (strncasecmp(ctype, type, n))
		return false;
	ctype += n;
	ctype += strspn(ctype, " \t");
	return !*ctype || *ctype == ';';
}

/* ---------------------------------------------------------------- framing */

int http_content_length(const char *v, uint64_t *out)
{
	if (!*v || strspn(v, "0123456789") != strlen(v))
		return -EBADMSG;
	uint64_t n = 0;
	for (; *v; v++) {
		unsigned d = (unsigned)(*v - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -EOVERFLOW;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

int http_body_framing(const struct http_head *h, bool *chunked, uint64_t *length)
{
	bool have_cl = false, have_te = false;
	uint64_t cl = 0;
	int over = 0;
	*chunked = false;
	*length = 0;
	for (size_t i = 0; i < h->nhdrs; i++) {
		const struct http_kv *kv = &h->hdrs[i];
		if (!strcasecmp(kv->name, "Transfer-Encoding")) {
			/* Only "chunked", once: anything else we cannot decode. */
			if (have_te || strcasecmp(kv->value, "chunked"))
				return h->minor == 0 ? -EBADMSG : -ENOSYS;
			have_te = true;
		} else if (!strcasecmp(kv->name, "Content-Length")) {
			uint64_t v;
			int r = http_content_length(kv->value, &v);
			if (r == -EOVERFLOW) {
				over = r;
				continue;
			}
			if (r < 0 || (have_cl && v != cl))
				return -EBADMSG;
			have_cl = true;
			cl = v;
		}
	}
	if (have_te && (have_cl || over || h->minor == 0))
		return -EBADMSG;
	if (over)
		return over;
	*chunked = have_te;
	*length = cl;
	return 0;
}

/* ---------------------------------------------------------------- chunked */

enum {
	CH_SIZE,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_DONE,
};

#define TRAILERS_MAX (4 * HTTP_CHUNK_LINE_MAX)

static int after_size_line(struct http_chunked *c)
{
	c->line = 0;
	c->digits = 0;
	return c->left ? CH_DATA : CH_TRAILER;
}

int http_chunked_decode(struct http_chunked *c, char *buf, size_t len, size_t *used, size_t *out)
{
	size_t i = 0, o = 0;
	int r = 0;
	while (i < len && c->state != CH_DONE) {
		if (c->state == CH_DATA) {
			size_t n = len - i < c->left ? len - i : (size_t)c->left;
			memmove(buf + o, buf + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		unsigned char ch = (unsigned char)buf[i++];
		switch (c->state) {
		case CH_SIZE: {
			int v = hexval(ch);
			if (v >= 0 && c->digits < 16) {
				c->left = c->left << 4 | (unsigned)v;
				c->digits++;
			} else if (c->digits && (ch == ';' || ch == ' ' || ch == '\t')) {
				c->state = CH_EXT;
			} else if (c->digits && ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (c->digits && ch == '\n') {
				c->state = after_size_line(c);
			} else {
				r = -EBADMSG;
			}
			break;
		}
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == '\n')
				c->state = after_size_line(c);
			else if (is_ctl(ch) || ++c->line > HTTP_CHUNK_LINE_MAX)
				r = -EBADMSG;
			break;
		case CH_SIZE_LF:
			if (ch == '\n')
				c->state = after_size_line(c);
			else
				r = -EBADMSG;
			break;
		case CH_DATA_CR:
			if (ch == '\r')
				c->state = CH_DATA_LF;
			else if (ch == '\n')
				c->state = CH_SIZE;
			else
				r = -EBADMSG;
			break;
		case CH_DATA_LF:
			if (ch == '\n')
				c->state = CH_SIZE;
			else
				r = -EBADMSG;
			break;
		case CH_TRAILER:
			/* digits counts all trailer bytes, line this line's. */
			if (++c->digits > TRAILERS_MAX) {
				r = -EBADMSG;
			} else if (ch == '\r') {
				c->state = c->line ? CH_TRAILER_LF : CH_END_LF;
			} else if (ch == '\n') {
				if (!c->line)
					c->state = CH_DONE;
				c->line = 0;
			} else if (is_ctl(ch) || ++c->line > HTTP_CHUNK_LINE_MAX) {
				r = -EBADMSG;
			}
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				r = -EBADMSG;
			c->state = CH_TRAILER;
			c->line = 0;
			break;
		case CH_END_LF:
			if (ch == '\n')
				c->state = CH_DONE;
			else
				r = -EBADMSG;
			break;
		}
		if (r < 0)
			break;
	}
	*used = i;
	*out = o;
	if (r < 0)
		return r;
	return c->state == CH_DONE;
}

/* ---------------------------------------------------------------- responses */

const char *http_reason(unsigned status)
{
	static const struct {
		unsigned status;
		const char *text;
	} reasons[] = {
	    {100, "Continue"},
	    {200, "OK"},
	    {201, "Created"},
	    {202, "Accepted"},
	    {204, "No Content"},
	    {206, "Partial Content"},
	    {301, "Moved Permanently"},
	    {302, "Found"},
	    {304, "Not Modified"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {408, "Request Timeout"},
	    {409, "Conflict"},
	    {410, "Gone"},
	    {411, "Length Required"},
	    {413, "Content Too Large"},
	    {414, "URI Too Long"},
	    {415, "Unsupported Media Type"},
	    {416, "Range Not Satisfiable"},
	    {417, "Expectation Failed"},
	    {422, "Unprocessable Content"},
	    {429, "Too Many Requests"},
	    {431, "Request Header Fields Too Large"},
	    {500, "Internal Server Error"},
	    {501, "Not Implemented"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Gateway Timeout"},
	    {505, "HTTP Version Not Supported"},
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "";
}
