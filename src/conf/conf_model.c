/* conf_model: the model's own functions: freeing it, comparing two
 * processes (what a reload restarts), and the lookups everyone asks of it.
 * Nothing here reads or builds a config. */
#include "config.h"

#include "conf_int.h"
#include "conf_value.h"

#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

void cb_check_free(struct conf_check *k)
{
	free(k->spec);
	cv_strv_free(k->argv);
	free(k->host);
	free(k->path);
	if (k->regex) {
		regfree(k->regex);
		free(k->regex);
	}
}

void cb_settings_free(struct conf_settings *s)
{
	if (!s)
		return;
	free(s->user);
	conf_env_free(&s->env);
	free(s->directory);
	free(s->serverurl);
	for (size_t i = 0; i < s->nevents; i++)
		free(s->events[i]);
	free(s->events);
	free(s->result_handler);
	free(s->socket);
	free(s->socket_owner);
	free(s->limits);
	if (s->kinds) {
		for (size_t i = 0; i < s->kinds->nenv_files; i++)
			free(s->kinds->env_files[i]);
		free(s->kinds->env_files);
		free(s->kinds->schedule);
		free(s->kinds->pidfile);
		free(s->kinds);
	}
	cb_deps_free(s->deps);
	free(s->cgroup);
	if (s->checks) {
		cb_check_free(&s->checks->ready);
		cb_check_free(&s->checks->health);
		free(s->checks);
	}
	free(s);
}

static void conf_access_free(struct conf_access *a)
{
	if (!a)
		return;
	for (int i = 0; i < CONF_ROLES; i++) {
		free(a->users[i]);
		free(a->groups[i]);
	}
	for (size_t i = 0; i < a->naccounts; i++) {
		free(a->accounts[i].name);
		if (a->accounts[i].password)
			explicit_bzero(a->accounts[i].password, strlen(a->accounts[i].password));
		free(a->accounts[i].password);
	}
	free(a->accounts);
	free(a);
}

static const char *const role_names[] = {"none", "read", "operate", "admin"};

const char *conf_role_name(enum conf_role r)
{
	return (unsigned)r < 4 ? role_names[r] : "none";
}

enum conf_role conf_role_parse(const char *s)
{
	for (int r = CONF_ROLE_READ; r <= CONF_ROLE_ADMIN; r++)
		if (!strcmp(s, role_names[r]))
			return (enum conf_role)r;
	return CONF_ROLE_NONE;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->here);
	struct conf_supd *s = &c->supd;
	free(s->logfile);
	free(s->pidfile);
	free(s->childlogdir);
	free(s->user);
	free(s->directory);
	conf_env_free(&s->env);
	free(s->identifier);
	free(s->statefile);
	for (size_t i = 0; i < s->nenv_files; i++)
		free(s->env_files[i]);
	free(s->env_files);
	for (size_t i = 0; i < c->nservers; i++) {
		struct conf_server *v = &c->servers[i];
		free(v->section);
		free(v->file);
		free(v->chown);
		free(v->host);
		free(v->username);
		free(v->password);
		conf_access_free(v->access);
	}
	free(c->servers);
	free(c->ctl.serverurl);
	free(c->ctl.username);
	free(c->ctl.password);
	free(c->ctl.prompt);
	free(c->ctl.history_file);
	for (size_t i = 0; i < c->nplugins; i++) {
		free(c->plugins[i].section);
		free(c->plugins[i].factory);
		free(c->plugins[i].file);
	}
	free(c->plugins);
	for (size_t i = 0; i < c->nprocs; i++) {
		free(c->procs[i].out_path);
		free(c->procs[i].err_path);
	}
	/* the settings are the conf's (cb_settings_intern), not the
	 * processes' */
	for (size_t i = 0; i < c->nsettings; i++)
		cb_settings_free(c->settings[i]);
	free(c->settings);
	free(c->procs);
	free(c->group_procs);
	free(c->groups);
	strpool_free(&c->strs);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

