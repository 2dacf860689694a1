/* envfile: the env_file= parser (envfile.h says the syntax). */
#include "config.h"

#include "envfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct ef {
	const char *p, *end;
	int line;
	char *val; /* the value being built */
	size_t vlen, vcap;
	const char *why;
};

static int put(struct ef *e, char c)
{
	if (e->vlen + 1 >= e->vcap) {
		size_t cap = e->vcap ? e->vcap * 2 : 64;
		char *v = realloc(e->val, cap);
		if (!v)
			return -ENOMEM;
		e->val = v;
		e->vcap = cap;
	}
	e->val[e->vlen++] = c;
	e->val[e->vlen] = '\0';
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool key_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool key_char(char c)
{
	return key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int bad(struct ef *e, const char *why)
{
	e->why = why;
	return -EINVAL;
}

static void skip_blank(struct ef *e)
{
	while (e->p < e->end && blank(*e->p))
		e->p++;
}

/* After a closing quote: blanks, then a comment or the end of the line. */
static int after_quote(struct ef *e)
{
	skip_blank(e);
	if (e->p < e->end && *e->p == '#')
		while (e->p < e->end && *e->p != '\n')
			e->p++;
	if (e->p < e->end && *e->p != '\n')
		return bad(e, "text after the closing quote");
	return 0;
}

static int quoted(struct ef *e, char q)
{
	e->p++;
	for (;;) {
		if (e->p >= e->end)
			return bad(e, q == '"' ? "no closing '\"'" : "no closing \"'\"");
		char c = *e->p++;
		if (c == q)
			break;
		if (c == '\n')
			e->line++;
		if (c == '\\' && e->p < e->end) {
			char n = *e->p;
			if (q == '\'') {
				/* only the quote itself is escaped in '...' */
				if (n == '\'') {
					c = n;
					e->p++;
				}
			} else {
				static const char from[] = "nrt\\\"$'", to[] = "\n\r\t\\\"$'";
				const char *f = n ? strchr(from, n) : NULL;
				if (f) {
					c = to[f - from];
					e->p++;
				}
			}
		}
		if (c == '\0')
			return bad(e, "a NUL byte in the value");
		int r = put(e, c);
		if (r < 0)
			return r;
	}
	return after_quote(e);
}

static int unquoted(struct ef *e)
{
	const char *b = e->p;
	while (e->p < e->end && *e->p != '\n') {
		/* a comment needs a blank before it: VAL#x is a value */
		if (*e->p == '#' && e->p > b && blank(e->p[-1]))
			break;
		if (*e->p == '\0')
			return bad(e, "a NUL byte in the value");
		e->p++;
	}
	const char *v_end = e->p;
	while (v_end > b && blank(v_end[-1]))
		v_end--;
	while (e->p < e->end && *e->p != '\n')
		e->p++;
	for (const char *c = b; c < v_end; c++) {
		int r = put(e, *c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One non-blank, non-comment line: [export ]KEY=VALUE. */
static int assignment(struct ef *e, envfile_set_fn set, void *arg)
{
	if ((size_t)(e->end - e->p) > 7 && !strncmp(e->p, "export", 6) && blank(e->p[6])) {
		e->p += 6;
		skip_blank(e);
	}
	const char *k = e->p;
	if (e->p >= e->end || !key_start(*e->p))
		return bad(e, "expected KEY=VALUE (a key starts with a letter or '_')");
	while (e->p < e->end && key_char(*e->p))
		e->p++;
	size_t klen = (size_t)(e->p - k);
	skip_blank(e);
	if (e->p >= e->end || *e->p != '=')
		return bad(e, "expected '=' after the key");
	e->p++;
	skip_blank(e);
	/* put() keeps the value NUL-terminated; an empty value needs a buffer */
	if (!e->val && put(e, 'x') < 0)
		return -ENOMEM;
	e->vlen = 0;
	e->val[0] = '\0';
	int r;
	if (e->p < e->end && (*e->p == '"' || *e->p == '\''))
		r = quoted(e, *e->p);
	else
		r = unquoted(e);
	if (r < 0)
		return r;
	char *key = strndup(k, klen);
	if (!key)
		return -ENOMEM;
	r = set(arg, key, e->val);
	free(key);
	return r;
}

int envfile_parse(const char *text, size_t len, envfile_set_fn set, void *arg, int *line,
		  const char **why)
{
	struct ef e = {.p = text, .end = text + len, .line = 1};
	int r = 0;
	/* a UTF-8 byte order mark, as editors on some systems write one */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		e.p += 3;
	while (e.p < e.end) {
		skip_blank(&e);
		int at = e.line;
		if (e.p < e.end && *e.p != '\n' && *e.p != '#') {
			r = assignment(&e, set, arg);
			if (r < 0) {
				if (r == -EINVAL && e.why) {
					*line = at;
					*why = e.why;
				}
				break;
			}
		}
		while (e.p < e.end && *e.p != '\n')
			e.p++;
		if (e.p < e.end) {
			e.p++;
			e.line++;
		}
	}
	free(e.val);
	return r;
}
