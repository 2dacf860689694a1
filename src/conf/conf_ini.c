/* INI front-end: supervisord's reading of its config through Python's
 * configparser.RawConfigParser(inline_comment_prefixes=(';', '#'),
 * strict=False), reproduced line for line, quirks included, so that an
 * existing supervisord.conf means the same thing here.  The only departures
 * are stricter: problems Python would silently accept as odd options (an
 * unterminated "[header") or raise one at a time are all reported.
 *
 * Values are stored exactly as configparser would hand them to supervisord:
 * no '%' expansion, no unquoting (conf.c does that for every format). */
#include "config.h"

#include "buf.h"
#include "conf_raw.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Python's str.isspace() on the ASCII range: the C locale's set plus the
 * four separator controls 0x1c-0x1f, which strip() and \s also remove. */
static bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

struct ini {
	struct raw_conf *r;
	const char *file;
	struct diags *d;
	struct raw_section *sec;
	bool nosec_reported;
	/* The option being read: it is stored once a line shows that no more
	 * continuation lines follow. */
	bool in_opt;
	char *key;
	int key_line;
	struct buf val;
	size_t blanks; /* blank lines since the value's last text line */
	size_t indent; /* indentation of the last option or header line */
	int nerr;
};

static int flush_option(struct ini *st)
{
	if (!st->in_opt)
		return 0;
	st->in_opt = false;
	int rc = raw_set(st->sec, st->key, st->val.p ? st->val.p : "", st->file, st->key_line);
	free(st->key);
	st->key = NULL;
	st->val.len = 0;
	if (st->val.p)
		st->val.p[0] = '\0';
	st->blanks = 0;
	return rc;
}

/* Where an inline comment starts, or n.  configparser looks for each prefix
 * in turn, one occurrence per round, and stops after the first round in
 * which some occurrence is preceded by whitespace (or starts the line).  So
 * with "x;y ;z #w" the '#' ends the value, not the earlier " ;": the
 * rounds are kept as they are to give the same result. */
static size_t comment_start(const char *line, size_t n)
{
	static const char prefixes[2] = {';', '#'};
	size_t at[2];
	bool alive[2] = {true, true};
	bool first = true;
	size_t cs = SIZE_MAX;

	while (cs == SIZE_MAX && (alive[0] || alive[1])) {
		for (int p = 0; p < 2; p++) {
			if (!alive[p])
				continue;
			size_t from = first ? 0 : at[p] + 1;
			const char *hit =
			    from < n ? memchr(line + from, prefixes[p], n - from) : NULL;
			if (!hit) {
				alive[p] = false;
				continue;
			}
			at[p] = (size_t)(hit - line);
			if (at[p] == 0 || py_space((unsigned char)line[at[p] - 1]))
				cs = at[p] < cs ? at[p] : cs;
		}
		first = false;
	}
	return cs == SIZE_MAX ? n : cs;
}

/* A short, printable excerpt of a bad line for the message. */
static int excerpt_len(size_t n)
{
	return n > 60 ? 60 : (int)n;
}

static int header_line(struct ini *st, const char *t, size_t n, int lineno)
{
	const char *rb = NULL;
	for (size_t i = n; i > 1; i--) {
		if (t[i - 1] == ']') {
			rb = t + i - 1;
			break;
		}
	}
	if (!rb) {
		diag_error(st->d, st->file, lineno, 0,
			   "unterminated section header '%.*s' (no ']')", excerpt_len(n), t);
		st->nerr++;
		return 0;
	}
	if (rb == t + 1) {
		diag_error(st->d, st->file, lineno, 0, "empty section name");
		st->nerr++;
		return 0;
	}
	/* configparser's header pattern takes the text up to the last ']' and
	 * ignores whatever follows it. */
	if ((size_t)(rb - t) + 1 < n)
		diag_warn(st->d, st->file, lineno, 0, "text after section header ignored: '%.*s'",
			  excerpt_len(n - (size_t)(rb - t) - 1), rb + 1);
	char *name = strndup(t + 1, (size_t)(rb - t) - 1);
	if (!name)
		return -ENOMEM;
	st->sec = raw_section(st->r, name, st->file, lineno);
	free(name);
	return st->sec ? 0 : -ENOMEM;
}

