/* The control plane's wiring: the HTTP listeners of the config and the
 * API over the process table, with the daemon operations the API needs
 * (shutdown, reload, reread, adding and removing groups). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "daemon_int.h"
#include "events.h"
#include "http.h"
#include "log.h"
#include "upgrade.h"

/* ---------------------------------------------------------------- listeners */

/* The config's listeners; after an upgrade in place, the sockets the
 * image before held at their addresses (clients waiting in their
 * backlogs are served), and those the config no longer has closed. */
static int open_http(struct daemon *d, char *err, size_t errlen)
{
	if (!d->upg)
		return http_new(&d->http, d->loop, d->cref->c, &api_http_handlers, d->api, err,
				errlen);
	const struct upg_state *s = d->upg;
	struct http_inherited *v = calloc(s->nls + 1, sizeof(*v));
	if (!v)
		return buf_errf(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nls; i++)
		v[i] = (struct http_inherited){
		    .fd = s->ls[i].fd,
		    .lock_fd = s->ls[i].lock_fd,
		    .is_unix = s->ls[i].is_unix,
		    .activated = s->ls[i].activated,
		    .path = s->ls[i].path,
		    .host = s->ls[i].host,
		    .port = s->ls[i].port,
		    .dev = (dev_t)s->ls[i].dev,
		    .ino = (ino_t)s->ls[i].ino,
		};
	int r = http_new_inherited(&d->http, d->loop, d->cref->c, &api_http_handlers, d->api, v,
				   s->nls, err, errlen);
	for (size_t i = 0; i < s->nls; i++) {
		if (v[i].taken) /* (h's now, or closed by its failure) */
			continue;
		close(v[i].fd);
		if (v[i].lock_fd >= 0)
			close(v[i].lock_fd);
	}
	free(v);
	return r;
}
#include "strmap.h"

/* ---------------------------------------------------------------- api ops */

static struct procs *op_procs(void *arg)
{
	struct daemon *d = arg;
	return d->procs;
}

/* The last reread config when there is one (what `avail` lists, as
 * supervisord's getAllConfigInfo after reloadConfig), else the applied one. */
static const struct conf *op_conf(void *arg)
{
	struct daemon *d = arg;
	return (d->reread ? d->reread : d->cref)->c;
}

static int op_state(void *arg)
{
	struct daemon *d = arg;
	return d->phase == PH_RUNNING ? 1 : -1;
}

static int op_shutdown(void *arg)
{
	struct daemon *d = arg;
	if (d->phase != PH_RUNNING)
		return -ESHUTDOWN;
	log_warn("received a shutdown request");
	daemon_begin_shutdown(d);
	return 0;
}

