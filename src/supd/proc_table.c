/* The process table's bookkeeping: lookup by name and by pid (two hash
 * tables of intrusive chains, one bucket array size for both), the start
 * order, the transition hooks and the config references.  The state
 * machine is proc.c's. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_check.h"
#include "list.h"
#include "proc_int.h"

/* ---------------------------------------------------------------- conf refs */

struct conf_ref *conf_ref_new(struct conf *c)
{
	struct conf_ref *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->c = c;
	r->refs = 1;
	return r;
}

struct conf_ref *conf_ref_get(struct conf_ref *r)
{
	if (r)
		r->refs++;
	return r;
}

void conf_ref_put(struct conf_ref *r)
{
	if (r && --r->refs == 0) {
		conf_free(r->c);
		free(r);
	}
}

/* ---------------------------------------------------------------- hashing */

static uint64_t name_hash(const char *group, const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *s = group; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t pid_bucket(const struct procs *t, pid_t pid)
{
	return ((uint32_t)pid * 2654435761U) & (t->nbuckets - 1);
}

void procs_pid_insert(struct procs *t, struct proc *p)
{
	list_push(&t->bypid[pid_bucket(t, p->pid)], p, by_pid);
}

void procs_pid_remove(struct proc *p)
{
	list_unlink(p, by_pid);
}

void procs_name_insert(struct procs *t, struct proc *p)
{
	size_t b = name_hash(p->conf->group, p->conf->name) & (t->nbuckets - 1);
	list_push(&t->byname[b], p, by_name);
}

void procs_name_remove(struct proc *p)
{
	list_unlink(p, by_name);
}

static int rehash(struct procs *t, size_t nb)
{
	struct proc **byname = calloc(nb, sizeof(*byname));
	struct proc **bypid = calloc(nb, sizeof(*bypid));
	if (!byname || !bypid) {
		free(byname);
		free(bypid);
		return -ENOMEM;
	}
	free(t->byname);
	free(t->bypid);
	t->byname = byname;
	t->bypid = bypid;
	t->nbuckets = nb;
	for (size_t i = 0; i < t->n; i++) {
		struct proc *p = t->v[i];
		/* The old chains are gone: relink from scratch. */
		p->by_name.pprev = p->by_pid.pprev = NULL;
		procs_name_insert(t, p);
		if (p->pid > 0)
			procs_pid_insert(t, p);
	}
	return 0;
}

/* ---------------------------------------------------------------- the table */

int procs_new(struct procs **out, const struct procs_env *env)
{
	struct procs *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->env = *env;
	if (rehash(t, 64) < 0 || output_ctx_new(&t->outs, env->loop) < 0) {
		free(t->byname);
		free(t->bypid);
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void procs_set_output_notice(struct procs *t, output_notice_fn fn, void *arg)
{
	output_ctx_set_notice(t->outs, fn, arg);
}

void procs_defer_logs(struct procs *t, bool on)
{
	output_ctx_defer_logs(t->outs, on);
	if (on)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->out)
			output_open_deferred(t->v[i]->out, t->env.supd);
}

void procs_set_env(struct procs *t, const struct procs_env *env)
{
	/* The loop stays: the outputs' shared context was made for it. */
	t->env = *env;
}

void procs_free(struct procs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		proc_free(t->v[i]);
	free(t->v);
	free(t->byname);
	free(t->bypid);
	output_ctx_free(t->outs);
	procs_deps_free(t);
	check_ctx_free(t->checks);
	free(t);
}

int procs_add(struct procs *t, const struct conf_process *pc, struct conf_ref *cref, int gprio,
	      struct proc **out)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 64;
		struct proc **v = realloc(t->v, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = nc;
	}
	if (t->n + 1 > t->nbuckets && rehash(t, t->nbuckets * 2) < 0)
		return -ENOMEM;
	struct proc *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->tab = t;
	p->conf = pc;
	p->cref = conf_ref_get(cref);
	p->gprio = gprio;
	proc_init(p);
	p->order_idx = t->n;
	t->v[t->n++] = p;
	t->dirty = true;
	t->deps_gen++;
	t->gen++;
	procs_name_insert(t, p);
	if (out)
		*out = p;
	return 0;
}

void procs_remove(struct procs *t, struct proc *p)
{
	procs_pid_remove(p);
	procs_name_remove(p);
	size_t i = p->order_idx;
	t->v[i] = t->v[--t->n];
	t->v[i]->order_idx = i;
	t->dirty = true;
	t->gen++;
	proc_free(p);
}

struct proc *procs_find(const struct procs *t, const char *group, const char *name)
{
	struct proc *p = t->byname[name_hash(group, name) & (t->nbuckets - 1)];
	for (; p; p = p->by_name.next)
		if (!strcmp(p->conf->name, name) && !strcmp(p->conf->group, group))
			return p;
	return NULL;
}

struct proc *procs_find_pid(const struct procs *t, pid_t pid)
{
	for (struct proc *p = t->bypid[pid_bucket(t, pid)]; p; p = p->by_pid.next)
		if (p->pid == pid)
			return p;
	return NULL;
}

size_t procs_count(const struct procs *t)
{
	return t->n;
}

unsigned long procs_generation(const struct procs *t)
{
	return t->gen;
}

static int order_cmp(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a, *y = *(struct proc *const *)b;
	if (x->gprio != y->gprio)
		return x->gprio < y->gprio ? -1 : 1;
	int c = strcmp(x->conf->group, y->conf->group);
	if (c)
		return c;
	if (x->conf->s->priority != y->conf->s->priority)
		return x->conf->s->priority < y->conf->s->priority ? -1 : 1;
	return strcmp(x->conf->name, y->conf->name);
}

struct proc *const *procs_ordered(struct procs *t)
{
	if (t->dirty) {
		qsort(t->v, t->n, sizeof(*t->v), order_cmp);
		for (size_t i = 0; i < t->n; i++)
			t->v[i]->order_idx = i;
		t->dirty = false;
	}
	return t->v;
}

void procs_add_hook(struct procs *t, struct proc_hook *h)
{
	list_push(&t->hooks, h, link);
}

void procs_remove_hook(struct procs *t, struct proc_hook *h)
{
	(void)t;
	list_unlink(h, link);
}

void procs_set_shutting_down(struct procs *t, bool on)
{
	t->shutting_down = on;
}

bool procs_shutting_down(const struct procs *t)
{
	return t->shutting_down;
}