static int option_line(struct ini *st, const char *t, size_t n, int lineno)
{
	size_t k = 0;
	while (k < n && t[k] != '=' && t[k] != ':')
		k++;
	if (k == n) {
		diag_error(st->d, st->file, lineno, 0,
			   "expected 'name = value', a [section] header or a comment, got '%.*s'",
			   excerpt_len(n), t);
		st->nerr++;
		return 0;
	}
	size_t ke = k;
	while (ke > 0 && py_space((unsigned char)t[ke - 1]))
		ke--;
	if (ke == 0) {
		diag_error(st->d, st->file, lineno, 0, "empty option name before '%c'", t[k]);
		st->nerr++;
		return 0;
	}
	if (!st->sec) {
		if (!st->nosec_reported)
			diag_error(st->d, st->file, lineno, 0,
				   "option '%.*s' before the first [section] header",
				   excerpt_len(ke), t);
		st->nosec_reported = true;
		st->nerr++;
		return 0;
	}
	size_t vs = k + 1;
	while (vs < n && py_space((unsigned char)t[vs]))
		vs++;
	st->key = strndup(t, ke);
	if (!st->key)
		return -ENOMEM;
	st->val.len = 0;
	if (buf_add(&st->val, t + vs, n - vs) < 0)
		return -ENOMEM;
	st->key_line = lineno;
	st->blanks = 0;
	st->in_opt = true;
	return 0;
}

static int continuation(struct ini *st, const char *t, size_t n)
{
	for (; st->blanks; st->blanks--)
		if (buf_add(&st->val, "\n", 1) < 0)
			return -ENOMEM;
	if (buf_add(&st->val, "\n", 1) < 0 || buf_add(&st->val, t, n) < 0)
		return -ENOMEM;
	return 0;
}

static int ini_line(struct ini *st, const char *line, size_t n, int lineno)
{
	if (memchr(line, '\0', n)) {
		diag_error(st->d, st->file, lineno, 0, "NUL byte in line");
		st->nerr++;
		return flush_option(st);
	}
	size_t cut = comment_start(line, n);
	size_t s = 0;
	while (s < n && py_space((unsigned char)line[s]))
		s++;
	if (s < n && (line[s] == ';' || line[s] == '#'))
		cut = 0;
	size_t e = cut;
	if (s >= e) {
		/* A blank line belongs to the value unless more text follows it
		 * at the same indentation; a comment line is not even blank. */
		if (cut == n && st->in_opt)
			st->blanks++;
		return 0;
	}
	while (e > s && py_space((unsigned char)line[e - 1]))
		e--;
	const char *t = line + s;
	size_t tn = e - s;

	if (st->in_opt && s > st->indent)
		return continuation(st, t, tn);

	int rc = flush_option(st);
	if (rc < 0)
		return rc;
	st->indent = s;
	if (t[0] == '[')
		return header_line(st, t, tn, lineno);
	return option_line(st, t, tn, lineno);
}

/* Could the header line at text[at] ('[') name a section r keeps?  Its
 * name starts right after the '[': a kept name must begin there. */
static bool may_keep(const struct raw_conf *r, const char *text, size_t at, size_t len)
{
	for (const char *const *o = r->only; *o; o++) {
		if (at + 1 >= len || text[at + 1] != **o)
			continue;
		size_t n = strlen(*o);
		if (len - at - 1 >= n && !memcmp(text + at + 1, *o, n))
			return true;
	}
	return false;
}

static int count_lines(const char *p, size_t n)
{
	int k = 0;
	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
		k++;
	return k;
}

