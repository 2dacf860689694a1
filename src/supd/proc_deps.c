/* Dependencies between processes (depends_on, kind=oneshot;
 * doc/dependencies.md): the names of the config resolved to processes,
 * the one condition test, and the waits.
 *
 * A program whose start request finds a condition unmet stays STOPPED,
 * marked waiting (its description says for what).  Transitions do not
 * evaluate the waits themselves: change_state arms one zero-delay timer,
 * and its pass raises DEPS_READY or DEP_FAILED for each waiting program,
 * in start order, so priority still orders programs that do not depend on
 * each other and a burst of transitions costs one pass.  Nothing polls.
 *
 * Names resolve lazily: the table bumps deps_gen when a process is added,
 * removed or given a new config, and every reader here resolves again
 * first when it moved. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc_int.h"

struct dep_link {
	struct proc *p;
	enum conf_dep_cond cond;
	size_t idx; /* the name in conf->deps that gave it */
};

/* One process's side: allocated for a process that depends on another or
 * that another depends on. */
struct proc_deps {
	struct dep_link *on; /* what it depends on */
	size_t non, capon;
	struct proc **by; /* its dependents */
	size_t nby, capby;
	char *waitfor; /* waiting: for what (the description) */
	bool waiting;
	bool pulling; /* a start request is starting its dependencies */
	/* a shutdown step's walk: visited in walk number `visit`, with that
	 * answer (a layered graph would be walked exponentially often) */
	bool visit_up;
	uint64_t visit;
};

/* The table's side. */
struct procs_deps {
	uint64_t gen; /* deps_gen the links were resolved at */
	size_t nwaiting;
	struct loop_timer pass;
	uint64_t walk; /* the shutdown step's walk number */
};

static void pass_cb(struct loop *l, void *arg);

static struct procs_deps *tab_deps(struct procs *t)
{
	if (!t->deps && (t->deps = calloc(1, sizeof(*t->deps)))) {
		t->deps->gen = t->deps_gen - 1; /* resolve at first use */
		loop_timer_init(&t->deps->pass, pass_cb, t);
	}
	return t->deps;
}

static struct proc_deps *own(struct proc *p)
{
	if (!p->deps)
		p->deps = calloc(1, sizeof(*p->deps));
	return p->deps;
}

void proc_deps_free(struct proc *p)
{
	struct proc_deps *d = p->deps;
	if (!d)
		return;
	if (d->waiting && p->tab->deps)
		p->tab->deps->nwaiting--;
	free(d->on);
	free(d->by);
	free(d->waitfor);
	free(d);
	p->deps = NULL;
	p->tab->deps_gen++;
}

void procs_deps_free(struct procs *t)
{
	if (!t->deps)
		return;
	loop_timer_cancel(t->env.loop, &t->deps->pass);
	free(t->deps);
	t->deps = NULL;
}

static bool name_is(const struct proc *q, const char *name)
{
	return !strcmp(q->conf->group, name) || !strcmp(q->conf->program, name);
}

