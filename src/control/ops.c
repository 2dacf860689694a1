/* The operations both control front-ends share (ops.h).
 *
 * Start/stop/restart are "acts": one item per process touched, each
 * waiting for its process's next transitions.  A single hook on the
 * process table advances the items; when none is pending, the act's
 * callback answers its client.  Nothing polls. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ops.h"
#include "output.h"

enum item_phase { IT_DONE, IT_STOP_WAIT, IT_START_WAIT };

struct ops {
	struct loop *loop;
	struct ops_daemon d;
	struct procs *hooked;
	struct proc_hook hook;
	struct ops_act *acts;
	/* The processes sorted by group and name, kept while the set is the
	 * same (procs_generation): sorting 10,000 for every status was a
	 * third of supd's cost of the answer (#18). */
	struct proc **byname;
	size_t nbyname;
	const struct procs *byname_of;
	unsigned long byname_gen;
};

/* ---------------------------------------------------------------- faults */

const char *ops_fault_name(int err)
{
	switch (err) {
	case -ENOENT:
		return "NO_FILE";
	case -EACCES:
		return "NOT_EXECUTABLE";
	case -EALREADY:
		return "ALREADY_STARTED";
	case -ESRCH:
		return "NOT_RUNNING";
	case -ECHILD:
		return "SPAWN_ERROR";
	case -EINVAL:
		return "BAD_SIGNAL";
	case -ESHUTDOWN:
		return "SHUTDOWN_STATE";
	default:
		return "FAILED";
	}
}

const char *ops_group_fault(int err)
{
	switch (err) {
	case -EEXIST:
		return "ALREADY_ADDED";
	case -ENOENT:
		return "BAD_NAME";
	case -EBUSY:
		return "STILL_RUNNING";
	default:
		return "FAILED";
	}
}

void ops_diff_free(struct ops_diff *d)
{
	char **lists[] = {d->added, d->changed, d->removed};
	size_t ns[] = {d->nadded, d->nchanged, d->nremoved};
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < ns[k]; i++)
			free(lists[k][i]);
		free(lists[k]);
	}
	memset(d, 0, sizeof(*d));
}

/* ---------------------------------------------------------------- names */

int ops_spec_parse(const char *s, struct ops_spec *sp)
{
	if (!strcmp(s, "*")) {
		sp->kind = OPS_ALL;
		sp->group[0] = sp->name[0] = '\0';
		return 0;
	}
	const char *colon = strchr(s, ':');
	size_t gl = colon ? (size_t)(colon - s) : strlen(s);
	const char *name = colon ? colon + 1 : s;
	if (gl == 0 || gl >= sizeof(sp->group) || strlen(name) >= sizeof(sp->name))
		return -EINVAL;
	memcpy(sp->group, s, gl);
	sp->group[gl] = '\0';
	strcpy(sp->name, name);
	sp->kind = colon && (!*name || !strcmp(name, "*")) ? OPS_GROUP : OPS_ONE;
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a, *y = *(struct proc *const *)b;
	int c = strcmp(x->conf->group, y->conf->group);
	return c ? c : strcmp(x->conf->name, y->conf->name);
}

struct proc **ops_all(struct ops *o, bool by_name, size_t *n)
{
	struct procs *t = o->d.procs(o->d.arg);
	*n = procs_count(t);
	if (*n == 0)
		return NULL;
	struct proc **v = malloc(*n * sizeof(*v));
	if (!v)
		return NULL;
	if (by_name && o->byname && o->byname_of == t && o->byname_gen == procs_generation(t) &&
	    o->nbyname == *n) {
		memcpy(v, o->byname, *n * sizeof(*v));
		return v;
	}
	memcpy(v, procs_ordered(t), *n * sizeof(*v));
	if (by_name) {
		qsort(v, *n, sizeof(*v), cmp_proc);
		struct proc **c = realloc(o->byname, *n * sizeof(*c));
		if (c) {
			memcpy(c, v, *n * sizeof(*c));
			o->byname = c;
			o->nbyname = *n;
			o->byname_of = t;
			o->byname_gen = procs_generation(t);
		}
	}
	return v;
}