/* From i, the start of the line after a discarded section's header: the
 * start of the next header line that may name a section r keeps, or len,
 * counting the lines passed into *lineno.  A line that begins with '['
 * is a header (at column 0 a line cannot continue an option); an
 * indented '[' line may be a header or a continuation depending on the
 * lines before it: then the skip stops at i or at the last header before
 * that line (*hold set to the line's start), and the lines up to it are
 * read one by one.  For a reader that keeps only some sections (supctl),
 * so that a config of 10,000 programs costs it a scan for '[' rather than
 * the parsing of every line; what those sections say, errors included,
 * is none of its business. */
static size_t skip_discarded(const struct raw_conf *r, const char *text, size_t i, size_t len,
			     int *lineno, size_t *hold)
{
	size_t at = i, from = i, last = i, end;
	for (;;) {
		const char *b = at < len ? memchr(text + at, '[', len - at) : NULL;
		end = b ? (size_t)(b - text) : len;
		size_t ls = end;
		while (ls > from && text[ls - 1] != '\n')
			ls--;
		if (b && ls != end) {
			size_t k = ls;
			while (k < end && py_space((unsigned char)text[k]))
				k++;
			if (k == end) {
				*hold = ls;
				end = last;
				break;
			}
			at = end + 1;
			continue;
		}
		if (!b || may_keep(r, text, end, len))
			break;
		/* Another section that is not kept: skip it too. */
		last = from = end;
		at = end + 1;
	}
	/* Lines are counted only when a section follows that may be kept:
	 * nothing after the last one needs its line number. */
	if (end < len)
		*lineno += count_lines(text + i, end - i);
	return end;
}

/* Errors in one file after which the rest of it is not read. */
#define INI_MAX_ERRORS 100

int conf_ini_parse(struct raw_conf *r, const char *file, const char *text, size_t len,
		   struct diags *d)
{
	return conf_ini_parse_part(r, file, text, len, 0, d);
}

int conf_ini_parse_part(struct raw_conf *r, const char *file, const char *text, size_t len,
			int lines_before, struct diags *d)
{
	struct ini st = {.r = r, .file = file, .d = d};
	size_t i = 0;
	int lineno = lines_before;
	int rc = 0;

	if (!lines_before && len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	/* Sections the reader does not keep are skipped to the next header
	 * without reading their lines, when the line count can be kept by
	 * counting \n alone (no \r in the text). */
	bool skip_ok = r->only && !memchr(text, '\r', len);
	size_t hold = 0;
	/* Without a \r, a line's end is found by memchr. */
	bool cr = memchr(text, '\r', len) != NULL;
	/* Lines end at \n, \r\n or a lone \r, as in Python's universal
	 * newlines mode, which is how supervisord opens the file. */
	while (i < len && rc >= 0) {
		if (skip_ok && i >= hold && st.sec && st.sec->discard && !st.in_opt) {
			size_t to = skip_discarded(r, text, i, len, &lineno, &hold);
			if (to != i) {
				i = to;
				continue;
			}
		}
		size_t j = i;
		if (!cr) {
			const char *nl = memchr(text + i, '\n', len - i);
			j = nl ? (size_t)(nl - text) : len;
		}
		while (j < len && text[j] != '\n' && text[j] != '\r')
			j++;
		lineno++;
		rc = ini_line(&st, text + i, j - i, lineno);
		if (j + 1 < len && text[j] == '\r' && text[j + 1] == '\n')
			j++;
		i = j + 1;
		/* A file that is no config at all (an [include] pattern that
		 * matched binaries) would be an error a line: the first ones
		 * say enough. */
		if (st.nerr >= INI_MAX_ERRORS && i < len) {
			diag_error(
			    d, file, lineno, 0,
			    "%d errors: the rest of the file is not read (is it a config file?)",
			    st.nerr);
			st.nerr++;
			break;
		}
	}
	if (rc >= 0)
		rc = flush_option(&st);
	free(st.key);
	free(st.val.p);
	if (rc < 0)
		return rc;
	return st.nerr ? -EINVAL : 0;
}
