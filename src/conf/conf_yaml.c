/* YAML front-end (libyaml's document API): the supervisord model nested
 * naturally, mapped onto the INI section names of the raw form.
 *
 *   supervisord: {nodaemon: true}        -> [supervisord]
 *   programs: {web: {command: x}}        -> [program:web]
 *   "program:web": {command: x}          -> [program:web] (any INI section)
 *   x-anything: ...                      -> ignored (a place for anchors)
 *
 * Scalars are kept as written (conf.c types them, as it does INI text); a
 * sequence of scalars becomes a list, a mapping of scalars a map.  "<<"
 * merge keys work in option mappings so programs can share defaults.
 * doc/formats.md is the user's description of all this. */
#include "config.h"

#include "conf_raw.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* Merge keys may name mappings that merge others; an anchor can even merge
 * itself, so the chain is cut off. */
#define MERGE_DEPTH_MAX 8
/* Each merge reads its mappings again: a mapping that merges itself n
 * times is n^8 merges under the depth limit (4 took 57 s, and a reload's
 * parse runs in supd's loop).  No section needs more than this. */
#define MERGE_SECTION_MAX 100

struct yctx {
	struct raw_conf *r;
	const char *file;
	struct diags *d;
	yaml_document_t *doc;
	int nerr;
	int merges;	 /* in the current section */
	bool depth_said; /* its "nested too deeply", said once */
	/* A mapping merged again (into another section, or twice into one)
	 * is read again, and said its errors again: a mapping merged into 20
	 * sections, 100 times each, made 36,000 error messages of 40 (17 ms
	 * natively for an 821-byte file, ten times that under ASan).  Inside
	 * merged mappings (in_merge), an error is said once for its node and
	 * message (said: a set of both, 0 for empty); it still counts. */
	int in_merge;
	uint64_t *said;
	size_t nsaid, said_cap;
	unsigned char *keys_checked; /* by node index: check_keys_once's bits */
};

/* The named groups of sections, by their top-level key. */
static const struct {
	const char *key;
	const char *prefix;
} collections[] = {
    {"programs", "program:"},
    {"groups", "group:"},
    {"eventlisteners", "eventlistener:"},
    {"fcgi_programs", "fcgi-program:"},
    {"rpcinterface", "rpcinterface:"},
    {"ctlplugin", "ctlplugin:"},
};

/* Whether the error fmt was said for node n already (struct yctx); records
 * it if not.  The messages of one call site on one node are the same. */
static bool said_before(struct yctx *c, const yaml_node_t *n, const char *fmt)
{
	uint64_t key = ((uint64_t)(n - c->doc->nodes.start) + 1) * 0x9e3779b97f4a7c15ull ^
		       (uint64_t)(uintptr_t)fmt;
	if (!key)
		key = 1;
	if (2 * (c->nsaid + 1) > c->said_cap) {
		size_t cap = c->said_cap ? c->said_cap * 2 : 64;
		uint64_t *t = calloc(cap, sizeof(*t));
		if (!t)
			return false; /* (said again, as before) */
		for (size_t i = 0; i < c->said_cap; i++) {
			if (!c->said[i])
				continue;
			size_t k = (size_t)(c->said[i] >> 7) & (cap - 1);
			while (t[k])
				k = (k + 1) & (cap - 1);
			t[k] = c->said[i];
		}
		free(c->said);
		c->said = t;
		c->said_cap = cap;
	}
	size_t k = (size_t)(key >> 7) & (c->said_cap - 1);
	for (; c->said[k]; k = (k + 1) & (c->said_cap - 1))
		if (c->said[k] == key)
			return true;
	c->said[k] = key;
	c->nsaid++;
	return false;
}

__attribute__((format(printf, 3, 4))) static void yerr(struct yctx *c, const yaml_node_t *n,
						       const char *fmt, ...)
{
	c->nerr++;
	if (c->in_merge && n && said_before(c, n, fmt))
		return;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	int line = n ? (int)n->start_mark.line + 1 : 0;
	int col = n ? (int)n->start_mark.column + 1 : 0;
	diag_error(c->d, c->file, line, col, "%s", msg ? msg : fmt);
	free(msg);
}

