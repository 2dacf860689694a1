/* Diagnostics collected while reading a config: errors and warnings, each
 * naming file:line (and column where the parser knows it).  Helpers add to a
 * list; the caller decides how to print it, once. */
#ifndef SUPD_DIAG_H
#define SUPD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct diag {
	bool warning;
	char *file; /* NULL: not tied to a file */
	int line;   /* 0: no line */
	int col;    /* 0: no column */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n;
	size_t cap;
	size_t nerrors; /* errors said, a repeated one included */
	/* (diag.c: which diagnostics are already in v, to keep each once) */
	size_t *seen;
	size_t nseen, seen_cap;
};

/* A diagnostic the list already holds (same kind, place and message) is
 * not added again; a repeated error still counts in nerrors. */
void diags_init(struct diags *d);
void diags_free(struct diags *d);
/* To call after reordering or removing entries of d->v. */
void diags_changed(struct diags *d);

__attribute__((format(printf, 5, 6))) void diag_error(struct diags *d, const char *file, int line,
						      int col, const char *fmt, ...);
__attribute__((format(printf, 5, 6))) void diag_warn(struct diags *d, const char *file, int line,
						     int col, const char *fmt, ...);

/* "file:line:col: message" / "file:line: warning: message", one per line. */
void diag_format(const struct diag *g, char *buf, size_t len);
void diags_print(const struct diags *d, FILE *f);

#endif
