#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	free(d->seen);
	memset(d, 0, sizeof(*d));
}

void diags_changed(struct diags *d)
{
	/* (the next diagnostic rebuilds the table from v) */
	free(d->seen);
	d->seen = NULL;
	d->nseen = d->seen_cap = 0;
}

/* Each diagnostic once: a YAML mapping merged into many sections is read
 * once for each, and every read said its errors again.  An 821-byte input
 * (fuzz_yaml, which timed out on it) gave 36,250 lines, 14,688 of them one
 * error.  d->seen holds indices + 1 into d->v by hash (a hit is compared
 * in full); it is rebuilt from v as it grows, and dropped by diags_changed
 * when v is reordered or shortened (conf.c sorts it, warnings are dropped). */
static uint64_t diag_hash(bool warning, const char *file, int line, int col, const char *msg)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)warning;
	for (const char *s = file ? file : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ (uint32_t)line) * 1099511628211ull;
	h = (h ^ (uint32_t)col) * 1099511628211ull;
	for (const char *s = msg; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool diag_is(const struct diag *g, bool warning, const char *file, int line, int col,
		    const char *msg)
{
	return g->warning == warning && g->line == line && g->col == col &&
	       (g->file && file ? !strcmp(g->file, file) : g->file == file) &&
	       !strcmp(g->msg, msg);
}

static void seen_put(struct diags *d, size_t i)
{
	const struct diag *g = &d->v[i];
	size_t k = diag_hash(g->warning, g->file, g->line, g->col, g->msg) & (d->seen_cap - 1);
	while (d->seen[k])
		k = (k + 1) & (d->seen_cap - 1);
	d->seen[k] = i + 1;
	d->nseen++;
}

/* Whether d->v holds that diagnostic already; false when the table cannot
 * grow (the diagnostic is then kept twice, as before). */
static bool seen_before(struct diags *d, bool warning, const char *file, int line, int col,
			const char *msg)
{
	if (2 * (d->nseen + 1) > d->seen_cap) {
		size_t cap = d->seen_cap ? d->seen_cap * 2 : 32;
		while (cap < 2 * (d->n + 1))
			cap *= 2;
		size_t *t = calloc(cap, sizeof(*t));
		if (!t)
			return false;
		free(d->seen);
		d->seen = t;
		d->seen_cap = cap;
		d->nseen = 0;
		for (size_t i = 0; i < d->n; i++)
			seen_put(d, i);
	}
	size_t k = diag_hash(warning, file, line, col, msg) & (d->seen_cap - 1);
	for (; d->seen[k]; k = (k + 1) & (d->seen_cap - 1)) {
		size_t i = d->seen[k] - 1;
		if (i < d->n && diag_is(&d->v[i], warning, file, line, col, msg))
			return true;
	}
	return false;
}

static void diag_addv(struct diags *d, bool warning, const char *file, int line, int col,
		      const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort(); /* out of memory while reporting: nothing sane left to do */
	if (!warning)
		d->nerrors++;
	if (seen_before(d, warning, file, line, col, msg)) {
		free(msg);
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			abort();
		d->v = v;
		d->cap = cap;
	}
	struct diag *g = &d->v[d->n];
	g->warning = warning;
	g->file = file ? strdup(file) : NULL;
	if (file && !g->file)
		abort();
	g->line = line;
	g->col = col;
	g->msg = msg;
	if (d->seen)
		seen_put(d, d->n);
	d->n++;
}

void diag_error(struct diags *d, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(d, false, file, line, col, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diags *d, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(d, true, file, line, col, fmt, ap);
	va_end(ap);
}

void diag_format(const struct diag *g, char *buf, size_t len)
{
	const char *w = g->warning ? "warning: " : "";
	if (g->file && g->line && g->col)
		snprintf(buf, len, "%s:%d:%d: %s%s", g->file, g->line, g->col, w, g->msg);
	else if (g->file && g->line)
		snprintf(buf, len, "%s:%d: %s%s", g->file, g->line, w, g->msg);
	else if (g->file)
		snprintf(buf, len, "%s: %s%s", g->file, w, g->msg);
	else
		snprintf(buf, len, "%s%s", w, g->msg);
}

void diags_print(const struct diags *d, FILE *f)
{
	char buf[4096];
	for (size_t i = 0; i < d->n; i++) {
		diag_format(&d->v[i], buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
}
