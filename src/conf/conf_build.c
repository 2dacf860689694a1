/* conf_build: the raw form typed into the model: the [supervisord], server,
 * [supervisorctl] and plugin sections, with the typing helpers of
 * conf_opt.c.  Programs and groups are in conf_prog.c. */
#include "config.h"

#include "conf_int.h"
#include "conf_value.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

/* ---------------------------------------------------------------- [supervisord] */

enum {
	S_LOGFILE,
	S_LOGFILE_MAXBYTES,
	S_LOGFILE_BACKUPS,
	S_LOGLEVEL,
	S_PIDFILE,
	S_UMASK,
	S_NODAEMON,
	S_SILENT,
	S_MINFDS,
	S_MINPROCS,
	S_NOCLEANUP,
	S_CHILDLOGDIR,
	S_USER,
	S_DIRECTORY,
	S_STRIP_ANSI,
	S_ENVIRONMENT,
	S_IDENTIFIER,
	S_PROFILE_OPTIONS,
	S_FORWARD_OUTPUT,
	S_FORWARD_TIMESTAMPS,
	S_STATEFILE, /* supd: after supd itself dies (issue #15) */
	S_ENV_FILE,  /* svc-kinds */
	S_CGROUPS,   /* cgroups */
	S_N
};

static const char *const supd_opts[S_N] = {
    "logfile",
    "logfile_maxbytes",
    "logfile_backups",
    "loglevel",
    "pidfile",
    "umask",
    "nodaemon",
    "silent",
    "minfds",
    "minprocs",
    "nocleanup",
    "childlogdir",
    "user",
    "directory",
    "strip_ansi",
    "environment",
    "identifier",
    "profile_options",
    "forward_output",
    "forward_timestamps",
    "statefile",
    "env_file",
    "cgroups",
};

static void build_supd(struct ctx *x)
{
	struct conf_supd *s = &x->c->supd;
	s->logfile = cb_xstrdup(x, "supervisord.log");
	s->logfile_maxbytes = DEFAULT_LOG_MAXBYTES;
	s->logfile_backups = 10;
	s->loglevel = LL_INFO;
	s->pidfile = cb_xstrdup(x, "supervisord.pid");
	s->umask = 022;
	s->minfds = 1024;
	s->minprocs = 200;
	const char *tmp = cb_env_get(x->env, "TMPDIR");
	s->childlogdir = cb_xstrdup(x, tmp && *tmp ? tmp : "/tmp");
	s->identifier = cb_xstrdup(x, "supervisor");
}

