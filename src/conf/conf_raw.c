#include "config.h"

#include "conf_raw.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void raw_init(struct raw_conf *r)
{
	memset(r, 0, sizeof(*r));
}

static void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The strings stay in the arena until raw_free. */
static void kv_clear(struct raw_kv *kv)
{
	strv_free(kv->items, kv->nitems);
	strv_free(kv->mapkeys, kv->nitems);
	memset(kv, 0, sizeof(*kv));
}

void raw_free(struct raw_conf *r)
{
	for (size_t i = 0; i < r->nsecs; i++) {
		struct raw_section *s = &r->secs[i];
		for (size_t j = 0; j < s->nkv; j++)
			kv_clear(&s->kv[j]);
		free(s->kv);
		free(s->name);
		free(s->file);
	}
	free(r->secs);
	strmap_free(&r->names);
	free(r->skip.name);
	free(r->skip.file);
	strpool_free(&r->pool);
	memset(r, 0, sizeof(*r));
}

struct raw_section *raw_find_section(const struct raw_conf *r, const char *name)
{
	size_t i;
	return strmap_get(&r->names, name, &i) ? &r->secs[i] : NULL;
}

struct raw_section *raw_section(struct raw_conf *r, const char *name, const char *file, int line)
{
	struct raw_section *s = raw_find_section(r, name);
	if (s)
		return s;
	if (r->only) {
		bool keep = false;
		for (const char *const *o = r->only; *o && !keep; o++)
			keep = !strcmp(*o, name);
		if (!keep) {
			/* Named, for the front-ends' messages about it. */
			free(r->skip.name);
			free(r->skip.file);
			r->skip.name = strdup(name);
			r->skip.file = file ? strdup(file) : NULL;
			r->skip.line = line;
			r->skip.discard = true;
			r->skip.owner = r;
			return r->skip.name && (!file || r->skip.file) ? &r->skip : NULL;
		}
	}
	if (r->nsecs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct raw_section *v = realloc(r->secs, cap * sizeof(*v));
		if (!v)
			return NULL;
		r->secs = v;
		r->cap = cap;
	}
	s = &r->secs[r->nsecs];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->file = file ? strdup(file) : NULL;
	if (!s->name || (file && !s->file) || strmap_put(&r->names, s->name, r->nsecs) < 0) {
		free(s->name);
		free(s->file);
		return NULL;
	}
	s->line = line;
	s->owner = r;
	r->nsecs++;
	return s;
}

struct raw_kv *raw_get(const struct raw_section *s, const char *key)
{
	for (size_t i = 0; i < s->nkv; i++)
		if (!strcmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

static char **strv_dup(char *const *v, size_t n)
{
	char **out = calloc(n ? n : 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i] ? v[i] : "");
		if (!out[i]) {
			strv_free(out, i);
			return NULL;
		}
	}
	return out;
}

/* The slot for key: the existing pair (cleared) or a new one at the end. */
static struct raw_kv *kv_slot(struct raw_section *s, const char *key, const char *file, int line)
{
	struct raw_conf *r = s->owner;
	char *lk = strpool_copy(&r->pool, key, strlen(key));
	const char *f = NULL;
	if (file && r->last_file && !strcmp(r->last_file, file))
		f = r->last_file;
	else if (file && (f = strpool_copy(&r->pool, file, strlen(file))))
		r->last_file = f;
	if (!lk || (file && !f))
		return NULL;
	for (char *p = lk; *p; p++)
		*p = (char)tolower((unsigned char)*p);

	struct raw_kv *kv = raw_get(s, lk);
	if (kv) {
		kv_clear(kv);
	} else {
		if (s->nkv == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 8; /* 10,000 sections of a few pairs */
			struct raw_kv *v = realloc(s->kv, cap * sizeof(*v));
			if (!v)
				return NULL;
			s->kv = v;
			s->cap = cap;
		}
		kv = &s->kv[s->nkv++];
		memset(kv, 0, sizeof(*kv));
	}
	kv->key = lk;
	kv->file = (char *)f;
	kv->line = line;
	return kv;
}

/* A failed fill leaves a keyless slot behind; drop it so the section stays
 * well-formed. */
static int kv_fail(struct raw_section *s, struct raw_kv *kv)
{
	kv_clear(kv);
	size_t i = (size_t)(kv - s->kv);
	memmove(&s->kv[i], &s->kv[i + 1], (s->nkv - i - 1) * sizeof(*kv));
	s->nkv--;
	return -ENOMEM;
}

int raw_set(struct raw_section *s, const char *key, const char *value, const char *file, int line)
{
	if (s->discard)
		return 0;
	struct raw_kv *kv = kv_slot(s, key, file, line);
	if (!kv)
		return -ENOMEM;
	kv->kind = RAW_SCALAR;
	value = value ? value : "";
	kv->value = strpool_copy(&s->owner->pool, value, strlen(value));
	if (!kv->value)
		return kv_fail(s, kv);
	return 0;
}

int raw_set_list(struct raw_section *s, const char *key, char *const *items, size_t n,
		 const char *file, int line)
{
	if (s->discard)
		return 0;
	struct raw_kv *kv = kv_slot(s, key, file, line);
	if (!kv)
		return -ENOMEM;
	kv->kind = RAW_LIST;
	kv->items = strv_dup(items, n);
	if (!kv->items)
		return kv_fail(s, kv);
	kv->nitems = n;
	return 0;
}

int raw_set_map(struct raw_section *s, const char *key, char *const *keys, char *const *vals,
		size_t n, const char *file, int line)
{
	if (s->discard)
		return 0;
	struct raw_kv *kv = kv_slot(s, key, file, line);
	if (!kv)
		return -ENOMEM;
	kv->kind = RAW_MAP;
	kv->mapkeys = strv_dup(keys, n);
	kv->items = strv_dup(vals, n);
	kv->nitems = n; /* kv_clear frees whichever copy succeeded */
	if (!kv->mapkeys || !kv->items)
		return kv_fail(s, kv);
	return 0;
}