ssize_t ops_resolve(struct ops *o, const struct ops_spec *sp, struct proc ***out)
{
	*out = NULL;
	if (sp->kind == OPS_ONE) {
		struct proc *p = procs_find(o->d.procs(o->d.arg), sp->group, sp->name);
		if (!p)
			return 0;
		*out = malloc(sizeof(**out));
		if (!*out)
			return -ENOMEM;
		(*out)[0] = p;
		return 1;
	}
	size_t n;
	struct proc **v = ops_all(o, true, &n);
	if (!v)
		return n ? -ENOMEM : 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (sp->kind == OPS_ALL || !strcmp(v[i]->conf->group, sp->group))
			v[k++] = v[i];
	if (k == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return (ssize_t)k;
}

/* ---------------------------------------------------------------- acts */

static const char *namespec(const struct proc *p, char *buf, size_t len)
{
	return conf_process_namespec(p->conf, buf, len);
}

static void item_done(struct ops_act *a, struct ops_item *it, const char *fault, const char *msg)
{
	if (it->phase == IT_DONE)
		return;
	it->phase = IT_DONE;
	it->fault = fault;
	if (msg) {
		free(it->msg);
		it->msg = strdup(msg);
	}
	a->pending--;
}

static void item_fail(struct ops_act *a, struct ops_item *it, int err)
{
	const char *f = ops_fault_name(err);
	char ns[512];
	const char *msg = it->p ? namespec(it->p, ns, sizeof(ns)) : it->name;
	if (err == -ECHILD && it->p && it->p->spawnerr)
		msg = it->p->spawnerr;
	item_done(a, it, f, msg);
}

static void item_start(struct ops_act *a, struct ops_item *it)
{
	int r = proc_start(it->p);
	if (r < 0) {
		item_fail(a, it, r);
		return;
	}
	if (!a->wait) {
		item_done(a, it, NULL, NULL);
		return;
	}
	it->phase = IT_START_WAIT;
}

static void item_stop(struct ops_act *a, struct ops_item *it)
{
	int r = proc_stop(it->p);
	if (r < 0) {
		item_fail(a, it, r);
		return;
	}
	it->phase = IT_STOP_WAIT;
	if (!a->wait && a->kind == OPS_STOP)
		item_done(a, it, NULL, NULL);
	else if (!proc_is_stopped(it->p))
		/* supervisord's words when its stop RPC starts to wait (it
		 * repeats them every 2 s while it polls; supd does not poll) */
		log_info("waiting for %s to stop", it->p->conf->name);
}

/* Moves an item along from its process's current state. */
static void item_eval(struct ops_act *a, struct ops_item *it)
{
	struct proc *p = it->p;
	switch (it->phase) {
	case IT_DONE:
		return;
	case IT_STOP_WAIT:
		if (!proc_is_stopped(p))
			return;
		if (a->kind == OPS_RESTART) {
			item_start(a, it);
			if (it->phase == IT_START_WAIT)
				item_eval(a, it);
		} else {
			item_done(a, it, NULL, NULL);
		}
		return;
	case IT_START_WAIT:
		if (p->state == PROC_RUNNING || proc_completed_ok(p)) {
			item_done(a, it, NULL, NULL);
		} else if (p->state != PROC_STARTING && !proc_waiting_for(p)) {
			/* The engine reports failures in the child before exec
			 * (chdir, setuid...) after proc_start returned: they are
			 * spawn errors, told apart from a quick exit by their
			 * message. */
			char ns[512];
			bool spawn_failed = p->state == PROC_BACKOFF && p->spawnerr &&
					    strncmp(p->spawnerr, "Exited too quickly", 18);
			it->spawnerr = p->spawnerr != NULL;
			item_done(a, it, spawn_failed ? "SPAWN_ERROR" : "ABNORMAL_TERMINATION",
				  p->spawnerr ? p->spawnerr : namespec(p, ns, sizeof(ns)));
		}
		return;
	}
}

void ops_items_free(struct ops_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].name);
		free(items[i].group);
		free(items[i].msg);
	}
	free(items);
}

void ops_act_free(struct ops_act *a)
{
	if (!a)
		return;
	list_unlink(a, link);
	ops_items_free(a->items, a->n);
	free(a);
}

static void on_transition(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct ops *o = arg;
	struct ops_act *a, *next;
	list_foreach_safe (a, o->acts, link, next) {
		for (size_t i = 0; i < a->n; i++) {
			struct ops_item *it = &a->items[i];
			if (it->p != p || it->phase == IT_DONE)
				continue;
			if (to == PROC_REMOVED) {
				item_done(a, it, "FAILED", "process removed by a reload");
				it->p = NULL;
			} else {
				item_eval(a, it);
			}
		}
		if (a->pending == 0) {
			list_unlink(a, link);
			/* The callback may free other acts than this one only
			 * through their own callbacks: next stays valid. */
			a->cb(a, a->arg);
		}
	}
}