/* ---------------------------------------------------------------- queries */

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool stream_eq(const struct conf_stream *a, const struct conf_stream *b)
{
	return a->kind == b->kind && a->maxbytes == b->maxbytes && a->backups == b->backups &&
	       a->capture_maxbytes == b->capture_maxbytes &&
	       a->events_enabled == b->events_enabled && a->syslog == b->syslog &&
	       a->journal == b->journal && a->timestamps == b->timestamps;
}

static bool env_eq(const struct conf_env *a, const struct conf_env *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->keys[i], b->keys[i]) || strcmp(a->vals[i], b->vals[i]))
			return false;
	return true;
}

/* env_files are left out: their contents are in env, and a file renamed
 * with the same contents runs the same program. */
static bool kinds_eq(const struct conf_kinds *a, const struct conf_kinds *b)
{
	static const struct conf_kinds none = {.backoff_max_ms = CONF_BACKOFF_MAX_MS};
	a = a ? a : &none;
	b = b ? b : &none;
	return a->backoff == b->backoff && a->backoff_max_ms == b->backoff_max_ms &&
	       a->backoff_reset_ms == b->backoff_reset_ms &&
	       a->fatal_retry_after_ms == b->fatal_retry_after_ms &&
	       str_eq(a->schedule, b->schedule) && str_eq(a->pidfile, b->pidfile);
}

static bool check_eq(const struct conf_check *a, const struct conf_check *b)
{
	return a->kind == b->kind && str_eq(a->spec, b->spec) && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms;
}

/* The spec says all the rest of a check (argv, host, regex...). */
static bool checks_eq(const struct conf_checks *a, const struct conf_checks *b)
{
	if (!a || !b)
		return a == b;
	return check_eq(&a->ready, &b->ready) && check_eq(&a->health, &b->health) &&
	       a->ready_timeout_ms == b->ready_timeout_ms && a->watchdog_ms == b->watchdog_ms &&
	       a->health_retries == b->health_retries && a->health_action == b->health_action;
}

/* What a reload compares of two settings: what the program runs with
 * (numprocs, env_files' names, depends_on's place and the cgroup are left
 * out; conf_cgroup_equal is asked apart). */
static bool settings_eq(const struct conf_settings *a, const struct conf_settings *b)
{
	if (a == b)
		return true;
	if (a->kind != b->kind || a->priority != b->priority || a->autostart != b->autostart ||
	    a->startsecs != b->startsecs || a->startretries != b->startretries ||
	    a->autorestart != b->autorestart ||
	    memcmp(a->exitcodes, b->exitcodes, sizeof(a->exitcodes)) != 0 ||
	    a->stopsignal != b->stopsignal || a->stopwaitsecs != b->stopwaitsecs ||
	    a->stopasgroup != b->stopasgroup || a->killasgroup != b->killasgroup ||
	    !str_eq(a->user, b->user) || a->redirect_stderr != b->redirect_stderr ||
	    !stream_eq(&a->out, &b->out) || !stream_eq(&a->err, &b->err) ||
	    !env_eq(&a->env, &b->env) || !str_eq(a->directory, b->directory) ||
	    a->umask != b->umask || !str_eq(a->serverurl, b->serverurl) ||
	    a->forward_output != b->forward_output || a->tail_buffer != b->tail_buffer ||
	    a->shutdown_on != b->shutdown_on || a->nevents != b->nevents ||
	    a->buffer_size != b->buffer_size || !str_eq(a->result_handler, b->result_handler) ||
	    !str_eq(a->socket, b->socket) || a->socket_backlog != b->socket_backlog ||
	    !str_eq(a->socket_owner, b->socket_owner) || a->socket_mode != b->socket_mode ||
	    !kinds_eq(a->kinds, b->kinds) || !cb_deps_equal(a->deps, b->deps) ||
	    !checks_eq(a->checks, b->checks))
		return false;
	for (size_t i = 0; i < a->nevents; i++)
		if (strcmp(a->events[i], b->events[i]))
			return false;
	/* both zeroed at allocation: no padding differs */
	return !a->limits == !b->limits &&
	       (!a->limits || memcmp(a->limits, b->limits, sizeof(*a->limits)) == 0);
}

