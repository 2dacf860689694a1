/* Reload: the config read again (SIGHUP, or the API's reload and reread)
 * and its difference applied to the process table, all or nothing. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"
#include "log.h"
#include "proc.h"

/* How the daemon loads its config: the file and overrides it was started
 * with, in its own environment. */
static struct conf_load_opts load_opts(const struct daemon *d)
{
	const struct supd_opts *o = d->opts;
	return (struct conf_load_opts){
	    .path = o->config_path,
	    .format = o->format,
	    .overrides = o->overrides,
	    .environ = NULL,
	};
}

int daemon_load_conf(struct daemon *d, struct conf **out, char *err, size_t errlen)
{
	const struct supd_opts *o = d->opts;
	struct conf_load_opts lo = load_opts(d);
	struct diags dg;
	char buf[1024];
	size_t n = 0;
	diags_init(&dg);
	/* The new model takes about what the heap holds now, and the parse as
	 * much again while it runs: resident in one call, not page by page
	 * (daemon_reserve_heap; with the heap's size, 10,000 programs still
	 * took 3,400 faults); what is left over goes back a second later. */
	daemon_reserve_heap(2 * daemon_heap_in_use());
	daemon_trim_heap_soon(d);
	int r = conf_load(&lo, out, &dg);
	if (errlen)
		err[0] = 0;
	if (r < 0 && r != -EINVAL)
		n += (size_t)snprintf(err, errlen, "%s: %s", o->config_path, strerror(-r));
	for (size_t i = 0; i < dg.n; i++) {
		diag_format(&dg.v[i], buf, sizeof(buf));
		if (r == 0) {
			log_warn("%s", buf);
		} else if (n < errlen) {
			n += (size_t)snprintf(err + n, errlen - n, "%s%s", n ? "\n" : "", buf);
		}
	}
	diags_free(&dg);
	return r;
}

bool daemon_conf_unchanged(struct daemon *d, const struct conf *c)
{
	struct conf_load_opts lo = load_opts(d);
	return conf_inputs_same(c, &lo);
}

/* What a reload takes before it changes anything. */
struct reload {
	struct conf *nc;
	struct conf_ref *ncref;
	struct proc **old; /* the table's processes, in order, before the reload */
	size_t n;
	bool *seen; /* old[i] is in the new config */
	int *gp;    /* group priorities, indexed like nc->procs */
};

static int reload_take(struct daemon *d, struct reload *rl)
{
	rl->ncref = conf_ref_new(rl->nc);
	rl->n = procs_count(d->procs);
	rl->old = malloc(rl->n * sizeof(*rl->old) + 1);
	rl->seen = calloc(rl->n + 1, sizeof(bool));
	rl->gp = daemon_group_priorities(rl->nc);
	return !rl->ncref || !rl->old || !rl->seen || !rl->gp ? -ENOMEM : 0;
}

static void reload_release(struct reload *rl)
{
	free(rl->old);
	free(rl->seen);
	free(rl->gp);
}

/* The processes of the table rebound, replaced or retired as the new
 * config says. */
static void reload_match(struct daemon *d, struct reload *rl)
{
	const struct conf *nc = rl->nc;
	if (rl->n)
		memcpy(rl->old, procs_ordered(d->procs), rl->n * sizeof(*rl->old));
	/* Match by name through the table's hash: old[i]->order_idx == i
	 * until a process is removed, and removals come last. */
	for (size_t i = 0; i < nc->nprocs; i++) {
		const struct conf_process *np = &nc->procs[i];
		struct proc *p = procs_find(d->procs, np->group, np->name);
		if (!p)
			continue;
		rl->seen[p->order_idx] = true;
		if (p->removing) {
			/* Removed by an earlier reload, still stopping, and back
			 * now: it starts again on the new config once down. */
			p->removing = false;
			proc_replace(p, np, rl->ncref, rl->gp[i]);
		} else if (conf_process_equal(p->conf, np)) {
			/* cgroups: new limits go to the running leaf, no restart */
			bool limits = !conf_cgroup_equal(p->conf->s->cgroup, np->s->cgroup);
			proc_rebind(p, np, rl->ncref, rl->gp[i]);
			if (limits) {
				log_info("changed: cgroup settings of '%s', applied to it running",
					 np->name);
				proc_apply_limits(p);
			}
		} else {
			log_info("changed: '%s', restarting it", np->name);
			proc_replace(p, np, rl->ncref, rl->gp[i]);
		}
	}
	for (size_t i = 0; i < rl->n; i++) {
		if (rl->seen[i] || rl->old[i]->removing)
			continue;
		log_info("removing '%s'", rl->old[i]->conf->name);
		proc_retire(rl->old[i]);
	}
}

/* The control plane has taken the new config: now the daemon does. */
static void reload_apply(struct daemon *d, struct reload *rl)
{
	const struct conf *nc = rl->nc;
	log_info("reloading %s", d->opts->config_path);
	log_set_level(nc->supd.loglevel);
	struct conf_ref *oldref = d->cref;
	d->cref = rl->ncref;
	daemon_compute_server_url(d, nc);
	daemon_set_procs_env(d);
	reload_match(d, rl);
	reload_release(rl);
	int r = daemon_add_procs(d, nc, rl->ncref);
	if (r < 0)
		log_error("adding processes: %s", strerror(-r));
	daemon_group_events(d, oldref->c, nc);
	daemon_autostart_all(d);
	conf_ref_put(d->reread);
	d->reread = NULL;
	conf_ref_put(oldref);
	daemon_trim_heap();
}

static void reload_refuse(struct daemon *d, struct reload *rl, const char *err, char *why,
			  size_t whylen)
{
	const char *path = d->opts->config_path;
	log_error("not reloading %s: %s", path, err);
	snprintf(why, whylen, "not reloading %s: %s", path, err);
	reload_release(rl);
	if (rl->ncref)
		conf_ref_put(rl->ncref);
	else
		conf_free(rl->nc);
	control_restore(d);
}

int daemon_reload(struct daemon *d, char *why, size_t whylen)
{
	const struct supd_opts *o = d->opts;
	struct reload rl = {0};
	char err[4096];
	int r = daemon_load_conf(d, &rl.nc, err, sizeof(err));
	if (r < 0) {
		log_error("config file %s has errors, not reloading", o->config_path);
		daemon_log_lines(LL_ERRO, err);
		snprintf(why, whylen, "config file %s has errors, not reloading:\n%s",
			 o->config_path, err);
		/* A deleted socket file still comes back. */
		control_restore(d);
		return r;
	}
	r = reload_take(d, &rl);
	if (r < 0)
		snprintf(err, sizeof(err), "%s", strerror(ENOMEM));
	/* The control plane before the programs: if it cannot take the new
	 * config, nothing changes, and a later reload can still apply it all. */
	if (r == 0)
		r = control_reload(d, rl.nc, err, sizeof(err));
	if (r < 0) {
		reload_refuse(d, &rl, err, why, whylen);
		return r;
	}
	reload_apply(d, &rl);
	return 0;
}