static int op_reload(void *arg, char *err, size_t errlen)
{
	struct daemon *d = arg;
	if (d->phase != PH_RUNNING)
		return -ESHUTDOWN;
	log_warn("received a reload request");
	/* At once, so that the caller learns whether it worked: the listener
	 * this request came on stays open unless the new config drops it. */
	return daemon_reload(d, err, errlen);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* How many live (not retired) processes of the table are in group. */
static size_t procs_in_group(struct procs *t, const char *group)
{
	struct proc *const *v = procs_ordered(t);
	size_t n = 0;
	for (size_t i = 0; i < procs_count(t); i++)
		if (!v[i]->removing && !strcmp(v[i]->conf->group, group))
			n++;
	return n;
}

/* How many live processes each group has, counted in one pass: asking
 * procs_in_group for each of 10,000 groups made a reread of 10,000
 * programs scan 10^8 processes (7.7 s of supd's CPU; #18).  Keys are the
 * processes' own group names, alive while the map is used. */
static int group_counts(struct procs *t, struct strmap *m)
{
	struct proc *const *v = procs_ordered(t);
	for (size_t i = 0; i < procs_count(t); i++) {
		if (v[i]->removing)
			continue;
		size_t k = 0;
		strmap_get(m, v[i]->conf->group, &k);
		if (strmap_put(m, v[i]->conf->group, k + 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

static size_t group_count(const struct strmap *m, const char *group)
{
	size_t k = 0;
	strmap_get(m, group, &k);
	return k;
}

/* supervisord's diff_to_active: groups of the new config against the
 * groups running now. */
static bool group_changed(struct daemon *d, const struct conf *nc, const struct conf_group *g,
			  const struct strmap *counts)
{
	for (size_t i = 0; i < g->nprocs; i++) {
		const struct conf_process *np = &nc->procs[g->procs[i]];
		struct proc *p = procs_find(d->procs, np->group, np->name);
		/* cgroups: update restarts a program whose limits changed
		 * (supctl reload applies them to it running) */
		if (!p || p->removing || p->next_conf || !conf_process_equal(p->conf, np) ||
		    !conf_cgroup_equal(p->conf->s->cgroup, np->s->cgroup) ||
		    p->gprio != g->priority)
			return true;
	}
	return g->nprocs != group_count(counts, g->name);
}

static int diff(struct daemon *d, const struct conf *nc, struct ops_diff *out)
{
	struct strmap counts = {0};
	int r = group_counts(d->procs, &counts);
	for (size_t i = 0; i < nc->ngroups && r == 0; i++) {
		const struct conf_group *g = &nc->groups[i];
		if (!group_count(&counts, g->name))
			r = push(&out->added, &out->nadded, g->name);
		else if (group_changed(d, nc, g, &counts))
			r = push(&out->changed, &out->nchanged, g->name);
	}
	strmap_free(&counts);
	struct proc *const *v = procs_ordered(d->procs);
	for (size_t i = 0; i < procs_count(d->procs) && r == 0; i++) {
		const char *gname = v[i]->conf->group;
		if (v[i]->removing)
			continue;
		const struct conf_group *g = conf_find_group(nc, gname);
		if (g)
			continue;
		bool seen = false;
		for (size_t k = 0; k < out->nremoved && !seen; k++)
			seen = !strcmp(out->removed[k], gname);
		if (!seen)
			r = push(&out->removed, &out->nremoved, gname);
	}
	if (r == 0) {
		/* qsort(NULL, 0, ...) is undefined: the lists may be empty */
		if (out->nadded > 1)
			qsort(out->added, out->nadded, sizeof(char *), name_cmp);
		if (out->nchanged > 1)
			qsort(out->changed, out->nchanged, sizeof(char *), name_cmp);
		if (out->nremoved > 1)
			qsort(out->removed, out->nremoved, sizeof(char *), name_cmp);
	}
	return r;
}

static int op_reread(void *arg, struct ops_diff *out, char *err, size_t errlen)
{
	struct daemon *d = arg;
	struct conf *nc = NULL;
	/* Nothing changed since the last reread (supctl's update rereads
	 * right after a reread): its model again, for a 10,000-program
	 * config one read of the file instead of a parse (#18). */
	if (d->reread && daemon_conf_unchanged(d, d->reread->c)) {
		log_debug("reread: %s unchanged since the last reread", d->reread->c->path);
		int r = diff(d, d->reread->c, out);
		if (r < 0)
			ops_diff_free(out);
		return r;
	}
	int r = daemon_load_conf(d, &nc, err, errlen);
	if (r < 0)
		return r;
	struct conf_ref *ref = conf_ref_new(nc);
	if (!ref) {
		conf_free(nc);
		return -ENOMEM;
	}
	conf_ref_put(d->reread);
	d->reread = ref;
	r = diff(d, nc, out);
	if (r < 0)
		ops_diff_free(out);
	return r;
}

/* The config groups are added from: the last reread, else the current. */
static struct conf_ref *group_source(struct daemon *d)
{
	return d->reread ? d->reread : d->cref;
}

static int op_add_group(void *arg, const char *name)
{
	struct daemon *d = arg;
	struct conf_ref *src = group_source(d);
	const struct conf *c = src->c;
	const struct conf_group *g = conf_find_group(c, name);
	if (!g)
		return -ENOENT;
	if (procs_in_group(d->procs, name))
		return -EEXIST;
	struct proc **added = calloc(g->nprocs + 1, sizeof(*added));
	if (!added)
		return -ENOMEM;
	size_t n = 0;
	int r = 0;
	for (size_t i = 0; i < g->nprocs && r == 0; i++) {
		const struct conf_process *p = &c->procs[g->procs[i]];
		struct proc *old = procs_find(d->procs, p->group, p->name);
		if (old) {
			/* retired and still stopping: it comes back on p */
			old->removing = false;
			proc_replace(old, p, src, g->priority);
			continue;
		}
		r = procs_add(d->procs, p, src, g->priority, &added[n]);
		if (r == 0)
			n++;
	}
	/* The applied config is now the one the group came from. */
	if (src != d->cref) {
		conf_ref_put(d->cref);
		d->cref = src;
		d->reread = NULL;
		daemon_set_procs_env(d);
	}
	log_info("added process group %s", name);
	daemon_group_event(d, true, name);
	api_events_config(d->api, "added", name);
	for (size_t i = 0; i < n; i++)
		proc_autostart(added[i]);
	free(added);
	return r;
}

static int op_remove_group(void *arg, const char *name)
{
	struct daemon *d = arg;
	size_t n = procs_count(d->procs), k = 0;
	struct proc **v = malloc((n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	struct proc *const *all = procs_ordered(d->procs);
	for (size_t i = 0; i < n; i++)
		if (!all[i]->removing && !strcmp(all[i]->conf->group, name))
			v[k++] = all[i];
	int r = 0;
	if (!k)
		r = -ENOENT;
	for (size_t i = 0; i < k && r == 0; i++)
		if (!proc_is_stopped(v[i]) || v[i]->pid)
			r = -EBUSY;
	if (r == 0) {
		for (size_t i = 0; i < k; i++)
			proc_retire(v[i]);
		log_info("removed process group %s", name);
		daemon_group_event(d, false, name);
		api_events_config(d->api, "removed", name);
		if (d->reread && d->reread != d->cref) {
			conf_ref_put(d->cref);
			d->cref = d->reread;
			d->reread = NULL;
			daemon_set_procs_env(d);
		}
	}
	free(v);
	return r;
}

static int op_reopen(void *arg)
{
	return daemon_reopen_logs(arg);
}

static int op_upgrade(void *arg, const char *path, unsigned *gen, char *err, size_t errlen)
{
	return daemon_upgrade_begin(arg, path, gen, err, errlen);
}

static unsigned op_upgrades(void *arg, const char **error)
{
	struct daemon *d = arg;
	*error = d->upgrade_error;
	return d->upgrades;
}

static int op_remote_comm(void *arg, const char *type, const char *data)
{
	struct daemon *d = arg;
	if (!events_wanted(d->events, EV_REMOTE_COMMUNICATION))
		return 0;
	return events_notify(d->events,
			     ev_newf(EV_REMOTE_COMMUNICATION, "type:%s\n%s", type, data));
}

static void op_pools(void *arg, events_pool_cb *cb, void *cbarg)
{
	struct daemon *d = arg;
	if (d->events)
		events_pool_stats(d->events, cb, cbarg);
}

/* ---------------------------------------------------------------- lifecycle */

int control_start(struct daemon *d, char *err, size_t errlen)
{
	struct ops_daemon ops = {
	    .arg = d,
	    .procs = op_procs,
	    .conf = op_conf,
	    .state = op_state,
	    .shutdown = op_shutdown,
	    .reload = op_reload,
	    .reopen = op_reopen,
	    .reread = op_reread,
	    .add_group = op_add_group,
	    .remove_group = op_remove_group,
	    .remote_comm = op_remote_comm,
	    .pools = op_pools,
	    .upgrade = op_upgrade,
	    .upgrades = op_upgrades,
	};
	int r = api_new(&d->api, d->loop, &ops);
	if (r < 0) {
		snprintf(err, errlen, "starting the API: %s", strerror(-r));
		return r;
	}
	/* supervisord's words: every listener answers its XML-RPC interface */
	if (d->cref->c->nservers > 0)
		log_info("RPC interface 'supervisor' initialized");
	r = open_http(d, err, errlen);
	if (r < 0) {
		api_free(d->api);
		d->api = NULL;
		d->http = NULL;
	}
	return r;
}

int control_reload(struct daemon *d, const struct conf *nc, char *err, size_t errlen)
{
	if (!d->http)
		return 0;
	/* Signals alone are no way to run supd: an emptied or half-written
	 * config must not take the last control channel away. */
	if (http_listeners(d->http) > 0 && nc->nservers == 0)
		return buf_errf(err, errlen, -EINVAL,
				"the new config has no [unix_http_server] or [inet_http_server]: "
				"supd could not be controlled any more (remove the sections by a "
				"restart if that is meant)");
	int r = http_reconfigure(d->http, nc, err, errlen);
	if (r == 0 && d->api)
		api_events_config(d->api, "reload", NULL);
	return r;
}

void control_restore(struct daemon *d)
{
	char err[512];
	if (d->http && http_restore(d->http, err, sizeof(err)) < 0)
		log_error("recreating the control sockets: %s", err);
}

void control_flush(struct daemon *d)
{
	/* A shutdown requested over the API: let its answer go out. */
	for (int i = 0; i < 20 && d->http && http_connections(d->http) > 0; i++)
		loop_run_once(d->loop, 10);
}

void control_stop(struct daemon *d)
{
	if (d->http)
		http_free(d->http);
	d->http = NULL;
	if (d->api)
		api_free(d->api);
	d->api = NULL;
}