bool conf_process_equal(const struct conf_process *a, const struct conf_process *b)
{
	/* program, process_num, file and line only say where the values
	 * came from; what runs is in the expanded values */
	return str_eq(a->name, b->name) && str_eq(a->group, b->group) &&
	       str_eq(a->command, b->command) && str_eq(a->out_path, b->out_path) &&
	       str_eq(a->err_path, b->err_path) && settings_eq(a->s, b->s);
}

bool conf_cgroup_equal(const struct conf_cgroup *a, const struct conf_cgroup *b)
{
	static const struct conf_cgroup none = {0};
	if (!a)
		a = &none;
	if (!b)
		b = &none;
	return a->set == b->set && a->memory_max == b->memory_max &&
	       a->memory_high == b->memory_high && a->memory_swap_max == b->memory_swap_max &&
	       a->pids_max == b->pids_max && a->cpu_quota_us == b->cpu_quota_us &&
	       a->cpu_period_us == b->cpu_period_us && a->cpu_weight == b->cpu_weight &&
	       a->io_weight == b->io_weight && a->kill_mode == b->kill_mode;
}

const char *conf_process_namespec(const struct conf_process *p, char *buf, size_t len)
{
	if (!strcmp(p->group, p->name))
		snprintf(buf, len, "%s", p->name);
	else
		snprintf(buf, len, "%s:%s", p->group, p->name);
	return buf;
}

struct conf_process *conf_find_process(const struct conf *c, const char *group, const char *name)
{
	/* A built model's processes are sorted by group, then name
	 * (conf_prog.c): a binary search, as an upgrade or a state file looks
	 * up every process (quadratic at 10,000 by a scan).  A model made
	 * otherwise (tests) falls back to the scan. */
	size_t lo = 0, hi = group ? c->nprocs : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct conf_process *p = &c->procs[mid];
		int r = strcmp(group, p->group);
		if (!r)
			r = strcmp(name, p->name);
		if (!r)
			return p;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (size_t i = 0; i < c->nprocs; i++) {
		struct conf_process *p = &c->procs[i];
		if ((!group || !strcmp(p->group, group)) && !strcmp(p->name, name))
			return p;
	}
	return NULL;
}

