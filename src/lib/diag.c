#include "config.h"

#include "diag.h"

#include <stdarg.h>
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
	memset(d, 0, sizeof(*d));
}

static void diag_addv(struct diags *d, bool warning, const char *file, int line, int col,
		      const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			abort(); /* out of memory while reporting: nothing sane left to do */
		d->v = v;
		d->cap = cap;
	}
	struct diag *g = &d->v[d->n];
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	g->warning = warning;
	g->file = file ? strdup(file) : NULL;
	if (file && !g->file)
		abort();
	g->line = line;
	g->col = col;
	g->msg = msg;
	d->n++;
	if (!warning)
		d->nerrors++;
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