static void type_supd(struct ctx *x, const struct raw_kv **v)
{
	struct conf_supd *s = &x->c->supd;
	struct names n = {.x = x, .here = x->c->here};
	struct opt o;
	char *t = NULL;

	/* env_file, then environment (which wins over the files) first: their
	 * keys are ENV_ names for everything else */
	if (v[S_ENV_FILE]) {
		char *here =
		    strcmp(v[S_ENV_FILE]->file, CMDLINE) ? cb_dir_of(v[S_ENV_FILE]->file) : NULL;
		n.here = here ? here : x->c->here;
		if (cb_opt_get(x, &n, v[S_ENV_FILE], &o, &t, ","))
			cb_t_env_files(x, &o, n.here, &s->env_files, &s->nenv_files, &s->env);
		free(here);
		free(t);
		t = NULL;
		n.here = x->c->here;
	}
	if (v[S_ENVIRONMENT])
		cb_t_env(x, &n, v[S_ENVIRONMENT], &s->env);
	for (int i = 0; i < S_N; i++) {
		if (i == S_ENVIRONMENT || i == S_ENV_FILE || !v[i])
			continue;
		char *here =
		    v[i]->file && strcmp(v[i]->file, CMDLINE) ? cb_dir_of(v[i]->file) : NULL;
		n.here = here ? here : x->c->here;
		free(t);
		t = NULL;
		if (!cb_opt_get(x, &n, v[i], &o, &t, ",")) {
			free(here);
			continue;
		}
		free(here);
		switch (i) {
		case S_LOGFILE: {
			enum cv_logfile k;
			char *p = NULL;
			if (cv_logfile(o.v, x->home, &k, &p) < 0) {
				cb_bad_value(&o, "a path, or NONE");
				break;
			}
			if (k == CV_LOG_JOURNAL && cv_journal_missing()) {
				diag_error(x->d, o.kv->file, o.kv->line, 0, "%s=journal: %s",
					   o.kv->key, cv_journal_missing());
				o.bad = true;
				break;
			}
			free(s->logfile);
			s->logfile = NULL;
			s->logfile_syslog = k == CV_LOG_SYSLOG;
			s->logfile_journal = k == CV_LOG_JOURNAL;
			if (k == CV_LOG_PATH) {
				s->logfile = p;
				cb_check_dir_of(x, o.kv, p);
			} else if (k == CV_LOG_AUTO) {
				/* only program logs have AUTO; supervisord writes a
				 * file of that name */
				cb_t_path(&o, &s->logfile);
			}
			break;
		}
		case S_LOGFILE_MAXBYTES:
			cb_t_bytes(&o, &s->logfile_maxbytes);
			break;
		case S_LOGFILE_BACKUPS:
			cb_t_int(&o, 0, INT_MAX, &s->logfile_backups);
			break;
		case S_LOGLEVEL:
			if (cv_loglevel(o.v, &s->loglevel) < 0)
				cb_bad_value(
				    &o, "critical, error, warn, info, debug, trace or blather");
			break;
		case S_PIDFILE:
			cb_t_path(&o, &s->pidfile);
			if (s->pidfile)
				cb_check_dir_of(x, o.kv, s->pidfile);
			break;
		case S_UMASK:
			cb_t_octal(&o, &s->umask);
			break;
		case S_NODAEMON:
			cb_t_bool(&o, &s->nodaemon);
			break;
		case S_SILENT:
			cb_t_bool(&o, &s->silent);
			break;
		case S_MINFDS:
			cb_t_long(&o, 1, INT_MAX, &s->minfds);
			break;
		case S_MINPROCS:
			cb_t_long(&o, 1, INT_MAX, &s->minprocs);
			break;
		case S_NOCLEANUP:
			cb_t_bool(&o, &s->nocleanup);
			break;
		case S_CHILDLOGDIR:
			cb_t_path(&o, &s->childlogdir);
			if (s->childlogdir)
				cb_check_dir(x, o.kv, s->childlogdir);
			break;
		case S_USER:
			if (*o.v) {
				cb_t_str(&o, &s->user);
				cb_check_user(&o);
			}
			break;
		case S_DIRECTORY:
			if (*o.v) {
				cb_t_path(&o, &s->directory);
				if (s->directory)
					cb_check_dir(x, o.kv, s->directory);
			}
			break;
		case S_STRIP_ANSI:
			cb_t_bool(&o, &s->strip_ansi);
			break;
		case S_IDENTIFIER:
			cb_t_str(&o, &s->identifier);
			break;
		case S_PROFILE_OPTIONS:
			diag_warn(x->d, o.kv->file, o.kv->line, 0,
				  "profile_options is ignored: supd has no profiler");
			break;
		case S_FORWARD_OUTPUT:
			cb_t_bool(&o, &s->forward_output);
			break;
		case S_FORWARD_TIMESTAMPS:
			cb_t_bool(&o, &s->forward_timestamps);
			break;
		case S_STATEFILE:
			/* NONE: none kept; "" would be no path at all */
			if (!*o.v) {
				cb_bad_value(&o, "a path, or NONE");
			} else if (!strcasecmp(o.v, "NONE")) {
				free(s->statefile);
				s->statefile = cb_xstrdup(x, "");
			} else {
				cb_t_path(&o, &s->statefile);
				if (s->statefile)
					cb_check_dir_of(x, o.kv, s->statefile);
			}
			break;
		case S_CGROUPS:
			if (cv_cgroups(o.v, &s->cgroups) < 0)
				cb_bad_value(&o, "auto or off");
			break;
		}
	}
	free(t);
}

/* ---------------------------------------------------------------- servers, ctl, plugins */

/* From H_READ_USERS on: access by role (doc/security.md); the role lists
 * are [unix_http_server]'s, users is [inet_http_server]'s. */
enum {
	H_FILE,
	H_CHMOD,
	H_CHOWN,
	H_PORT,
	H_USERNAME,
	H_PASSWORD,
	H_READ_USERS,
	H_READ_GROUPS,
	H_OPERATE_USERS,
	H_OPERATE_GROUPS,
	H_ADMIN_USERS,
	H_ADMIN_GROUPS,
	H_USERS,
	H_N
};
static const char *const server_opts[H_N] = {
    "file",	   "chmod",	   "chown",	  "port",	   "username",
    "password",	   "read_users",   "read_groups", "operate_users", "operate_groups",
    "admin_users", "admin_groups", "users"};

static bool unix_only(int i)
{
	return i == H_FILE || i == H_CHMOD || i == H_CHOWN || (i >= H_READ_USERS && i < H_USERS);
}

static bool inet_only(int i)
{
	return i == H_PORT || i == H_USERS;
}

