/* conf_deps: depends_on= and kind= (doc/dependencies.md): typing the
 * options of one process, and the checks that need every program (a name
 * that does not exist, a condition a program cannot meet, a cycle). */
#include "config.h"

#include "conf_int.h"
#include "conf_value.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const cond_names[] = {
    [CONF_DEP_STARTED] = "started",
    [CONF_DEP_RUNNING] = "running",
    [CONF_DEP_HEALTHY] = "healthy",
    [CONF_DEP_COMPLETED] = "completed",
    [CONF_DEP_COMPLETED_OK] = "completed_successfully",
};

#define NCONDS (sizeof(cond_names) / sizeof(cond_names[0]))

const char *conf_dep_cond_name(enum conf_dep_cond c)
{
	return (size_t)c < NCONDS ? cond_names[c] : "running";
}

bool conf_is_oneshot(const struct conf_process *p)
{
	return p->s->deps && p->s->deps->oneshot;
}

static struct conf_deps *deps_of(struct ctx *x, struct conf_process *p)
{
	if (!p->s->deps && !(p->s->deps = calloc(1, sizeof(*p->s->deps))))
		x->oom = true;
	return p->s->deps;
}

void cb_deps_free(struct conf_deps *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	free(d->file);
	free(d);
}

bool cb_deps_equal(const struct conf_deps *a, const struct conf_deps *b)
{
	static const struct conf_deps none;
	if (!a)
		a = &none;
	if (!b)
		b = &none;
	if (a->oneshot != b->oneshot || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].cond != b->v[i].cond || strcmp(a->v[i].name, b->v[i].name))
			return false;
	return true;
}