int ops_act_begin(struct ops *o, struct proc *const *v, size_t n, enum ops_kind kind, bool multi,
		  bool wait, ops_done_cb cb, void *arg, struct ops_act **out)
{
	*out = NULL;
	struct ops_act *a = calloc(1, sizeof(*a));
	if (!a || (n && !(a->items = calloc(n, sizeof(*a->items))))) {
		free(a);
		return -ENOMEM;
	}
	a->o = o;
	a->kind = kind;
	a->multi = multi;
	a->wait = wait;
	a->cb = cb;
	a->arg = arg;
	for (size_t i = 0; i < n; i++) {
		struct proc *p = v[i];
		if (multi && kind == OPS_START && proc_is_running(p))
			continue;
		if (multi && kind == OPS_STOP && !proc_is_running(p))
			continue;
		struct ops_item *it = &a->items[a->n++];
		it->p = p;
		it->name = strdup(p->conf->name);
		it->group = strdup(p->conf->group);
		it->phase = IT_START_WAIT; /* pending until acted on */
		a->pending++;
		if (!it->name || !it->group) {
			ops_act_free(a);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < a->n; i++) {
		struct ops_item *it = &a->items[i];
		if (kind == OPS_START) {
			/* started since by an earlier item that depends on it */
			if (!(multi && proc_is_running(it->p)))
				item_start(a, it);
		} else if (kind == OPS_STOP) {
			item_stop(a, it);
		} else if (proc_is_running(it->p) || it->p->state == PROC_STOPPING) {
			if (it->p->state == PROC_STOPPING)
				it->phase = IT_STOP_WAIT;
			else
				item_stop(a, it);
		} else {
			item_start(a, it);
		}
	}
	for (size_t i = 0; i < a->n; i++)
		item_eval(a, &a->items[i]);
	*out = a;
	if (a->pending == 0)
		return 0;
	list_push(&o->acts, a, link);
	return 1;
}

/* ---------------------------------------------------------------- groups */

static int items_new(struct proc *const *v, size_t n, struct ops_item **items)
{
	*items = calloc(n ? n : 1, sizeof(**items));
	return *items ? 0 : -ENOMEM;
}

static int item_fill(struct ops_item *it, struct proc *p, const char *fault, const char *msg)
{
	it->p = p;
	it->fault = fault;
	it->name = strdup(p->conf->name);
	it->group = strdup(p->conf->group);
	it->msg = msg ? strdup(msg) : NULL;
	return it->name && it->group && (!msg || it->msg) ? 0 : -ENOMEM;
}

ssize_t ops_signal_group(struct proc *const *v, size_t n, int sig, struct ops_item **items)
{
	if (items_new(v, n, items) < 0)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct proc *p = v[i];
		if (p->state != PROC_RUNNING && p->state != PROC_STARTING &&
		    p->state != PROC_STOPPING)
			continue;
		int e = proc_signal(p, sig);
		char ns[512];
		if (item_fill(&(*items)[k++], p, e < 0 ? ops_fault_name(e) : NULL,
			      e < 0 ? namespec(p, ns, sizeof(ns)) : NULL) < 0) {
			ops_items_free(*items, k);
			return -ENOMEM;
		}
	}
	return (ssize_t)k;
}

ssize_t ops_clear_logs(struct proc *const *v, size_t n, struct ops_item **items)
{
	if (items_new(v, n, items) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int e = v[i]->out ? output_clear(v[i]->out) : -ENOENT;
		if (item_fill(&(*items)[i], v[i], e < 0 ? "FAILED" : NULL,
			      e < 0 ? strerror(-e) : NULL) < 0) {
			ops_items_free(*items, i + 1);
			return -ENOMEM;
		}
	}
	return (ssize_t)n;
}

/* ---------------------------------------------------------------- life */

int ops_new(struct ops **out, struct loop *l, const struct ops_daemon *daemon)
{
	if (!daemon->procs || !daemon->conf)
		return -EINVAL;
	struct ops *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->loop = l;
	o->d = *daemon;
	o->hook.cb = on_transition;
	o->hook.arg = o;
	o->hooked = daemon->procs(daemon->arg);
	procs_add_hook(o->hooked, &o->hook);
	*out = o;
	return 0;
}

void ops_free(struct ops *o)
{
	if (!o)
		return;
	procs_remove_hook(o->hooked, &o->hook);
	while (o->acts)
		ops_act_free(o->acts);
	free(o->byname);
	free(o);
}

const struct ops_daemon *ops_daemon(const struct ops *o)
{
	return &o->d;
}

struct loop *ops_loop(const struct ops *o)
{
	return o->loop;
}

int ops_state(const struct ops *o)
{
	return o->d.state ? o->d.state(o->d.arg) : 1;
}