static struct conf_access *access_of(struct ctx *x, struct conf_server *sv)
{
	if (!sv->access && !(sv->access = calloc(1, sizeof(*sv->access))))
		x->oom = true;
	return sv->access;
}

/* A role list: names or numeric ids separated by commas or blanks, or
 * "*"; kept comma-separated.  A name this machine does not know is
 * warned about (the list may be meant for another host). */
static void t_role_list(struct ctx *x, struct opt *o, bool groups, char **out)
{
	char *norm = calloc(1, strlen(o->v) + 1);
	if (!norm) {
		x->oom = true;
		return;
	}
	const char *p = o->v;
	while (*p) {
		p += strspn(p, ", \t\n");
		size_t k = strcspn(p, ", \t\n");
		if (!k)
			break;
		char *name = strndup(p, k);
		if (!name) {
			x->oom = true;
			break;
		}
		bool numeric = strspn(name, "0123456789") == k;
		if (strcmp(name, "*") && !numeric &&
		    !(groups ? (void *)getgrnam(name) : (void *)getpwnam(name)))
			diag_warn(x->d, o->kv->file, o->kv->line, 0,
				  "%s '%s' does not exist on this machine (%s)",
				  groups ? "group" : "user", name, o->kv->key);
		if (*norm)
			strcat(norm, ",");
		strcat(norm, name);
		free(name);
		p += k;
	}
	if (!*norm) {
		free(norm);
		cb_bad_value(o, groups ? "group names or gids, or *" : "user names or uids, or *");
		return;
	}
	free(*out);
	*out = norm;
}

/* users=name:role:password, ...: the password is the rest of the entry,
 * so it may hold colons but no comma or blank (a crypt hash never does). */
static void t_accounts(struct ctx *x, struct opt *o, struct conf_access *a)
{
	const char *p = o->v;
	while (*p && !x->oom) {
		p += strspn(p, ", \t\n");
		size_t k = strcspn(p, ", \t\n");
		if (!k)
			break;
		char *e = strndup(p, k);
		p += k;
		if (!e) {
			x->oom = true;
			break;
		}
		char *c1 = strchr(e, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c1 == e) {
			diag_error(x->d, o->kv->file, o->kv->line, 0,
				   "bad entry '%s' for users (name:role:password, role read, "
				   "operate or admin)",
				   e);
			free(e);
			continue;
		}
		*c1 = *c2 = '\0';
		enum conf_role role = conf_role_parse(c1 + 1);
		bool dup = false;
		for (size_t i = 0; i < a->naccounts; i++)
			dup |= !strcmp(a->accounts[i].name, e);
		if (!role || dup) {
			if (dup)
				diag_error(x->d, o->kv->file, o->kv->line, 0,
					   "user '%s' is given twice in users", e);
			else
				diag_error(
				    x->d, o->kv->file, o->kv->line, 0,
				    "unknown role '%s' for user '%s' in users (read, operate "
				    "or admin)",
				    c1 + 1, e);
			free(e);
			continue;
		}
		struct conf_account *v =
		    realloc(a->accounts, (a->naccounts + 1) * sizeof(*a->accounts));
		if (!v) {
			free(e);
			x->oom = true;
			break;
		}
		a->accounts = v;
		v[a->naccounts++] = (struct conf_account){
		    .name = cb_xstrdup(x, e), .role = role, .password = cb_xstrdup(x, c2 + 1)};
		explicit_bzero(e, k);
		free(e);
	}
}