static int cond_parse(const char *s, enum conf_dep_cond *out)
{
	for (size_t i = 0; i < NCONDS; i++) {
		if (!strcasecmp(s, cond_names[i])) {
			*out = (enum conf_dep_cond)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* One "name[:condition]" item; a repeated name keeps its last condition. */
static void dep_add(struct opt *o, struct conf_deps *d, char *item)
{
	enum conf_dep_cond cond = CONF_DEP_RUNNING;
	char *colon = strrchr(item, ':');
	if (colon) {
		*colon = 0;
		if (cond_parse(colon + 1, &cond) < 0) {
			diag_error(o->x->d, o->kv->file, o->kv->line, 0,
				   "depends_on: unknown condition '%s' for '%s' (started, running, "
				   "healthy, completed or completed_successfully)",
				   colon + 1, item);
			o->bad = true;
			return;
		}
	}
	if (!*item || cv_name_check(item) != 0) {
		diag_error(o->x->d, o->kv->file, o->kv->line, 0,
			   "depends_on: '%s' is not a program or group name", item);
		o->bad = true;
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (!strcmp(d->v[i].name, item)) {
			d->v[i].cond = cond;
			return;
		}
	}
	struct conf_dep *v = realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v) {
		o->x->oom = true;
		return;
	}
	d->v = v;
	v[d->n].cond = cond;
	if ((v[d->n].name = cb_xstrdup(o->x, item)))
		d->n++;
}

void cb_t_depends_on(struct opt *o, struct conf_process *p)
{
	struct conf_deps *d = deps_of(o->x, p);
	char *copy = cb_xstrdup(o->x, o->v);
	if (!d || !copy) {
		free(copy);
		return;
	}
	free(d->file);
	d->file = cb_xstrdup(o->x, o->kv->file);
	d->line = o->kv->line;
	char *save = NULL;
	for (char *t = strtok_r(copy, ", \t\n", &save); t; t = strtok_r(NULL, ", \t\n", &save))
		dep_add(o, d, t);
	free(copy);
}

void cb_t_kind(struct opt *o, struct conf_process *p)
{
	const char *s = o->v + strspn(o->v, " \t");
	size_t n = strcspn(s, " \t");
	if (s[n + strspn(s + n, " \t")] || !n) {
		cb_bad_value(o, "service or oneshot");
		return;
	}
	if (n == 7 && !strncasecmp(s, "service", 7)) {
		if (p->s->deps)
			p->s->deps->oneshot = false;
		return;
	}
	if (n != 7 || strncasecmp(s, "oneshot", 7)) {
		cb_bad_value(o, "service or oneshot");
		return;
	}
	if (p->s->kind == CONF_EVENTLISTENER) {
		diag_error(o->x->d, o->kv->file, o->kv->line, 0,
			   "kind=oneshot is not allowed for an event listener: it must keep "
			   "running to take events");
		o->bad = true;
		return;
	}
	struct conf_deps *d = deps_of(o->x, p);
	if (d)
		d->oneshot = true;
}

/* A YAML/libconfig mapping {db: running, migrate: completed} read as the
 * INI form "db:running,migrate:completed". */
char *cb_deps_map_text(struct ctx *x, const struct raw_kv *kv)
{
	size_t len = 1;
	for (size_t i = 0; i < kv->nitems; i++)
		len += strlen(kv->mapkeys[i]) + strlen(kv->items[i]) + 2;
	char *s = malloc(len);
	if (!s) {
		x->oom = true;
		return NULL;
	}
	size_t at = 0;
	for (size_t i = 0; i < kv->nitems; i++)
		at += (size_t)snprintf(s + at, len - at, "%s%s%s%s", i ? "," : "", kv->mapkeys[i],
				       *kv->items[i] ? ":" : "", kv->items[i]);
	s[at] = 0;
	return s;
}

/* ---------------------------------------------------------------- across programs */

/* The processes a name means, one by one: a group's, else a program's
 * (a program in its own group is found as the group).  *pos starts at 0;
 * returns SIZE_MAX after the last. */
static size_t next_target(const struct conf *c, const char *name, size_t *pos)
{
	const struct conf_group *g = conf_find_group(c, name);
	if (g)
		return *pos < g->nprocs ? g->procs[(*pos)++] : SIZE_MAX;
	while (*pos < c->nprocs)
		if (!strcmp(c->procs[(*pos)++].program, name))
			return *pos - 1;
	return SIZE_MAX;
}

/* A completion condition needs a program that stays down once done. */
static void check_cond(struct ctx *x, const struct conf_process *p, const struct conf_dep *dep,
		       const struct conf_process *q)
{
	if (dep->cond != CONF_DEP_COMPLETED && dep->cond != CONF_DEP_COMPLETED_OK)
		return;
	const char *why = NULL;
	if (q->s->kind == CONF_EVENTLISTENER)
		why = "is an event listener, which does not complete";
	else if (!conf_is_oneshot(q) && q->s->autorestart == CONF_AR_TRUE)
		why = "is restarted whenever it exits (autorestart=true); make it kind=oneshot";
	if (why)
		diag_error(x->d, p->s->deps->file, p->s->deps->line, 0,
			   "[program:%s] depends_on=%s:%s: '%s' %s", p->program, dep->name,
			   conf_dep_cond_name(dep->cond), q->program, why);
}

struct walk {
	struct ctx *x;
	const struct conf *c;
	unsigned char *color; /* 0 new, 1 on the path, 2 done */
	size_t *path, depth;
	bool found;
};

/* Depth-first from i; the first back edge is the cycle reported. */
static void walk(struct walk *w, size_t i)
{
	const struct conf_process *p = &w->c->procs[i];
	w->color[i] = 1;
	w->path[w->depth++] = i;
	for (size_t k = 0; p->s->deps && k < p->s->deps->n && !w->found; k++) {
		size_t pos = 0, q;
		while (!w->found &&
		       (q = next_target(w->c, p->s->deps->v[k].name, &pos)) != SIZE_MAX) {
			if (w->color[q] == 0) {
				walk(w, q);
				continue;
			}
			if (w->color[q] != 1)
				continue;
			char msg[1024];
			size_t at = 0, from = 0;
			while (w->path[from] != q)
				from++;
			for (size_t m = from; m < w->depth && at < sizeof(msg) - 1; m++)
				at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%s -> ",
						       w->c->procs[w->path[m]].program);
			if (at < sizeof(msg) - 1)
				snprintf(msg + at, sizeof(msg) - at, "%s", w->c->procs[q].program);
			const struct conf_process *f = &w->c->procs[q];
			const struct conf_deps *fd = f->s->deps ? f->s->deps : p->s->deps;
			diag_error(w->x->d, fd->file, fd->line, 0, "dependency cycle: %s", msg);
			w->found = true;
		}
	}
	w->depth--;
	w->color[i] = 2;
}

void cb_check_deps(struct ctx *x)
{
	const struct conf *c = x->c;
	bool any = false;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct conf_process *p = &c->procs[i];
		/* numprocs processes share the option: one report per program */
		if (!p->s->deps || !p->s->deps->n ||
		    (i && !strcmp(c->procs[i - 1].program, p->program) &&
		     !strcmp(c->procs[i - 1].group, p->group)))
			continue;
		any = true;
		for (size_t k = 0; k < p->s->deps->n; k++) {
			const struct conf_dep *dep = &p->s->deps->v[k];
			size_t pos = 0, q = next_target(c, dep->name, &pos);
			if (q == SIZE_MAX) {
				diag_error(x->d, p->s->deps->file, p->s->deps->line, 0,
					   "[program:%s] depends_on '%s', which is neither a "
					   "program nor a group",
					   p->program, dep->name);
				continue;
			}
			/* one report per dependency */
			size_t before = x->d->nerrors;
			for (; q != SIZE_MAX && x->d->nerrors == before;
			     q = next_target(c, dep->name, &pos))
				check_cond(x, p, dep, &c->procs[q]);
		}
	}
	if (!any || x->d->nerrors > x->errors0)
		return;
	struct walk w = {.x = x, .c = c};
	w.color = calloc(c->nprocs, 1);
	w.path = calloc(c->nprocs, sizeof(*w.path));
	if (!w.color || !w.path)
		x->oom = true;
	for (size_t i = 0; !x->oom && i < c->nprocs && !w.found; i++)
		if (!w.color[i])
			walk(&w, i);
	free(w.color);
	free(w.path);
}