static int link_add(struct proc *p, struct proc *q, enum conf_dep_cond cond, size_t idx)
{
	struct proc_deps *a = own(p), *b = own(q);
	if (!a || !b)
		return -ENOMEM;
	if (a->non == a->capon) {
		size_t nc = a->capon ? 2 * a->capon : 4;
		struct dep_link *v = realloc(a->on, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->on = v;
		a->capon = nc;
	}
	if (b->nby == b->capby) {
		size_t nc = b->capby ? 2 * b->capby : 4;
		struct proc **v = realloc(b->by, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->by = v;
		b->capby = nc;
	}
	a->on[a->non++] = (struct dep_link){q, cond, idx};
	b->by[b->nby++] = p;
	return 0;
}

/* The links again from the names, for every process: a process that a
 * reload is removing is nobody's dependency any more. */
static void resolve(struct procs *t)
{
	struct procs_deps *td = tab_deps(t);
	if (!td || td->gen == t->deps_gen)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct proc_deps *d = t->v[i]->deps;
		if (d)
			d->non = d->nby = 0;
	}
	bool oom = false;
	for (size_t i = 0; i < t->n; i++) {
		struct proc *p = t->v[i];
		const struct conf_deps *cd = p->conf->s->deps;
		if (!cd || p->removing)
			continue;
		for (size_t k = 0; k < cd->n; k++)
			for (size_t j = 0; j < t->n; j++)
				if (t->v[j] != p && !t->v[j]->removing &&
				    name_is(t->v[j], cd->v[k].name) &&
				    link_add(p, t->v[j], cd->v[k].cond, k) < 0)
					oom = true;
	}
	if (oom)
		log_error("out of memory resolving dependencies: some are not waited for");
	/* proc_deps_free may have bumped it while the table shrank */
	td->gen = t->deps_gen;
}

/* ---------------------------------------------------------------- conditions */

static bool exit_ok(const struct proc *p)
{
	return p->state == PROC_EXITED && p->exitstatus >= 0 &&
	       conf_exitcode_expected(p->conf, p->exitstatus);
}

bool proc_completed_ok(const struct proc *p)
{
	return conf_is_oneshot(p->conf) && exit_ok(p);
}

/* At merge with the ready checks (svc-ready), RUNNING here becomes
 * proc_is_ready(q), and HEALTHY proc_health(q): until then a program is
 * healthy when it runs. */
bool proc_dep_holds(const struct proc *q, enum conf_dep_cond c)
{
	switch (c) {
	case CONF_DEP_STARTED:
		return q->state == PROC_STARTING || q->state == PROC_RUNNING ||
		       proc_completed_ok(q);
	case CONF_DEP_RUNNING:
		/* RUNNING comes after startsecs or the ready check */
		return q->state == PROC_RUNNING || proc_completed_ok(q);
	case CONF_DEP_HEALTHY: {
		/* without a health check, running is as healthy as it gets */
		enum proc_health h = proc_health(q);
		return (q->state == PROC_RUNNING &&
			(h == PROC_HEALTH_NONE || h == PROC_HEALTH_HEALTHY)) ||
		       proc_completed_ok(q);
	}
	case CONF_DEP_COMPLETED:
		return q->state == PROC_EXITED;
	case CONF_DEP_COMPLETED_OK:
		return exit_ok(q);
	}
	return false;
}

/* Whether q can no longer meet c without someone starting it again: it
 * gave up, or a one-shot (or a completion awaited) ended badly. */
static bool dep_failed(const struct proc *q, enum conf_dep_cond c, char *why, size_t len)
{
	char ns[512];
	conf_process_namespec(q->conf, ns, sizeof(ns));
	if (q->state == PROC_FATAL) {
		snprintf(why, len, "dependency %s is FATAL", ns);
		return true;
	}
	if (q->state == PROC_EXITED && !exit_ok(q) &&
	    (c == CONF_DEP_COMPLETED_OK || (conf_is_oneshot(q->conf) && c != CONF_DEP_COMPLETED))) {
		char st[96];
		snprintf(why, len, "dependency %s did not complete successfully (%s)", ns,
			 proc_exit_text(q->wstatus, st, sizeof(st)));
		return true;
	}
	return false;
}

enum deps_verdict proc_deps_eval(struct proc *p, char *why, size_t len)
{
	/* a config without depends_on never allocates or resolves anything */
	if (!p->conf->s->deps || !p->conf->s->deps->n)
		return DEPS_HOLD;
	resolve(p->tab);
	struct proc_deps *d = p->deps;
	if (!d || !d->non)
		return DEPS_HOLD;
	size_t at = 0, said = SIZE_MAX;
	why[0] = 0;
	for (size_t i = 0; i < d->non; i++) {
		const struct dep_link *l = &d->on[i];
		if (proc_dep_holds(l->p, l->cond))
			continue;
		if (dep_failed(l->p, l->cond, why, len))
			return DEPS_FAILED;
		/* the name as the config says it: a group once, not each of
		 * its processes (the links of one name are adjacent) */
		if (l->idx == said)
			continue;
		said = l->idx;
		if (at < len)
			at += (size_t)snprintf(why + at, len - at, "%s%s (%s)", at ? ", " : "",
					       p->conf->s->deps->v[l->idx].name,
					       conf_dep_cond_name(l->cond));
	}
	return at ? DEPS_WAIT : DEPS_HOLD;
}

bool proc_deps_waiting(const struct proc *p)
{
	return p->deps && p->deps->waiting;
}

const char *proc_waiting_for(const struct proc *p)
{
	return proc_deps_waiting(p) ? p->deps->waitfor : NULL;
}

/* A waiting program's description, kept current by each pass. */
static void set_waitfor(struct proc *p, const char *why)
{
	struct proc_deps *d = p->deps;
	if (d->waitfor && !strcmp(d->waitfor, why))
		return;
	free(d->waitfor);
	d->waitfor = strdup(why);
}

void proc_deps_set_waiting(struct proc *p, const char *why)
{
	struct procs_deps *td = tab_deps(p->tab);
	struct proc_deps *d = own(p);
	if (!td || !d)
		return;
	if (why)
		set_waitfor(p, why);
	if (d->waiting == (why != NULL))
		return;
	d->waiting = why != NULL;
	if (d->waiting) {
		td->nwaiting++;
	} else {
		td->nwaiting--;
		free(d->waitfor);
		d->waitfor = NULL;
	}
}

void proc_deps_pull(struct proc *p)
{
	struct proc_deps *d = p->deps;
	if (!d || d->pulling)
		return; /* a cycle across a reload's old and new configs */
	d->pulling = true;
	for (size_t i = 0; i < d->non; i++) {
		struct proc *q = d->on[i].p;
		if (proc_dep_holds(q, d->on[i].cond) || !proc_is_stopped(q) || proc_deps_waiting(q))
			continue;
		int r = proc_start(q);
		if (r < 0 && r != -EALREADY)
			log_warn("starting '%s' for '%s', which depends on it: %s", q->conf->name,
				 p->conf->name, strerror(-r));
		/* q's start may have re-resolved and moved d->on */
		d = p->deps;
	}
	d->pulling = false;
}

/* ---------------------------------------------------------------- the pass */

void proc_deps_changed(struct procs *t)
{
	struct procs_deps *td = t->deps;
	if (td && td->nwaiting && !loop_timer_armed(&td->pass))
		loop_timer_arm(t->env.loop, &td->pass, loop_now_ms());
}

static void pass_cb(struct loop *l, void *arg)
{
	(void)l;
	struct procs *t = arg;
	if (t->shutting_down || !t->deps || !t->deps->nwaiting)
		return;
	resolve(t);
	size_t n = t->n, k = 0;
	struct proc **w = malloc(t->deps->nwaiting * sizeof(*w) + 1);
	if (!w) {
		/* try again at the next transition */
		log_error("out of memory evaluating dependencies");
		return;
	}
	struct proc *const *v = procs_ordered(t);
	for (size_t i = 0; i < n && k < t->deps->nwaiting; i++)
		if (proc_deps_waiting(v[i]))
			w[k++] = v[i];
	/* A start below may free nothing but may change who waits: each
	 * process is looked at again before its event. */
	for (size_t i = 0; i < k; i++) {
		struct proc *p = w[i];
		char why[512];
		if (!proc_deps_waiting(p))
			continue;
		switch (proc_deps_eval(p, why, sizeof(why))) {
		case DEPS_HOLD:
			proc_event(p, PROC_EV_DEPS_READY);
			break;
		case DEPS_FAILED:
			set_waitfor(p, why);
			proc_event(p, PROC_EV_DEP_FAILED);
			break;
		case DEPS_WAIT:
			set_waitfor(p, why);
			break;
		}
	}
	free(w);
}

/* ---------------------------------------------------------------- shutdown */

static bool stop_dependents(struct proc *p, int depth)
{
	struct proc_deps *d = p->deps;
	uint64_t walk = p->tab->deps ? p->tab->deps->walk : 0;
	if (!d)
		return false;
	if (d->visit == walk)
		return d->visit_up;
	d->visit = walk;
	d->visit_up = false; /* a cycle (across a reload) ends here */
	bool up = false;
	for (size_t i = 0; i < d->nby; i++) {
		struct proc *q = d->by[i];
		if (proc_is_stopped(q))
			continue;
		up = true;
		/* depth: a cycle across a reload's old and new configs */
		if (depth < 64 && stop_dependents(q, depth + 1))
			continue;
		proc_stop_for_shutdown(q);
	}
	d->visit_up = up;
	return up;
}

void procs_stop_dependents_begin(struct procs *t)
{
	/* no table side: no process with depends_on was ever started */
	if (!t->deps)
		return;
	resolve(t);
	t->deps->walk++;
}

bool proc_stop_dependents(struct proc *p)
{
	return stop_dependents(p, 0);
}