static void build_server(struct ctx *x, const struct raw_section *sec, bool inet)
{
	const struct raw_kv *v[H_N] = {0};
	struct conf_server *sv = realloc(x->c->servers, (x->c->nservers + 1) * sizeof(*sv));
	if (!sv) {
		x->oom = true;
		return;
	}
	x->c->servers = sv;
	sv = &sv[x->c->nservers++];
	memset(sv, 0, sizeof(*sv));
	sv->section = cb_xstrdup(x, sec->name);
	sv->inet = inet;
	sv->chmod = 0700;
	cb_gather(x, sec, server_opts, H_N, v, false);
	for (size_t k = 0; k < sec->nkv; k++) {
		const struct raw_kv *kv = &sec->kv[k];
		bool ok = true;
		for (int i = 0; i < H_N; i++)
			if (kv == v[i])
				ok = inet ? !unix_only(i) : !inet_only(i);
		if (!ok)
			diag_warn(x->d, kv->file, kv->line, 0,
				  "unknown option '%s' in [%s] (ignored)", kv->key, sec->name);
	}
	struct names n = {.x = x, .env1 = &x->c->supd.env};
	struct opt o;
	for (int i = 0; i < H_N; i++) {
		if (!v[i] || (inet && unix_only(i)) || (!inet && inet_only(i)))
			continue;
		char *here = cb_dir_of(v[i]->file);
		n.here = here;
		char *t = NULL;
		bool got = cb_opt_get(x, &n, v[i], &o, &t, ",");
		free(here);
		if (!got)
			continue;
		switch (i) {
		case H_FILE:
			if (!*o.v)
				cb_bad_value(&o, "a socket path");
			else
				cb_t_path(&o, &sv->file);
			if (sv->file)
				cb_check_dir_of(x, o.kv, sv->file);
			break;
		case H_CHMOD:
			cb_t_octal(&o, &sv->chmod);
			break;
		case H_CHOWN:
			if (cv_owner(o.v) < 0) {
				cb_bad_value(&o, "user or user:group");
			} else {
				cb_t_str(&o, &sv->chown);
				char *u = strndup(o.v, strcspn(o.v, ":"));
				if (u && strspn(u, "0123456789") != strlen(u) && !getpwnam(u))
					diag_warn(
					    x->d, o.kv->file, o.kv->line, 0,
					    "user '%s' does not exist on this machine (chown)", u);
				free(u);
			}
			break;
		case H_PORT: {
			int r = cv_inet_port(o.v, &sv->host, &sv->port);
			if (r == -ENOMEM)
				x->oom = true;
			else if (r < 0)
				cb_bad_value(&o,
					     "host:port, :port, *:port or port, port 1 to 65535");
			break;
		}
		case H_USERNAME:
			cb_t_str(&o, &sv->username);
			break;
		case H_PASSWORD:
			cb_t_str(&o, &sv->password);
			break;
		case H_USERS:
			if (access_of(x, sv))
				t_accounts(x, &o, sv->access);
			break;
		default: { /* the role lists: read_users, read_groups, operate_users... */
			int k = i - H_READ_USERS;
			if (access_of(x, sv))
				t_role_list(x, &o, k % 2,
					    k % 2 ? &sv->access->groups[k / 2]
						  : &sv->access->users[k / 2]);
			break;
		}
		}
		free(t);
	}
	if (!inet && !sv->file && !v[H_FILE])
		diag_error(x->d, sec->file, sec->line, 0, "[%s] needs a 'file' (the socket path)",
			   sec->name);
	if (inet && !v[H_PORT])
		diag_error(x->d, sec->file, sec->line, 0, "[%s] needs a 'port'", sec->name);
	if (!v[H_USERNAME] != !v[H_PASSWORD]) {
		const struct raw_kv *kv = v[H_USERNAME] ? v[H_USERNAME] : v[H_PASSWORD];
		diag_error(x->d, kv->file, kv->line, 0,
			   "[%s] sets %s without %s: give both or neither", sec->name, kv->key,
			   v[H_USERNAME] ? "password" : "username");
	}
}

/* After C_LIMITS, supctl's limits: known, so not warned about, but read by
 * supctl only. */
enum { C_SERVERURL, C_USERNAME, C_PASSWORD, C_PROMPT, C_HISTORY_FILE, C_LIMITS };
#define C_N (C_LIMITS + 4)
static const char *const ctl_opts[C_N] = {"serverurl", "username",	 "password",
					  "prompt",    "history_file",	 "connect_timeout",
					  "timeout",   "follow_timeout", "max_response"};

static void build_ctl(struct ctx *x, const struct raw_section *sec)
{
	const struct raw_kv *v[C_N] = {0};
	struct conf_ctl *c = &x->c->ctl;
	c->present = true;
	cb_gather(x, sec, ctl_opts, C_N, v, true);
	struct names n = {.x = x, .env1 = &x->c->supd.env};
	struct opt o;
	for (int i = 0; i < C_LIMITS; i++) {
		if (!v[i])
			continue;
		char *here = cb_dir_of(v[i]->file);
		n.here = here;
		char *t = NULL;
		bool got = cb_opt_get(x, &n, v[i], &o, &t, ",");
		free(here);
		if (!got)
			continue;
		switch (i) {
		case C_SERVERURL:
			cb_t_str(&o, &c->serverurl);
			break;
		case C_USERNAME:
			cb_t_str(&o, &c->username);
			break;
		case C_PASSWORD:
			cb_t_str(&o, &c->password);
			break;
		case C_PROMPT:
			cb_t_str(&o, &c->prompt);
			break;
		case C_HISTORY_FILE:
			cb_t_path(&o, &c->history_file);
			break;
		}
		free(t);
	}
}