/* A built model's groups are sorted by name (conf_prog.c). */
struct conf_group *conf_find_group(const struct conf *c, const char *name)
{
	size_t lo = 0, hi = c->ngroups;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(name, c->groups[mid].name);
		if (!r)
			return &c->groups[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool conf_exitcode_expected(const struct conf_process *p, int code)
{
	if (code < 0 || code > 255)
		return false;
	return p->s->exitcodes[code / 8] & (1u << (code % 8));
}

const char *conf_loglevel_name(int level)
{
	switch (level) {
	case LL_BLAT:
		return "BLAT";
	case LL_TRAC:
		return "TRAC";
	case LL_DEBG:
		return "DEBG";
	case LL_INFO:
		return "INFO";
	case LL_WARN:
		return "WARN";
	case LL_ERRO:
		return "ERRO";
	case LL_CRIT:
		return "CRIT";
	}
	return "INFO";
}

/* ---------------------------------------------------------------- shared settings */

/* Equal in every field, not only in what a reload compares: one of the
 * two is dropped and its processes read the other's. */
static bool strv_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

/* A new field of conf_settings must be compared here or in settings_eq
 * (and hashed if it is cheap): this assertion fails until the count
 * below is updated. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct conf_settings) == 296, "conf_settings changed: update settings_same");
#endif

static bool settings_same(const struct conf_settings *a, const struct conf_settings *b)
{
	/* (a check's argv, host, path, port, fd and regex are read from its
	 * spec, which settings_eq compares) */
	return settings_eq(a, b) && a->numprocs == b->numprocs &&
	       conf_cgroup_equal(a->cgroup, b->cgroup) &&
	       (!a->kinds || !b->kinds ? a->kinds == b->kinds
				       : strv_same(a->kinds->env_files, a->kinds->nenv_files,
						   b->kinds->env_files, b->kinds->nenv_files)) &&
	       /* where depends_on was set: the checks across programs name it */
	       (!a->deps || !b->deps
		    ? a->deps == b->deps
		    : str_eq(a->deps->file, b->deps->file) && a->deps->line == b->deps->line);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	if (!s)
		return mix(h, 0x9e37);
	for (; *s; s++)
		h = mix(h, (unsigned char)*s);
	return mix(h, 0xff);
}

/* Over fields settings_same compares exactly: equal settings hash alike. */
static uint64_t settings_hash(const struct conf_settings *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = mix(h, (uint64_t)s->kind << 32 | (uint32_t)s->priority);
	h = mix(h, (uint64_t)(uint32_t)s->startsecs << 32 | (uint32_t)s->startretries);
	h = mix(h, (uint64_t)(uint32_t)s->stopwaitsecs << 32 | (uint32_t)s->stopsignal);
	h = mix(h, (uint64_t)(uint32_t)s->numprocs << 32 | (uint32_t)s->umask);
	h = mix(h, (uint64_t)s->autorestart << 8 | s->autostart << 1 | s->redirect_stderr);
	h = mix(h, s->out.kind << 4 | s->err.kind);
	h = mix(h, s->env.n);
	h = mix_str(h, s->user);
	return mix_str(h, s->directory);
}

static bool intern_grow(struct ctx *x)
{
	struct conf *c = x->c;
	if (c->nsettings == x->settings_cap) {
		size_t cap = x->settings_cap ? 2 * x->settings_cap : 16;
		struct conf_settings **v = realloc(c->settings, cap * sizeof(*v));
		if (!v)
			return false;
		c->settings = v;
		uint64_t *h = realloc(x->set_hash, cap * sizeof(*h));
		if (!h)
			return false;
		x->set_hash = h;
		x->settings_cap = cap;
	}
	if (2 * (c->nsettings + 1) > x->set_cap) {
		size_t cap = x->set_cap ? 2 * x->set_cap : 32;
		size_t *slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return false;
		for (size_t i = 0; i < c->nsettings; i++) {
			size_t h = x->set_hash[i] & (cap - 1);
			while (slot[h])
				h = (h + 1) & (cap - 1);
			slot[h] = i + 1;
		}
		free(x->set_slot);
		x->set_slot = slot;
		x->set_cap = cap;
	}
	return true;
}

void cb_settings_intern(struct ctx *x, struct conf_process *p)
{
	struct conf *c = x->c;
	struct conf_settings *s = p->s;
	if (!intern_grow(x)) {
		x->oom = true;
		cb_settings_free(s);
		p->s = NULL;
		return;
	}
	uint64_t hash = settings_hash(s);
	size_t h = hash & (x->set_cap - 1);
	for (; x->set_slot[h]; h = (h + 1) & (x->set_cap - 1)) {
		size_t i = x->set_slot[h] - 1;
		if (x->set_hash[i] == hash && settings_same(c->settings[i], s)) {
			cb_settings_free(s);
			p->s = c->settings[i];
			return;
		}
	}
	x->set_slot[h] = c->nsettings + 1;
	x->set_hash[c->nsettings] = hash;
	c->settings[c->nsettings++] = s;
}

void cb_settings_done(struct ctx *x)
{
	struct conf *c = x->c;
	free(x->set_slot);
	free(x->set_hash);
	x->set_slot = NULL;
	x->set_hash = NULL;
	x->set_cap = x->settings_cap = 0;
	if (c->nsettings) {
		struct conf_settings **fit = realloc(c->settings, c->nsettings * sizeof(*fit));
		if (fit)
			c->settings = fit;
	}
}
