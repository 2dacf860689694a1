/* The raw form every config front-end produces: named sections holding
 * key/value pairs, each pair remembering file:line.  Section names use the
 * INI spelling ("supervisord", "program:web", "group:g", "include", ...)
 * whatever the input format, so conf.c types and validates one thing.
 *
 * A value is a scalar string (INI is always scalar), a list (YAML sequence,
 * libconfig list/array) or a map of scalars (YAML mapping, libconfig group,
 * used by environment=).  conf.c accepts the structured kinds wherever the
 * INI form would be a comma list or KEY=value list.
 */
#ifndef SUPD_CONF_RAW_H
#define SUPD_CONF_RAW_H

#include <stdbool.h>

#include "strpool.h"
#include <stddef.h>

#include "diag.h"

enum raw_kind {
	RAW_SCALAR,
	RAW_LIST,
	RAW_MAP,
};

/* key, value and file are held by the raw_conf's arena (struct raw_conf's
 * pool): never freed one by one. */
struct raw_kv {
	char *key; /* lowercased option name */
	enum raw_kind kind;
	char *value;  /* RAW_SCALAR */
	char **items; /* RAW_LIST: values; RAW_MAP: values, keys in mapkeys */
	char **mapkeys;
	size_t nitems;
	char *file; /* file the pair was read from (for %(here)s and messages) */
	int line;
};

struct raw_section {
	char *name;
	char *file; /* where the section first appeared */
	int line;
	struct raw_kv *kv;
	size_t nkv;
	size_t cap;
	bool discard;		/* not kept (raw_conf.only): options set in it are dropped */
	struct raw_conf *owner; /* whose arena holds its pairs' strings */
};

struct raw_conf {
	struct raw_section *secs;
	size_t nsecs;
	size_t cap;
	struct strmap names; /* section name -> index in secs */
	/* NULL-terminated names of the only sections to keep; NULL: all.  The
	 * others are not stored, and the INI reader skips their lines to the
	 * next header without reading them (their errors go unseen): supctl
	 * needs three sections of a config that may hold 10,000. */
	const char *const *only;
	struct raw_section skip; /* what raw_section returns for the others */
	/* the arena of the pairs' strings: a 10,000-program config has 70,000
	 * pairs, and three mallocs and frees each were a quarter of a reload */
	struct strpool pool;
	const char *last_file; /* in the arena: pairs of one file share it */
};

void raw_init(struct raw_conf *r);
void raw_free(struct raw_conf *r);

/* The section of that name, created at the end if new (a repeated section
 * merges into the first, as supervisord's strict=False parser does).
 * Returns NULL only when out of memory. */
struct raw_section *raw_section(struct raw_conf *r, const char *name, const char *file, int line);
struct raw_section *raw_find_section(const struct raw_conf *r, const char *name);

/* Set a key (later assignments replace earlier ones in place).  The key is
 * stored lowercased.  The _list/_map variants copy their arrays.  Return 0
 * or -ENOMEM. */
int raw_set(struct raw_section *s, const char *key, const char *value, const char *file, int line);
int raw_set_list(struct raw_section *s, const char *key, char *const *items, size_t n,
		 const char *file, int line);
int raw_set_map(struct raw_section *s, const char *key, char *const *keys, char *const *vals,
		size_t n, const char *file, int line);
struct raw_kv *raw_get(const struct raw_section *s, const char *key);

/* Front-ends.  Each parses text (not NUL-terminated necessarily: len is
 * authoritative) read from file and adds its sections to r.  Errors and
 * warnings go to d with file:line[:col].  Return 0, -EINVAL on a syntax
 * error (d says which), or -ENOMEM. */
int conf_ini_parse(struct raw_conf *r, const char *file, const char *text, size_t len,
		   struct diags *d);
/* conf_ini_parse of a part of file that starts after its first
 * lines_before lines, at a section header or at the file's start (supctl
 * reads only the parts it needs). */
int conf_ini_parse_part(struct raw_conf *r, const char *file, const char *text, size_t len,
			int lines_before, struct diags *d);
int conf_yaml_parse(struct raw_conf *r, const char *file, const char *text, size_t len,
		    struct diags *d);
int conf_cfg_parse(struct raw_conf *r, const char *file, const char *text, size_t len,
		   struct diags *d);

#endif