static void build_plugin(struct ctx *x, const struct raw_section *sec, bool ctl)
{
	const char *key = ctl ? "supervisor.ctl_factory" : "supervisor.rpcinterface_factory";
	const struct raw_kv *kv = raw_get(sec, key);
	if (!kv || kv->kind != RAW_SCALAR || !kv->value || !*kv->value) {
		diag_error(x->d, sec->file, sec->line, 0, "[%s] needs a '%s'", sec->name, key);
		return;
	}
	struct conf_plugin *p = realloc(x->c->plugins, (x->c->nplugins + 1) * sizeof(*p));
	if (!p) {
		x->oom = true;
		return;
	}
	x->c->plugins = p;
	p = &p[x->c->nplugins++];
	memset(p, 0, sizeof(*p));
	p->section = cb_xstrdup(x, sec->name);
	p->factory = cb_xstrdup(x, kv->value);
	p->is_ctl = ctl;
	p->file = cb_xstrdup(x, kv->file);
	p->line = kv->line;
	if (ctl || strcmp(kv->value, MAIN_RPC_FACTORY) != 0)
		diag_warn(x->d, kv->file, kv->line, 0,
			  "supd cannot load Python plugin '%s' of [%s]: ignored", kv->value,
			  sec->name);
}

/* ---------------------------------------------------------------- the model */

static void check_sections(struct ctx *x, struct raw_conf *r)
{
	static const char *const exact[] = {"supervisord", "supd", "supervisorctl", "supctl",
					    "include"};
	static const char *const prefixes[] = {
	    "program:", "group:", "eventlistener:", "fcgi-program:", "rpcinterface:", "ctlplugin:"};
	for (size_t i = 0; i < r->nsecs; i++) {
		const char *n = r->secs[i].name;
		bool known = false;
		for (size_t k = 0; k < 5 && !known; k++)
			known = !strcmp(n, exact[k]);
		for (size_t k = 0; k < 6 && !known; k++)
			known = !strncmp(n, prefixes[k], strlen(prefixes[k]));
		if (!known)
			known = !strncmp(n, "unix_http_server", 16) ||
				!strncmp(n, "inet_http_server", 16);
		if (!known)
			diag_warn(x->d, r->secs[i].file, r->secs[i].line, 0,
				  "unknown section [%s] (ignored)", n);
	}
}

int conf_from_raw(struct raw_conf *r, const char *path, const struct conf_load_opts *o,
		  struct conf **out, struct diags *d)
{
	struct ctx x = {.o = o, .d = d};
	*out = NULL;
	x.env = o->environ ? o->environ : environ;
	x.home = cb_env_get(x.env, "HOME");
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(x.node, sizeof(x.node), "%s", u.nodename);
	x.c = calloc(1, sizeof(*x.c));
	if (!x.c)
		return -ENOMEM;
	size_t errors_before = d->nerrors;
	x.errors0 = errors_before;
	x.c->path = cb_xstrdup(&x, path);
	x.c->here = cb_dir_of(path);
	if (!x.c->here)
		x.oom = true;

	check_sections(&x, r);
	build_supd(&x);
	const struct raw_kv *sv[S_N] = {0};
	for (size_t i = 0; i < r->nsecs; i++)
		if (cb_is_supd_section(r->secs[i].name))
			cb_gather(&x, &r->secs[i], supd_opts, S_N, sv, true);
	type_supd(&x, sv);

	for (size_t i = 0; i < r->nsecs; i++) {
		const struct raw_section *s = &r->secs[i];
		if (!strncmp(s->name, "unix_http_server", 16) &&
		    (!s->name[16] || s->name[16] == ':'))
			build_server(&x, s, false);
		else if (!strncmp(s->name, "inet_http_server", 16) &&
			 (!s->name[16] || s->name[16] == ':'))
			build_server(&x, s, true);
		else if (!strcmp(s->name, "supervisorctl") || !strcmp(s->name, "supctl"))
			build_ctl(&x, s);
		else if (!strncmp(s->name, "rpcinterface:", 13))
			build_plugin(&x, s, false);
		else if (!strncmp(s->name, "ctlplugin:", 10))
			build_plugin(&x, s, true);
	}
	if (x.c->ctl.present && !x.c->ctl.prompt)
		x.c->ctl.prompt = cb_xstrdup(&x, "supervisor");
	cb_build_programs(&x, r);
	cb_settings_done(&x);
	cb_here_free(&x);
	strpool_seal(&x.c->strs);

	if (x.oom || d->nerrors > errors_before) {
		conf_free(x.c);
		return x.oom ? -ENOMEM : -EINVAL;
	}
	*out = x.c;
	return 0;
}