static yaml_node_t *node(struct yctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* A plain null ("", "~", "null") reads as an empty value, like "key=" in
 * INI; a quoted "null" is the text null. */
static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = (const char *)n->data.scalar.value;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* The scalar's text, or NULL (after reporting why) if n is no usable
 * scalar.  what names the thing for the message. */
static const char *scalar(struct yctx *c, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		yerr(c, n, "%s must be a scalar, not %s", what, node_kind(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		yerr(c, n, "%s contains a NUL character", what);
		return NULL;
	}
	return is_null(n) ? "" : (const char *)n->data.scalar.value;
}

struct keyref {
	const char *key;
	const yaml_node_t *n;
	size_t pos;
};

static int keyref_cmp_exact(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int d = strcmp(x->key, y->key);
	return d ? d : (x->pos > y->pos) - (x->pos < y->pos);
}

static int keyref_cmp_fold(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int d = strcasecmp(x->key, y->key);
	return d ? d : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Reports each key of mapping m that repeats an earlier one (compared
 * without case when fold: option names are lowercased later).  Sorting
 * keeps this fast for large mappings. */
static int check_dup_keys(struct yctx *c, const yaml_node_t *m, bool fold)
{
	yaml_node_pair_t *start = m->data.mapping.pairs.start;
	size_t n = (size_t)(m->data.mapping.pairs.top - start);
	if (n < 2)
		return 0;
	struct keyref *v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *kn = node(c, start[i].key);
		if (kn && kn->type == YAML_SCALAR_NODE)
			v[k++] = (struct keyref){(const char *)kn->data.scalar.value, kn, i};
	}
	qsort(v, k, sizeof(*v), fold ? keyref_cmp_fold : keyref_cmp_exact);
	/* The first of a run of equal keys is the original (kept as the run
	 * goes: looking back for it from each key was quadratic in a run, and
	 * fuzz_yaml's inputs grew mappings of 500 keys '<<'). */
	size_t first = 0;
	for (size_t i = 1; i < k; i++) {
		bool same =
		    fold ? !strcasecmp(v[i].key, v[i - 1].key) : !strcmp(v[i].key, v[i - 1].key);
		if (!same) {
			first = i;
			continue;
		}
		yerr(c, v[i].n, "duplicate key '%s' (first at line %d)", v[i].key,
		     (int)v[first].n->start_mark.line + 1);
	}
	free(v);
	return 0;
}

/* libconfig cannot spell names with '.', so both formats accept the plugin
 * factory keys without their "supervisor." prefix. */
static const char *option_name(const char *section, const char *key)
{
	if (!strncmp(section, "rpcinterface:", 13) && !strcasecmp(key, "rpcinterface_factory"))
		return "supervisor.rpcinterface_factory";
	if (!strncmp(section, "ctlplugin:", 10) && !strcasecmp(key, "ctl_factory"))
		return "supervisor.ctl_factory";
	return key;
}

static int set_list(struct yctx *c, struct raw_section *s, const char *key, const yaml_node_t *v)
{
	yaml_node_item_t *start = v->data.sequence.items.start;
	size_t n = (size_t)(v->data.sequence.items.top - start);
	const char **items = calloc(n ? n : 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		items[i] = scalar(c, node(c, start[i]), "a list item");
		ok = ok && items[i];
	}
	int rc = 0;
	if (ok)
		rc = raw_set_list(s, key, (char *const *)items, n, c->file,
				  (int)v->start_mark.line + 1);
	free(items);
	return rc;
}

/* check_dup_keys once for each mapping and way: a merged mapping is read
 * again for each section it is merged into, and its keys are the same
 * (sorting them again was half of fuzz_yaml's time). */
static int check_keys_once(struct yctx *c, const yaml_node_t *m, bool fold)
{
	unsigned char bit = fold ? 1 : 2;
	unsigned char *done = c->keys_checked ? &c->keys_checked[m - c->doc->nodes.start] : NULL;
	if (done && *done & bit)
		return 0;
	int rc = check_dup_keys(c, m, fold);
	if (done && rc >= 0)
		*done |= bit;
	return rc;
}

static int set_map(struct yctx *c, struct raw_section *s, const char *key, int line,
		   const yaml_node_t *v)
{
	int rc = check_keys_once(c, v, false);
	if (rc < 0)
		return rc;
	yaml_node_pair_t *start = v->data.mapping.pairs.start;
	size_t n = (size_t)(v->data.mapping.pairs.top - start);
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char **vals = calloc(n ? n : 1, sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		keys[i] = scalar(c, node(c, start[i].key), "a key");
		vals[i] = scalar(c, node(c, start[i].value), "a value in a mapping");
		ok = ok && keys[i] && vals[i];
	}
	if (ok)
		rc =
		    raw_set_map(s, key, (char *const *)keys, (char *const *)vals, n, c->file, line);
	free(keys);
	free(vals);
	return rc;
}

static int set_option(struct yctx *c, struct raw_section *s, const yaml_node_t *kn,
		      const yaml_node_t *v)
{
	const char *k = scalar(c, kn, "an option name");
	if (!k)
		return 0;
	if (!*k) {
		yerr(c, kn, "empty option name");
		return 0;
	}
	k = option_name(s->name, k);
	int line = (int)kn->start_mark.line + 1;
	switch (v->type) {
	case YAML_SCALAR_NODE: {
		const char *t = scalar(c, v, "a value");
		return t ? raw_set(s, k, t, c->file, line) : 0;
	}
	case YAML_SEQUENCE_NODE:
		return set_list(c, s, k, v);
	case YAML_MAPPING_NODE:
		return set_map(c, s, k, line, v);
	default:
		yerr(c, v, "option '%s' has no value", k);
		return 0;
	}
}

static bool is_merge_key(const yaml_node_t *kn)
{
	return kn->type == YAML_SCALAR_NODE && kn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       !strcmp((const char *)kn->data.scalar.value, "<<");
}

static int set_options(struct yctx *c, struct raw_section *s, const yaml_node_t *m, int depth);
static int merge_read(struct yctx *c, struct raw_section *s, const yaml_node_t *v, int depth);

/* "<<: *defaults" or "<<: [*a, *b]": the named mappings' options, earlier
 * ones winning, all below the mapping's own keys (set after these). */
static int merge(struct yctx *c, struct raw_section *s, const yaml_node_t *v, int depth)
{
	if (c->merges > MERGE_SECTION_MAX)
		return 0;
	if (++c->merges > MERGE_SECTION_MAX) {
		/* (one per section, named: not a node's error) */
		int in = c->in_merge;
		c->in_merge = 0;
		yerr(c, v,
		     "merge keys ('<<') of section '%s' expand to more than %d mappings (does a "
		     "mapping merge itself?): the rest is not read",
		     s->name, MERGE_SECTION_MAX);
		c->in_merge = in;
		return 0;
	}
	if (depth >= MERGE_DEPTH_MAX) {
		if (!c->depth_said)
			yerr(c, v, "merge keys ('<<') nested too deeply");
		c->depth_said = true;
		return 0;
	}
	c->in_merge++;
	int rc = merge_read(c, s, v, depth);
	c->in_merge--;
	return rc;
}

static int merge_read(struct yctx *c, struct raw_section *s, const yaml_node_t *v, int depth)
{
	if (v->type == YAML_MAPPING_NODE)
		return set_options(c, s, v, depth + 1);
	if (v->type != YAML_SEQUENCE_NODE) {
		yerr(c, v, "a merge key ('<<') needs a mapping or a sequence of mappings, not %s",
		     node_kind(v));
		return 0;
	}
	yaml_node_item_t *start = v->data.sequence.items.start;
	for (yaml_node_item_t *it = v->data.sequence.items.top; it > start; it--) {
		const yaml_node_t *m = node(c, it[-1]);
		if (m->type != YAML_MAPPING_NODE) {
			yerr(c, m,
			     "a merge key ('<<') needs a mapping or a sequence of mappings, "
			     "not a sequence holding %s",
			     node_kind(m));
			continue;
		}
		int rc = set_options(c, s, m, depth + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int set_options(struct yctx *c, struct raw_section *s, const yaml_node_t *m, int depth)
{
	int rc = check_keys_once(c, m, true);
	yaml_node_pair_t *p;
	for (p = m->data.mapping.pairs.start; rc >= 0 && p < m->data.mapping.pairs.top; p++)
		if (is_merge_key(node(c, p->key)))
			rc = merge(c, s, node(c, p->value), depth);
	for (p = m->data.mapping.pairs.start; rc >= 0 && p < m->data.mapping.pairs.top; p++)
		if (!is_merge_key(node(c, p->key)))
			rc = set_option(c, s, node(c, p->key), node(c, p->value));
	return rc;
}

/* One section: a mapping of options, or nothing at all ("unix_http_server:"
 * alone turns the server on with its defaults, like an empty INI section). */
static int section(struct yctx *c, const char *name, const yaml_node_t *kn, const yaml_node_t *v)
{
	if (!is_null(v) && v->type != YAML_MAPPING_NODE) {
		yerr(c, v, "section '%s' must be a mapping of options, not %s", name, node_kind(v));
		return 0;
	}
	struct raw_section *s = raw_section(c->r, name, c->file, (int)kn->start_mark.line + 1);
	if (!s)
		return -ENOMEM;
	c->merges = 0;
	c->depth_said = false;
	return v->type == YAML_MAPPING_NODE ? set_options(c, s, v, 0) : 0;
}

static int collection(struct yctx *c, const char *key, const char *prefix, const yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE) {
		yerr(c, v, "'%s' must be a mapping of names to options, not %s", key, node_kind(v));
		return 0;
	}
	int rc = check_dup_keys(c, v, false);
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	     rc >= 0 && p < v->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = node(c, p->key);
		const char *name = scalar(c, kn, "a name");
		if (!name)
			continue;
		if (!*name) {
			yerr(c, kn, "empty name in '%s'", key);
			continue;
		}
		char *sec = NULL;
		if (asprintf(&sec, "%s%s", prefix, name) < 0)
			return -ENOMEM;
		rc = section(c, sec, kn, node(c, p->value));
		free(sec);
	}
	return rc;
}

static int top(struct yctx *c, const yaml_node_t *root)
{
	if (is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE) {
		yerr(c, root, "the top level must be a mapping of sections, not %s",
		     node_kind(root));
		return 0;
	}
	int rc = check_dup_keys(c, root, false);
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     rc >= 0 && p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = node(c, p->key);
		const yaml_node_t *v = node(c, p->value);
		const char *name = scalar(c, kn, "a section name");
		if (!name)
			continue;
		if (!*name) {
			yerr(c, kn, "empty section name");
			continue;
		}
		if (!strncmp(name, "x-", 2))
			continue;
		size_t i;
		for (i = 0; i < sizeof(collections) / sizeof(collections[0]); i++)
			if (!strcmp(name, collections[i].key))
				break;
		if (i < sizeof(collections) / sizeof(collections[0]))
			rc = collection(c, name, collections[i].prefix, v);
		else
			rc = section(c, name, kn, v);
	}
	return rc;
}

/* libyaml reports reader errors (bad encoding) by byte offset only. */
static void offset_to_mark(const char *text, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void parser_error(struct yctx *c, const yaml_parser_t *p, const char *text, size_t len)
{
	const char *problem = p->problem ? p->problem : "cannot parse YAML";
	int line, col;
	if (p->error == YAML_READER_ERROR) {
		offset_to_mark(text, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			diag_error(c->d, c->file, line, col, "%s (byte 0x%02x)", problem,
				   (unsigned)p->problem_value & 0xff);
		else
			diag_error(c->d, c->file, line, col, "%s", problem);
	} else if (p->error == YAML_MEMORY_ERROR) {
		return;
	} else if (p->context) {
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		diag_error(c->d, c->file, line, col, "%s (%s at line %d, column %d)", problem,
			   p->context, (int)p->context_mark.line + 1,
			   (int)p->context_mark.column + 1);
	} else {
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		diag_error(c->d, c->file, line, col, "%s", problem);
	}
	c->nerr++;
}

int conf_yaml_parse(struct raw_conf *r, const char *file, const char *text, size_t len,
		    struct diags *d)
{
	struct yctx c = {.r = r, .file = file, .d = d};
	yaml_parser_t p;
	yaml_document_t doc;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		/* libyaml has already freed the partial document. */
		rc = p.error == YAML_MEMORY_ERROR ? -ENOMEM : 0;
		parser_error(&c, &p, text, len);
		goto out;
	}
	c.doc = &doc;
	/* (without it, out of memory: each read checks the keys, as before) */
	c.keys_checked = calloc((size_t)(doc.nodes.top - doc.nodes.start) + 1, 1);
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root)
		rc = top(&c, root);
	yaml_document_delete(&doc);
	free(c.said);
	c.said = NULL;
	free(c.keys_checked);
	c.keys_checked = NULL;
	if (rc < 0 || !root)
		goto out;

	/* A second document would be ignored silently otherwise. */
	if (!yaml_parser_load(&p, &doc)) {
		rc = p.error == YAML_MEMORY_ERROR ? -ENOMEM : 0;
		parser_error(&c, &p, text, len);
		goto out;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		diag_error(d, file, (int)doc.start_mark.line + 1, (int)doc.start_mark.column + 1,
			   "more than one YAML document; a config file holds one");
		c.nerr++;
	}
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&p);
	if (rc < 0)
		return rc;
	return c.nerr ? -EINVAL : 0;
}
