/* conf: from the raw form to the typed model.  Reads the main file and its
 * [include]s, applies command-line overrides, then types, defaults, expands
 * and validates every section the way supervisord's options.py does,
 * collecting every error (doc/compat.md lists where supd differs). */
#include "config.h"

#include "conf.h"
#include "conf_raw.h"
#include "conf_value.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_LOG_MAXBYTES (50ull * 1024 * 1024)
#define DEFAULT_TAIL_BUFFER  (64ull * 1024)
#define DEFAULT_RESULT_HANDLER "supervisor.dispatchers:default_handler"
#define MAIN_RPC_FACTORY     "supervisor.rpcinterface:make_main_rpcinterface"
#define CMDLINE              "command line"

struct ctx {
	const struct conf_load_opts *o;
	struct diags *d;
	struct conf *c;
	char *const *env;
	const char *home;
	char node[256];
	size_t errors0; /* errors in d before this model */
	bool oom;
};

/* ---------------------------------------------------------------- helpers */

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (char *const *e = env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static char *xstrdup(struct ctx *x, const char *s)
{
	if (!s)
		return NULL;
	char *r = strdup(s);
	if (!r)
		x->oom = true;
	return r;
}

/* The directory of a file, as an absolute path (Python's
 * os.path.dirname(os.path.abspath(f))). */
static char *dir_of(const char *file)
{
	char *copy = strdup(file);
	if (!copy)
		return NULL;
	char *dir = dirname(copy);
	char *r;
	if (dir[0] == '/') {
		r = strdup(dir);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			strcpy(cwd, ".");
		if (!strcmp(dir, "."))
			r = strdup(cwd);
		else if (asprintf(&r, "%s/%s", cwd, dir) < 0)
			r = NULL;
	}
	free(copy);
	return r;
}

/* A list as one shell-quoted command line, so that shlex splits it back
 * into the same words. */
static char *shell_join(struct ctx *x, const struct raw_kv *kv)
{
	size_t len = 1;
	for (size_t i = 0; i < kv->nitems; i++)
		len += 4 * strlen(kv->items[i]) + 3;
	char *s = malloc(len), *o = s;
	if (!s) {
		x->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < kv->nitems; i++) {
		const char *w = kv->items[i];
		if (i)
			*o++ = ' ';
		bool plain = *w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_@%+=:,./-") == strlen(w);
		if (plain) {
			o = stpcpy(o, w);
			continue;
		}
		*o++ = '\'';
		for (; *w; w++) {
			if (*w == '\'')
				o = stpcpy(o, "'\\''");
			else
				*o++ = *w;
		}
		*o++ = '\'';
	}
	*o = 0;
	return s;
}

/* A RAW_LIST as one string joined with sep (a YAML sequence of exitcodes
 * reads like "0,2"; sep NULL: a shell-quoted command line); a scalar as
 * itself. */
static char *kv_text(struct ctx *x, const struct raw_kv *kv, const char *sep)
{
	if (kv->kind == RAW_SCALAR)
		return xstrdup(x, kv->value ? kv->value : "");
	if (kv->kind == RAW_MAP) {
		diag_error(x->d, kv->file, kv->line, 0, "%s: expected a single value, not a mapping",
			   kv->key);
		return NULL;
	}
	if (!sep)
		return shell_join(x, kv);
	size_t len = 1;
	for (size_t i = 0; i < kv->nitems; i++)
		len += strlen(kv->items[i]) + strlen(sep);
	char *s = malloc(len);
	if (!s) {
		x->oom = true;
		return NULL;
	}
	s[0] = 0;
	for (size_t i = 0; i < kv->nitems; i++) {
		if (i)
			strcat(s, sep);
		strcat(s, kv->items[i]);
	}
	return s;
}

/* ---------------------------------------------------------------- expansion */

struct names {
	struct ctx *x;
	const char *here;
	bool host;
	const char *program;
	const char *group;
	bool num;
	long process_num, numprocs;
	const struct conf_env *env1, *env2; /* extra ENV_ sources, env2 wins */
};

static int names_lookup(void *ctx, const char *name, const char **str, long *num)
{
	struct names *n = ctx;
	if (!strncmp(name, "ENV_", 4)) {
		const char *k = name + 4;
		const struct conf_env *es[2] = {n->env2, n->env1};
		for (int j = 0; j < 2; j++) {
			const struct conf_env *e = es[j];
			for (size_t i = 0; e && i < e->n; i++) {
				if (!strcmp(e->keys[i], k)) {
					*str = e->vals[i];
					return 1;
				}
			}
		}
		*str = env_get(n->x->env, k);
		return *str ? 1 : 0;
	}
	if (!strcmp(name, "here") && n->here) {
		*str = n->here;
		return 1;
	}
	if (!strcmp(name, "host_node_name") && n->host) {
		*str = n->x->node;
		return 1;
	}
	if (!strcmp(name, "program_name") && n->program) {
		*str = n->program;
		return 1;
	}
	if (!strcmp(name, "group_name") && n->group) {
		*str = n->group;
		return 1;
	}
	if (n->num && !strcmp(name, "process_num")) {
		*num = n->process_num;
		return 2;
	}
	if (n->num && !strcmp(name, "numprocs")) {
		*num = n->numprocs;
		return 2;
	}
	return 0;
}

static void names_list(const struct names *n, char *buf, size_t len)
{
	snprintf(buf, len, "ENV_X for each environment variable X%s%s%s%s%s%s",
		 n->group ? ", group_name" : "", n->here ? ", here" : "",
		 n->host ? ", host_node_name" : "", n->num ? ", numprocs" : "",
		 n->num ? ", process_num" : "", n->program ? ", program_name" : "");
}

/* Expands value (read from kv) into *out.  Returns 0, -EINVAL after adding
 * the error to the diagnostics, or -ENOMEM. */
static int expand(struct names *n, const struct raw_kv *kv, const char *value, char **out)
{
	char *bad = NULL;
	int r = cv_expand(value, names_lookup, n, out, &bad);
	if (r == -ENOENT) {
		if (!strncmp(bad, "ENV_", 4)) {
			diag_error(n->x->d, kv->file, kv->line, 0,
				   "%s: environment variable %s is not set (in %%(%s)s)", kv->key,
				   bad + 4, bad);
		} else {
			char avail[256];
			names_list(n, avail, sizeof(avail));
			diag_error(n->x->d, kv->file, kv->line, 0,
				   "%s: unknown name '%s' in %%(%s)s (available: %s)", kv->key, bad,
				   bad, avail);
		}
		r = -EINVAL;
	} else if (r == -EINVAL) {
		diag_error(n->x->d, kv->file, kv->line, 0, "%s: bad format in '%s': %s", kv->key,
			   value, bad);
	} else if (r == -ENOMEM) {
		n->x->oom = true;
	}
	free(bad);
	return r;
}

/* ---------------------------------------------------------------- option tables */

/* Collects a section's values by option name (a later alias section wins)
 * and warns about every key no option has. */
static void gather(struct ctx *x, const struct raw_section *s, const char *const *names, size_t n,
		   const struct raw_kv **vals, bool warn_unknown)
{
	for (size_t k = 0; k < s->nkv; k++) {
		const struct raw_kv *kv = &s->kv[k];
		size_t i;
		for (i = 0; i < n; i++)
			if (!strcmp(kv->key, names[i]))
				break;
		if (i < n)
			vals[i] = kv;
		else if (warn_unknown)
			diag_warn(x->d, kv->file, kv->line, 0, "unknown option '%s' in [%s] (ignored)",
				  kv->key, s->name);
	}
}

/* One option's value, expanded: the context typing functions work in. */
struct opt {
	struct ctx *x;
	const struct raw_kv *kv;
	const char *v;
	bool bad;
};

static void bad_value(struct opt *o, const char *what)
{
	diag_error(o->x->d, o->kv->file, o->kv->line, 0, "unknown value '%s' for %s (%s)", o->v,
		   o->kv->key, what);
	o->bad = true;
}

static void t_bool(struct opt *o, bool *out)
{
	if (cv_bool(o->v, out) < 0)
		bad_value(o, "true/false, yes/no, on/off or 1/0");
}

static void t_int(struct opt *o, long min, long max, int *out)
{
	long v;
	int r = cv_int(o->v, min, max, &v);
	if (r == -ERANGE) {
		diag_error(o->x->d, o->kv->file, o->kv->line, 0,
			   "value '%s' for %s is out of range (%ld to %ld)", o->v, o->kv->key, min,
			   max);
		o->bad = true;
	} else if (r < 0) {
		bad_value(o, "an integer");
	} else {
		*out = (int)v;
	}
}

static void t_long(struct opt *o, long min, long max, long *out)
{
	int v = 0;
	t_int(o, min, max, &v);
	*out = v;
}

static void t_bytes(struct opt *o, uint64_t *out)
{
	int r = cv_bytes(o->v, out);
	if (r == -ERANGE) {
		diag_error(o->x->d, o->kv->file, o->kv->line, 0, "value '%s' for %s is out of range",
			   o->v, o->kv->key);
		o->bad = true;
	} else if (r < 0) {
		bad_value(o, "a byte size like 1024, 50KB, 50MB or 1GB");
	}
}

static void t_octal(struct opt *o, int *out)
{
	if (cv_octal(o->v, out) < 0)
		bad_value(o, "an octal number like 022 or 0700");
}

static void t_str(struct opt *o, char **out)
{
	free(*out);
	*out = xstrdup(o->x, o->v);
}

/* A path option: ~ expanded like os.path.expanduser. */
static void t_path(struct opt *o, char **out)
{
	free(*out);
	*out = NULL;
	if (cv_expand_user(o->v, o->x->home, out) < 0)
		o->x->oom = true;
}

static void check_user(struct opt *o)
{
	const char *u = o->v;
	bool numeric = *u && strspn(u, "0123456789") == strlen(u);
	if (!numeric && !getpwnam(u))
		diag_warn(o->x->d, o->kv->file, o->kv->line, 0,
			  "user '%s' does not exist on this machine (%s)", u, o->kv->key);
}

static void check_dir_of(struct ctx *x, const struct raw_kv *kv, const char *path)
{
	char *copy = strdup(path);
	if (!copy) {
		x->oom = true;
		return;
	}
	const char *dir = dirname(copy);
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		diag_warn(x->d, kv->file, kv->line, 0,
			  "%s: the directory of '%s' does not exist on this machine", kv->key,
			  path);
	free(copy);
}

static void check_dir(struct ctx *x, const struct raw_kv *kv, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		diag_warn(x->d, kv->file, kv->line, 0, "%s: directory '%s' does not exist on this machine",
			  kv->key, dir);
}

/* Expands kv (when present) into o; false when absent or broken. */
static bool opt_get(struct ctx *x, struct names *n, const struct raw_kv *kv, struct opt *o,
		    char **tmp, const char *sep)
{
	o->x = x;
	o->kv = kv;
	o->v = NULL;
	o->bad = false;
	if (!kv)
		return false;
	char *text = kv_text(x, kv, sep);
	if (!text)
		return false;
	int r = expand(n, kv, text, tmp);
	free(text);
	if (r < 0)
		return false;
	o->v = *tmp;
	return true;
}

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
	S_N
};

static const char *const supd_opts[S_N] = {
	"logfile",   "logfile_maxbytes", "logfile_backups", "loglevel",    "pidfile",
	"umask",     "nodaemon",         "silent",          "minfds",      "minprocs",
	"nocleanup", "childlogdir",      "user",            "directory",   "strip_ansi",
	"environment", "identifier",     "profile_options", "forward_output",
	"forward_timestamps",
};

static bool is_supd_section(const char *name)
{
	return !strcmp(name, "supervisord") || !strcmp(name, "supd");
}

/* environment= from a scalar (supervisord's syntax) or a map. */
static void t_env(struct ctx *x, struct names *n, const struct raw_kv *kv, struct conf_env *env)
{
	if (kv->kind == RAW_MAP) {
		for (size_t i = 0; i < kv->nitems; i++) {
			char *v = NULL;
			if (expand(n, kv, kv->items[i], &v) == 0 &&
			    conf_env_set(env, kv->mapkeys[i], v) < 0)
				x->oom = true;
			free(v);
		}
		return;
	}
	char *text = kv_text(x, kv, ",");
	char *v = NULL;
	if (!text || expand(n, kv, text, &v) < 0) {
		free(text);
		return;
	}
	free(text);
	const char *why = NULL;
	char *skipped = NULL;
	int r = cv_environment(v, env, &why, &skipped);
	if (r == -ENOMEM)
		x->oom = true;
	else if (r < 0)
		diag_error(x->d, kv->file, kv->line, 0,
			   "environment: %s in '%s' (write KEY=value,KEY2=\"value 2\")", why, v);
	else if (skipped)
		diag_warn(x->d, kv->file, kv->line, 0,
			  "environment: '%s' is ignored, as supervisord does (quote values that "
			  "contain spaces or other punctuation)",
			  skipped);
	free(skipped);
	free(v);
}

static void build_supd(struct ctx *x)
{
	struct conf_supd *s = &x->c->supd;
	s->logfile = xstrdup(x, "supervisord.log");
	s->logfile_maxbytes = DEFAULT_LOG_MAXBYTES;
	s->logfile_backups = 10;
	s->loglevel = LL_INFO;
	s->pidfile = xstrdup(x, "supervisord.pid");
	s->umask = 022;
	s->minfds = 1024;
	s->minprocs = 200;
	const char *tmp = env_get(x->env, "TMPDIR");
	s->childlogdir = xstrdup(x, tmp && *tmp ? tmp : "/tmp");
	s->identifier = xstrdup(x, "supervisor");
}

static void type_supd(struct ctx *x, const struct raw_kv **v)
{
	struct conf_supd *s = &x->c->supd;
	struct names n = {.x = x, .here = x->c->here};
	struct opt o;
	char *t = NULL;

	/* environment first: its keys are ENV_ names for everything else */
	if (v[S_ENVIRONMENT])
		t_env(x, &n, v[S_ENVIRONMENT], &s->env);
	for (int i = 0; i < S_N; i++) {
		if (i == S_ENVIRONMENT || !v[i])
			continue;
		char *here = v[i]->file && strcmp(v[i]->file, CMDLINE) ? dir_of(v[i]->file) : NULL;
		n.here = here ? here : x->c->here;
		free(t);
		t = NULL;
		if (!opt_get(x, &n, v[i], &o, &t, ",")) {
			free(here);
			continue;
		}
		free(here);
		switch (i) {
		case S_LOGFILE: {
			enum cv_logfile k;
			char *p = NULL;
			if (cv_logfile(o.v, x->home, &k, &p) < 0) {
				bad_value(&o, "a path, or NONE");
				break;
			}
			free(s->logfile);
			s->logfile = NULL;
			if (k == CV_LOG_PATH) {
				s->logfile = p;
				check_dir_of(x, o.kv, p);
			} else if (k == CV_LOG_SYSLOG) {
				diag_warn(x->d, o.kv->file, o.kv->line, 0,
					  "logfile=syslog is not supported by supd: no log file is "
					  "written (supd's log still goes to stderr in the "
					  "foreground)");
			} else if (k == CV_LOG_AUTO) {
				/* only program logs have AUTO; supervisord writes a
				 * file of that name */
				t_path(&o, &s->logfile);
			}
			break;
		}
		case S_LOGFILE_MAXBYTES:
			t_bytes(&o, &s->logfile_maxbytes);
			break;
		case S_LOGFILE_BACKUPS:
			t_int(&o, 0, INT_MAX, &s->logfile_backups);
			break;
		case S_LOGLEVEL:
			if (cv_loglevel(o.v, &s->loglevel) < 0)
				bad_value(&o, "critical, error, warn, info, debug, trace or blather");
			break;
		case S_PIDFILE:
			t_path(&o, &s->pidfile);
			if (s->pidfile)
				check_dir_of(x, o.kv, s->pidfile);
			break;
		case S_UMASK:
			t_octal(&o, &s->umask);
			break;
		case S_NODAEMON:
			t_bool(&o, &s->nodaemon);
			break;
		case S_SILENT:
			t_bool(&o, &s->silent);
			break;
		case S_MINFDS:
			t_long(&o, 1, INT_MAX, &s->minfds);
			break;
		case S_MINPROCS:
			t_long(&o, 1, INT_MAX, &s->minprocs);
			break;
		case S_NOCLEANUP:
			t_bool(&o, &s->nocleanup);
			break;
		case S_CHILDLOGDIR:
			t_path(&o, &s->childlogdir);
			if (s->childlogdir)
				check_dir(x, o.kv, s->childlogdir);
			break;
		case S_USER:
			if (*o.v) {
				t_str(&o, &s->user);
				check_user(&o);
			}
			break;
		case S_DIRECTORY:
			if (*o.v) {
				t_path(&o, &s->directory);
				if (s->directory)
					check_dir(x, o.kv, s->directory);
			}
			break;
		case S_STRIP_ANSI:
			t_bool(&o, &s->strip_ansi);
			break;
		case S_IDENTIFIER:
			t_str(&o, &s->identifier);
			break;
		case S_PROFILE_OPTIONS:
			diag_warn(x->d, o.kv->file, o.kv->line, 0,
				  "profile_options is ignored: supd has no profiler");
			break;
		case S_FORWARD_OUTPUT:
			t_bool(&o, &s->forward_output);
			break;
		case S_FORWARD_TIMESTAMPS:
			t_bool(&o, &s->forward_timestamps);
			break;
		}
	}
	free(t);
}

/* ---------------------------------------------------------------- servers, ctl, plugins */

enum { H_FILE, H_CHMOD, H_CHOWN, H_PORT, H_USERNAME, H_PASSWORD, H_N };
static const char *const server_opts[H_N] = {"file",     "chmod",    "chown",
					     "port",     "username", "password"};

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
	sv->section = xstrdup(x, sec->name);
	sv->inet = inet;
	sv->chmod = 0700;
	gather(x, sec, server_opts, H_N, v, false);
	for (size_t k = 0; k < sec->nkv; k++) {
		const struct raw_kv *kv = &sec->kv[k];
		bool ok = inet ? (kv == v[H_PORT] || kv == v[H_USERNAME] || kv == v[H_PASSWORD])
			       : (kv != v[H_PORT]);
		if (!ok)
			diag_warn(x->d, kv->file, kv->line, 0, "unknown option '%s' in [%s] (ignored)",
				  kv->key, sec->name);
	}
	struct names n = {.x = x};
	struct opt o;
	for (int i = 0; i < H_N; i++) {
		if (!v[i] || (inet && (i == H_FILE || i == H_CHMOD || i == H_CHOWN)) ||
		    (!inet && i == H_PORT))
			continue;
		char *here = dir_of(v[i]->file);
		n.here = here;
		char *t = NULL;
		bool got = opt_get(x, &n, v[i], &o, &t, ",");
		free(here);
		if (!got)
			continue;
		switch (i) {
		case H_FILE:
			if (!*o.v)
				bad_value(&o, "a socket path");
			else
				t_path(&o, &sv->file);
			if (sv->file)
				check_dir_of(x, o.kv, sv->file);
			break;
		case H_CHMOD:
			t_octal(&o, &sv->chmod);
			break;
		case H_CHOWN:
			if (cv_owner(o.v) < 0) {
				bad_value(&o, "user or user:group");
			} else {
				t_str(&o, &sv->chown);
				char *u = strndup(o.v, strcspn(o.v, ":"));
				if (u && strspn(u, "0123456789") != strlen(u) && !getpwnam(u))
					diag_warn(x->d, o.kv->file, o.kv->line, 0,
						  "user '%s' does not exist on this machine (chown)", u);
				free(u);
			}
			break;
		case H_PORT: {
			int r = cv_inet_port(o.v, &sv->host, &sv->port);
			if (r == -ENOMEM)
				x->oom = true;
			else if (r < 0)
				bad_value(&o, "host:port, :port, *:port or port, port 1 to 65535");
			break;
		}
		case H_USERNAME:
			t_str(&o, &sv->username);
			break;
		case H_PASSWORD:
			t_str(&o, &sv->password);
			break;
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

enum { C_SERVERURL, C_USERNAME, C_PASSWORD, C_PROMPT, C_HISTORY_FILE, C_N };
static const char *const ctl_opts[C_N] = {"serverurl", "username", "password", "prompt",
					  "history_file"};

static void build_ctl(struct ctx *x, const struct raw_section *sec)
{
	const struct raw_kv *v[C_N] = {0};
	struct conf_ctl *c = &x->c->ctl;
	c->present = true;
	gather(x, sec, ctl_opts, C_N, v, true);
	struct names n = {.x = x};
	struct opt o;
	for (int i = 0; i < C_N; i++) {
		if (!v[i])
			continue;
		char *here = dir_of(v[i]->file);
		n.here = here;
		char *t = NULL;
		bool got = opt_get(x, &n, v[i], &o, &t, ",");
		free(here);
		if (!got)
			continue;
		switch (i) {
		case C_SERVERURL:
			t_str(&o, &c->serverurl);
			break;
		case C_USERNAME:
			t_str(&o, &c->username);
			break;
		case C_PASSWORD:
			t_str(&o, &c->password);
			break;
		case C_PROMPT:
			t_str(&o, &c->prompt);
			break;
		case C_HISTORY_FILE:
			t_path(&o, &c->history_file);
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
	p->section = xstrdup(x, sec->name);
	p->factory = xstrdup(x, kv->value);
	p->is_ctl = ctl;
	p->file = xstrdup(x, kv->file);
	p->line = kv->line;
	if (ctl || strcmp(kv->value, MAIN_RPC_FACTORY) != 0)
		diag_warn(x->d, kv->file, kv->line, 0,
			  "supd cannot load Python plugin '%s' of [%s]: ignored", kv->value,
			  sec->name);
}

/* ---------------------------------------------------------------- programs */

enum {
	P_COMMAND,
	P_PROCESS_NAME,
	P_NUMPROCS,
	P_NUMPROCS_START,
	P_PRIORITY,
	P_AUTOSTART,
	P_STARTSECS,
	P_STARTRETRIES,
	P_AUTORESTART,
	P_EXITCODES,
	P_STOPSIGNAL,
	P_STOPWAITSECS,
	P_STOPASGROUP,
	P_KILLASGROUP,
	P_USER,
	P_REDIRECT_STDERR,
	P_STDOUT_LOGFILE,
	P_STDOUT_LOGFILE_MAXBYTES,
	P_STDOUT_LOGFILE_BACKUPS,
	P_STDOUT_CAPTURE_MAXBYTES,
	P_STDOUT_EVENTS_ENABLED,
	P_STDOUT_SYSLOG,
	P_STDOUT_LOGFILE_TIMESTAMPS,
	P_STDERR_LOGFILE,
	P_STDERR_LOGFILE_MAXBYTES,
	P_STDERR_LOGFILE_BACKUPS,
	P_STDERR_CAPTURE_MAXBYTES,
	P_STDERR_EVENTS_ENABLED,
	P_STDERR_SYSLOG,
	P_STDERR_LOGFILE_TIMESTAMPS,
	P_ENVIRONMENT,
	P_DIRECTORY,
	P_UMASK,
	P_SERVERURL,
	P_FORWARD_OUTPUT,
	P_TAIL_BUFFER,
	/* [eventlistener:x] */
	P_EVENTS,
	P_BUFFER_SIZE,
	P_RESULT_HANDLER,
	/* [fcgi-program:x] */
	P_SOCKET,
	P_SOCKET_BACKLOG,
	P_SOCKET_OWNER,
	P_SOCKET_MODE,
	P_N
};

static const char *const prog_opts[P_N] = {
	"command",
	"process_name",
	"numprocs",
	"numprocs_start",
	"priority",
	"autostart",
	"startsecs",
	"startretries",
	"autorestart",
	"exitcodes",
	"stopsignal",
	"stopwaitsecs",
	"stopasgroup",
	"killasgroup",
	"user",
	"redirect_stderr",
	"stdout_logfile",
	"stdout_logfile_maxbytes",
	"stdout_logfile_backups",
	"stdout_capture_maxbytes",
	"stdout_events_enabled",
	"stdout_syslog",
	"stdout_logfile_timestamps",
	"stderr_logfile",
	"stderr_logfile_maxbytes",
	"stderr_logfile_backups",
	"stderr_capture_maxbytes",
	"stderr_events_enabled",
	"stderr_syslog",
	"stderr_logfile_timestamps",
	"environment",
	"directory",
	"umask",
	"serverurl",
	"forward_output",
	"tail_buffer",
	"events",
	"buffer_size",
	"result_handler",
	"socket",
	"socket_backlog",
	"socket_owner",
	"socket_mode",
};

/* A [program:x], [eventlistener:x] or [fcgi-program:x] section. */
struct prog {
	const struct raw_section *sec;
	enum conf_kind kind;
	char *name;
	const struct raw_kv *v[P_N];
	int ngroups; /* [group:x] sections naming it */
	bool bad;    /* its own errors were reported */
};

static void stream_defaults(struct conf_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = CONF_LOG_AUTO;
	s->maxbytes = DEFAULT_LOG_MAXBYTES;
	s->backups = 10;
}

static void stream_logfile(struct opt *o, struct conf_stream *s, bool *syslog_set)
{
	enum cv_logfile k;
	char *p = NULL;
	if (cv_logfile(o->v, o->x->home, &k, &p) < 0) {
		if (p)
			free(p);
		bad_value(o, "AUTO, NONE or a path");
		return;
	}
	free(s->path);
	s->path = NULL;
	switch (k) {
	case CV_LOG_AUTO:
		s->kind = CONF_LOG_AUTO;
		break;
	case CV_LOG_NONE:
		s->kind = CONF_LOG_NONE;
		break;
	case CV_LOG_SYSLOG:
		s->kind = CONF_LOG_NONE;
		s->syslog = true;
		*syslog_set = true;
		diag_warn(o->x->d, o->kv->file, o->kv->line, 0,
			  "%s=syslog is deprecated: read as %.6s_syslog=true and %s=NONE", o->kv->key,
			  o->kv->key, o->kv->key);
		break;
	case CV_LOG_PATH:
		s->kind = CONF_LOG_FILE;
		s->path = p;
		check_dir_of(o->x, o->kv, p);
		break;
	}
}

static void proc_free(struct conf_process *p)
{
	free(p->name);
	free(p->group);
	free(p->program);
	free(p->file);
	free(p->command);
	cv_strv_free(p->argv);
	free(p->user);
	free(p->out.path);
	free(p->err.path);
	conf_env_free(&p->env);
	free(p->directory);
	free(p->serverurl);
	for (size_t i = 0; i < p->nevents; i++)
		free(p->events[i]);
	free(p->events);
	free(p->result_handler);
	free(p->socket);
	free(p->socket_owner);
}

static void type_events(struct ctx *x, struct opt *o, struct conf_process *p)
{
	char *copy = xstrdup(x, o->v);
	if (!copy)
		return;
	char *save = NULL;
	for (char *t = strtok_r(copy, ", \t\n", &save); t; t = strtok_r(NULL, ", \t\n", &save)) {
		if (!cv_event_known(t)) {
			diag_error(x->d, o->kv->file, o->kv->line, 0,
				   "unknown event type '%s' in events (PROCESS_STATE, "
				   "PROCESS_STATE_RUNNING, TICK_5, ... see supd.conf(5))",
				   t);
			o->bad = true;
			continue;
		}
		char **ev = realloc(p->events, (p->nevents + 1) * sizeof(*ev));
		if (!ev) {
			x->oom = true;
			break;
		}
		p->events = ev;
		p->events[p->nevents] = xstrdup(x, t);
		if (p->events[p->nevents])
			p->nevents++;
	}
	free(copy);
	if (!p->nevents && !o->bad) {
		diag_error(x->d, o->kv->file, o->kv->line, 0, "events is empty: name at least one "
							       "event type");
	}
}

static void type_socket(struct ctx *x, struct opt *o, struct conf_process *p)
{
	const char *s = o->v;
	if (!strncmp(s, "unix://", 7)) {
		if (s[7] != '/') {
			bad_value(o, "unix:///absolute/path or tcp://host:port");
			return;
		}
	} else if (!strncmp(s, "tcp://", 6)) {
		char *h = NULL;
		int port;
		const char *hp = s + 6;
		if (!strchr(hp, ':') || cv_inet_port(hp, &h, &port) < 0 || !*h) {
			free(h);
			bad_value(o, "unix:///absolute/path or tcp://host:port");
			return;
		}
		free(h);
	} else {
		bad_value(o, "unix:///absolute/path or tcp://host:port");
		return;
	}
	t_str(o, &p->socket);
}

/* Types one process of a program section; process_num is num. */
static void build_proc(struct ctx *x, struct prog *pg, const char *group, long num, long numprocs,
		       struct conf_process *p)
{
	const struct raw_kv *const *v = pg->v;
	struct conf_supd *sd = &x->c->supd;
	struct names n = {
		.x = x,
		.host = true,
		.program = pg->name,
		.group = group,
		.num = true,
		.process_num = num,
		.numprocs = numprocs,
	};
	struct opt o;
	bool out_syslog = false, err_syslog = false;

	memset(p, 0, sizeof(*p));
	p->kind = pg->kind;
	p->program = xstrdup(x, pg->name);
	p->group = xstrdup(x, group);
	p->file = xstrdup(x, pg->sec->file);
	p->line = pg->sec->line;
	p->process_num = (int)num;
	p->numprocs = (int)numprocs;
	p->priority = pg->kind == CONF_EVENTLISTENER ? -1 : 999;
	p->autostart = true;
	p->startsecs = 1;
	p->startretries = 3;
	p->autorestart = CONF_AR_UNEXPECTED;
	p->exitcodes[0] = 1;
	p->stopsignal = SIGTERM;
	p->stopwaitsecs = 10;
	stream_defaults(&p->out);
	stream_defaults(&p->err);
	p->umask = -1;
	p->forward_output = sd->forward_output;
	p->tail_buffer = DEFAULT_TAIL_BUFFER;
	p->buffer_size = 10;
	if (pg->kind == CONF_EVENTLISTENER)
		p->result_handler = xstrdup(x, DEFAULT_RESULT_HANDLER);
	p->socket_backlog = SOMAXCONN;
	p->socket_mode = 0700;

	/* the program's environment sees the process environment only; its
	 * keys (and [supervisord]'s) are ENV_ names for every other option */
	if (v[P_ENVIRONMENT]) {
		char *here = dir_of(v[P_ENVIRONMENT]->file);
		n.here = here;
		struct conf_env own = {0};
		t_env(x, &n, v[P_ENVIRONMENT], &own);
		free(here);
		for (size_t i = 0; i < sd->env.n; i++)
			if (conf_env_set(&p->env, sd->env.keys[i], sd->env.vals[i]) < 0)
				x->oom = true;
		for (size_t i = 0; i < own.n; i++)
			if (conf_env_set(&p->env, own.keys[i], own.vals[i]) < 0)
				x->oom = true;
		conf_env_free(&own);
	} else {
		for (size_t i = 0; i < sd->env.n; i++)
			if (conf_env_set(&p->env, sd->env.keys[i], sd->env.vals[i]) < 0)
				x->oom = true;
	}
	n.env1 = &sd->env;
	n.env2 = &p->env;

	bool have_kill = false;
	for (int i = 0; i < P_N; i++) {
		if (i == P_ENVIRONMENT || i == P_NUMPROCS || i == P_NUMPROCS_START || !v[i])
			continue;
		if (pg->kind != CONF_EVENTLISTENER &&
		    (i == P_EVENTS || i == P_BUFFER_SIZE || i == P_RESULT_HANDLER))
			continue;
		if (pg->kind != CONF_FCGI && i >= P_SOCKET)
			continue;
		char *here = dir_of(v[i]->file);
		n.here = here;
		char *t = NULL;
		bool got = opt_get(x, &n, v[i], &o, &t, i == P_COMMAND ? NULL : ",");
		free(here);
		if (!got) {
			free(t);
			continue;
		}
		switch (i) {
		case P_COMMAND:
			t_str(&o, &p->command);
			break;
		case P_PROCESS_NAME:
			t_str(&o, &p->name);
			break;
		case P_PRIORITY:
			t_int(&o, INT_MIN, INT_MAX, &p->priority);
			break;
		case P_AUTOSTART:
			t_bool(&o, &p->autostart);
			break;
		case P_STARTSECS:
			t_int(&o, 0, INT_MAX, &p->startsecs);
			break;
		case P_STARTRETRIES:
			t_int(&o, 0, INT_MAX, &p->startretries);
			break;
		case P_AUTORESTART:
			if (cv_autorestart(o.v, &p->autorestart) < 0)
				bad_value(&o, "true, false or unexpected");
			break;
		case P_EXITCODES: {
			int r = cv_exitcodes(o.v, p->exitcodes);
			if (r < 0)
				bad_value(&o, "a comma list of exit codes from 0 to 255");
			break;
		}
		case P_STOPSIGNAL:
			if (cv_signal(o.v, &p->stopsignal) < 0)
				bad_value(&o, "a signal name like TERM, SIGINT or a number");
			break;
		case P_STOPWAITSECS:
			t_int(&o, 0, INT_MAX, &p->stopwaitsecs);
			break;
		case P_STOPASGROUP:
			t_bool(&o, &p->stopasgroup);
			break;
		case P_KILLASGROUP:
			t_bool(&o, &p->killasgroup);
			have_kill = !o.bad;
			break;
		case P_USER:
			if (*o.v) {
				t_str(&o, &p->user);
				check_user(&o);
			}
			break;
		case P_REDIRECT_STDERR:
			t_bool(&o, &p->redirect_stderr);
			break;
		case P_STDOUT_LOGFILE:
			stream_logfile(&o, &p->out, &out_syslog);
			break;
		case P_STDOUT_LOGFILE_MAXBYTES:
			t_bytes(&o, &p->out.maxbytes);
			break;
		case P_STDOUT_LOGFILE_BACKUPS:
			t_int(&o, 0, INT_MAX, &p->out.backups);
			break;
		case P_STDOUT_CAPTURE_MAXBYTES:
			t_bytes(&o, &p->out.capture_maxbytes);
			break;
		case P_STDOUT_EVENTS_ENABLED:
			t_bool(&o, &p->out.events_enabled);
			break;
		case P_STDOUT_SYSLOG:
			if (!out_syslog)
				t_bool(&o, &p->out.syslog);
			break;
		case P_STDOUT_LOGFILE_TIMESTAMPS:
			t_bool(&o, &p->out.timestamps);
			break;
		case P_STDERR_LOGFILE:
			stream_logfile(&o, &p->err, &err_syslog);
			break;
		case P_STDERR_LOGFILE_MAXBYTES:
			t_bytes(&o, &p->err.maxbytes);
			break;
		case P_STDERR_LOGFILE_BACKUPS:
			t_int(&o, 0, INT_MAX, &p->err.backups);
			break;
		case P_STDERR_CAPTURE_MAXBYTES:
			t_bytes(&o, &p->err.capture_maxbytes);
			break;
		case P_STDERR_EVENTS_ENABLED:
			t_bool(&o, &p->err.events_enabled);
			break;
		case P_STDERR_SYSLOG:
			if (!err_syslog)
				t_bool(&o, &p->err.syslog);
			break;
		case P_STDERR_LOGFILE_TIMESTAMPS:
			t_bool(&o, &p->err.timestamps);
			break;
		case P_DIRECTORY:
			if (*o.v)
				t_path(&o, &p->directory);
			break;
		case P_UMASK:
			if (*o.v)
				t_octal(&o, &p->umask);
			break;
		case P_SERVERURL:
			if (*o.v && strcmp(o.v, "AUTO") != 0)
				t_str(&o, &p->serverurl);
			break;
		case P_FORWARD_OUTPUT:
			t_bool(&o, &p->forward_output);
			break;
		case P_TAIL_BUFFER:
			t_bytes(&o, &p->tail_buffer);
			break;
		case P_EVENTS:
			type_events(x, &o, p);
			break;
		case P_BUFFER_SIZE:
			t_int(&o, 1, INT_MAX, &p->buffer_size);
			break;
		case P_RESULT_HANDLER:
			t_str(&o, &p->result_handler);
			if (strcmp(o.v, DEFAULT_RESULT_HANDLER) != 0)
				diag_warn(x->d, o.kv->file, o.kv->line, 0,
					  "supd cannot load Python plugin '%s' (result_handler): "
					  "ignored, supd's handler accepts 'OK' like supervisord's "
					  "default",
					  o.v);
			break;
		case P_SOCKET:
			type_socket(x, &o, p);
			break;
		case P_SOCKET_BACKLOG:
			t_int(&o, 1, 65535, &p->socket_backlog);
			break;
		case P_SOCKET_OWNER:
			if (cv_owner(o.v) < 0)
				bad_value(&o, "user or user:group");
			else
				t_str(&o, &p->socket_owner);
			break;
		case P_SOCKET_MODE:
			t_octal(&o, &p->socket_mode);
			break;
		}
		free(t);
	}
	if (!have_kill)
		p->killasgroup = p->stopasgroup;
	if (!p->name)
		p->name = xstrdup(x, pg->name);
}

/* The checks that need the whole process; reported once per program. */
static void check_proc(struct ctx *x, struct prog *pg, struct conf_process *p)
{
	const struct raw_kv *const *v = pg->v;
	const struct raw_section *s = pg->sec;
	int c;
	if (!v[P_COMMAND]) {
		diag_error(x->d, s->file, s->line, 0, "[%s] needs a 'command'", s->name);
	} else if (p->command) {
		const char *why = NULL;
		int r = cv_shlex(p->command, &p->argv, &p->argc, &why);
		if (r == -ENOMEM)
			x->oom = true;
		else if (r < 0)
			diag_error(x->d, v[P_COMMAND]->file, v[P_COMMAND]->line, 0,
				   "command: can't parse '%s': %s", p->command, why);
		else if (p->argc == 0)
			diag_error(x->d, v[P_COMMAND]->file, v[P_COMMAND]->line, 0,
				   "command is empty");
	}
	if (p->name && (c = cv_name_check(p->name)) != 0) {
		const struct raw_kv *kv = v[P_PROCESS_NAME];
		if (c < 0)
			diag_error(x->d, kv ? kv->file : s->file, kv ? kv->line : s->line, 0,
				   "process name is empty");
		else
			diag_error(x->d, kv ? kv->file : s->file, kv ? kv->line : s->line, 0,
				   "invalid process name '%s': it contains '%c' (no space, ':' or "
				   "'/')",
				   p->name, c);
	}
	if (p->stopasgroup && !p->killasgroup)
		diag_error(x->d, v[P_KILLASGROUP]->file, v[P_KILLASGROUP]->line, 0,
			   "killasgroup=false contradicts stopasgroup=true (stopasgroup implies "
			   "killasgroup)");
	if (p->redirect_stderr && pg->kind == CONF_EVENTLISTENER) {
		diag_error(x->d, v[P_REDIRECT_STDERR]->file, v[P_REDIRECT_STDERR]->line, 0,
			   "redirect_stderr=true is not allowed in [%s]: it would interfere with "
			   "the event listener protocol",
			   s->name);
	} else if (p->redirect_stderr && v[P_STDERR_LOGFILE]) {
		diag_warn(x->d, v[P_STDERR_LOGFILE]->file, v[P_STDERR_LOGFILE]->line, 0,
			  "stderr_logfile is ignored with redirect_stderr=true");
		free(p->err.path);
		p->err.path = NULL;
		p->err.kind = CONF_LOG_AUTO;
	}
	if (pg->kind == CONF_EVENTLISTENER && !v[P_EVENTS])
		diag_error(x->d, s->file, s->line, 0, "[%s] needs 'events' (the event types it "
						      "listens to)",
			   s->name);
	if (pg->kind == CONF_FCGI) {
		if (!v[P_SOCKET])
			diag_error(x->d, s->file, s->line, 0,
				   "[%s] needs a 'socket' (unix:///path or tcp://host:port)",
				   s->name);
		else if (p->socket && !strncmp(p->socket, "tcp://", 6) &&
			 (v[P_SOCKET_OWNER] || v[P_SOCKET_MODE]))
			diag_error(x->d, v[P_SOCKET]->file, v[P_SOCKET]->line, 0,
				   "socket_owner and socket_mode only apply to a unix:// socket");
	}
	for (int i = 0; i < 2; i++) {
		const struct conf_stream *st = i ? &p->err : &p->out;
		const struct raw_kv *kv = v[i ? P_STDERR_LOGFILE_MAXBYTES : P_STDOUT_LOGFILE_MAXBYTES];
		if (st->kind == CONF_LOG_AUTO && st->maxbytes == 0 && kv && !(i && p->redirect_stderr))
			diag_warn(x->d, kv->file, kv->line, 0,
				  "%s=0 with an AUTO log file: the file grows without bound",
				  kv->key);
	}
}

/* Numbers read before the per-process loop: no process_num there. */
static long prog_number(struct ctx *x, struct prog *pg, const char *group, int opt, long def,
			long min)
{
	const struct raw_kv *kv = pg->v[opt];
	if (!kv)
		return def;
	struct names n = {.x = x, .host = true, .program = pg->name, .group = group};
	char *here = dir_of(kv->file);
	n.here = here;
	char *t = NULL;
	struct opt o;
	long v = def;
	if (opt_get(x, &n, kv, &o, &t, ","))
		t_long(&o, min, 1000000, &v);
	if (!o.v || o.bad)
		pg->bad = true;
	free(here);
	free(t);
	return v;
}

static int proc_cmp(const void *a, const void *b)
{
	const struct conf_process *p = a, *q = b;
	int r = strcmp(p->group, q->group);
	return r ? r : strcmp(p->name, q->name);
}

static int group_cmp(const void *a, const void *b)
{
	const struct conf_group *g = a, *h = b;
	return strcmp(g->name, h->name);
}

static struct conf_process *new_proc(struct ctx *x)
{
	struct conf *c = x->c;
	struct conf_process *v = realloc(c->procs, (c->nprocs + 1) * sizeof(*v));
	if (!v) {
		x->oom = true;
		return NULL;
	}
	c->procs = v;
	return &v[c->nprocs];
}

static void drop_warnings(struct diags *d, size_t from)
{
	size_t k = from;
	for (size_t i = from; i < d->n; i++) {
		if (d->v[i].warning) {
			free(d->v[i].file);
			free(d->v[i].msg);
		} else {
			d->v[k++] = d->v[i];
		}
	}
	d->n = k;
}

/* Every process of pg in the group; false when the program has errors. */
static void expand_prog(struct ctx *x, struct prog *pg, const char *group)
{
	size_t before = x->d->nerrors;
	long numprocs = prog_number(x, pg, group, P_NUMPROCS, 1, 1);
	long start = prog_number(x, pg, group, P_NUMPROCS_START, 0, 0);
	if (pg->bad)
		return;
	if (numprocs > 1) {
		const struct raw_kv *kv = pg->v[P_PROCESS_NAME];
		char *tmpl = kv ? kv_text(x, kv, ",") : NULL;
		if (!tmpl || !strstr(tmpl, "%(process_num)")) {
			const struct raw_kv *at = kv ? kv : pg->v[P_NUMPROCS];
			diag_error(x->d, at->file, at->line, 0,
				   "[%s] has numprocs=%ld, so process_name must contain "
				   "%%(process_num)d to tell its processes apart",
				   pg->sec->name, numprocs);
			free(tmpl);
			pg->bad = true;
			return;
		}
		free(tmpl);
	}
	for (long i = start; i < start + numprocs; i++) {
		struct conf_process *p = new_proc(x);
		if (!p)
			return;
		size_t mark = x->d->n;
		build_proc(x, pg, group, i, numprocs, p);
		check_proc(x, pg, p);
		x->c->nprocs++;
		/* the first process said it: no warning per process */
		if (i > start)
			drop_warnings(x->d, mark);
		/* one report per program, not one per process */
		if (x->d->nerrors > before || x->oom) {
			pg->bad = true;
			return;
		}
	}
}

/* ---------------------------------------------------------------- groups */

static int name_from_section(struct ctx *x, const struct raw_section *s, const char *prefix,
			     char **out)
{
	const char *n = s->name + strlen(prefix);
	while (isspace((unsigned char)*n))
		n++;
	size_t len = strlen(n);
	while (len && isspace((unsigned char)n[len - 1]))
		len--;
	*out = strndup(n, len);
	if (!*out) {
		x->oom = true;
		return -ENOMEM;
	}
	int c = cv_name_check(*out);
	if (c < 0) {
		diag_error(x->d, s->file, s->line, 0, "[%s]: the name is empty", s->name);
		return -EINVAL;
	}
	if (c > 0) {
		diag_error(x->d, s->file, s->line, 0,
			   "[%s]: invalid name '%s': it contains '%c' (no space, ':' or '/')",
			   s->name, *out, c);
		return -EINVAL;
	}
	return 0;
}

struct hgroup {
	const struct raw_section *sec;
	char *name;
	int priority;
	struct prog **progs;
	size_t nprogs;
};

static struct prog *find_prog(struct prog *ps, size_t n, const char *name, bool *ambiguous)
{
	struct prog *found = NULL;
	*ambiguous = false;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(ps[i].name, name)) {
			if (found)
				*ambiguous = true;
			found = &ps[i];
		}
	}
	return found;
}

static void build_hgroup(struct ctx *x, struct hgroup *g, struct prog *ps, size_t nps)
{
	const struct raw_kv *v[2] = {0};
	static const char *const gopts[2] = {"programs", "priority"};
	gather(x, g->sec, gopts, 2, v, true);
	g->priority = 999;
	struct names n = {.x = x};
	struct opt o;
	char *t = NULL;
	if (v[1]) {
		char *here = dir_of(v[1]->file);
		n.here = here;
		if (opt_get(x, &n, v[1], &o, &t, ","))
			t_int(&o, INT_MIN, INT_MAX, &g->priority);
		free(here);
		free(t);
		t = NULL;
	}
	if (!v[0]) {
		diag_error(x->d, g->sec->file, g->sec->line, 0,
			   "[%s] needs 'programs' (a comma list of program names)", g->sec->name);
		return;
	}
	char *here = dir_of(v[0]->file);
	n.here = here;
	bool got = opt_get(x, &n, v[0], &o, &t, ",");
	free(here);
	if (!got) {
		free(t);
		return;
	}
	char *save = NULL;
	for (char *w = strtok_r(t, ", \t\n", &save); w; w = strtok_r(NULL, ", \t\n", &save)) {
		bool amb;
		struct prog *pg = find_prog(ps, nps, w, &amb);
		if (!pg) {
			diag_error(x->d, v[0]->file, v[0]->line, 0,
				   "[%s] names program '%s', which is not defined", g->sec->name, w);
			continue;
		}
		if (amb) {
			diag_error(x->d, v[0]->file, v[0]->line, 0,
				   "[%s]: '%s' is ambiguous (defined by more than one section kind)",
				   g->sec->name, w);
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < g->nprogs; i++)
			dup |= g->progs[i] == pg;
		if (dup)
			continue;
		struct prog **np = realloc(g->progs, (g->nprogs + 1) * sizeof(*np));
		if (!np) {
			x->oom = true;
			break;
		}
		g->progs = np;
		g->progs[g->nprogs++] = pg;
		pg->ngroups++;
	}
	free(t);
	bool listener = false, other = false;
	for (size_t i = 0; i < g->nprogs; i++) {
		if (g->progs[i]->kind == CONF_EVENTLISTENER)
			listener = true;
		else
			other = true;
	}
	if (listener && other)
		diag_error(x->d, v[0]->file, v[0]->line, 0,
			   "[%s] mixes event listeners with programs", g->sec->name);
}

static struct conf_group *new_group(struct ctx *x, const char *name, int priority, bool het,
				    const struct raw_section *s)
{
	struct conf *c = x->c;
	for (size_t i = 0; i < c->ngroups; i++) {
		if (!strcmp(c->groups[i].name, name)) {
			diag_error(x->d, s->file, s->line, 0,
				   "group name '%s' is used twice (also at %s:%d)", name,
				   c->groups[i].file, c->groups[i].line);
			return NULL;
		}
	}
	struct conf_group *g = realloc(c->groups, (c->ngroups + 1) * sizeof(*g));
	if (!g) {
		x->oom = true;
		return NULL;
	}
	c->groups = g;
	g = &g[c->ngroups++];
	memset(g, 0, sizeof(*g));
	g->name = xstrdup(x, name);
	g->priority = priority;
	g->heterogeneous = het;
	g->file = xstrdup(x, s->file);
	g->line = s->line;
	return g;
}

/* After sorting the processes: each group's indices, duplicate names. */
static void link_groups(struct ctx *x)
{
	struct conf *c = x->c;
	if (c->nprocs)
		qsort(c->procs, c->nprocs, sizeof(*c->procs), proc_cmp);
	for (size_t i = 0; i < c->nprocs; i++) {
		struct conf_process *p = &c->procs[i];
		if (i && !proc_cmp(&c->procs[i - 1], p)) {
			diag_error(x->d, p->file, p->line, 0,
				   "process name '%s' is used twice in group '%s' (also at %s:%d)",
				   p->name, p->group, c->procs[i - 1].file, c->procs[i - 1].line);
			continue;
		}
		struct conf_group *g = conf_find_group(c, p->group);
		if (!g)
			continue;
		size_t *v = realloc(g->procs, (g->nprocs + 1) * sizeof(*v));
		if (!v) {
			x->oom = true;
			return;
		}
		g->procs = v;
		g->procs[g->nprocs++] = i;
	}
}

static void build_programs(struct ctx *x, struct raw_conf *r)
{
	struct prog *ps = calloc(r->nsecs ? r->nsecs : 1, sizeof(*ps));
	struct hgroup *hs = calloc(r->nsecs ? r->nsecs : 1, sizeof(*hs));
	size_t nps = 0, nhs = 0;
	if (!ps || !hs) {
		x->oom = true;
		goto out;
	}
	for (size_t i = 0; i < r->nsecs; i++) {
		const struct raw_section *s = &r->secs[i];
		static const struct {
			const char *prefix;
			enum conf_kind kind;
		} kinds[] = {
			{"program:", CONF_PROGRAM},
			{"eventlistener:", CONF_EVENTLISTENER},
			{"fcgi-program:", CONF_FCGI},
		};
		for (size_t k = 0; k < 3; k++) {
			if (strncmp(s->name, kinds[k].prefix, strlen(kinds[k].prefix)) != 0)
				continue;
			struct prog *pg = &ps[nps];
			pg->sec = s;
			pg->kind = kinds[k].kind;
			if (name_from_section(x, s, kinds[k].prefix, &pg->name) < 0) {
				free(pg->name);
				pg->name = NULL;
				break;
			}
			gather(x, s, prog_opts, P_N, pg->v, false);
			for (size_t j = 0; j < s->nkv; j++) {
				const struct raw_kv *kv = &s->kv[j];
				size_t o;
				for (o = 0; o < P_N; o++)
					if (pg->v[o] == kv)
						break;
				bool ok = o < P_N &&
					  (pg->kind == CONF_EVENTLISTENER ||
					   (o != P_EVENTS && o != P_BUFFER_SIZE &&
					    o != P_RESULT_HANDLER)) &&
					  (pg->kind == CONF_FCGI || o < P_SOCKET);
				if (!ok)
					diag_warn(x->d, kv->file, kv->line, 0,
						  "unknown option '%s' in [%s] (ignored)", kv->key,
						  s->name);
			}
			nps++;
			break;
		}
		if (!strncmp(s->name, "group:", 6)) {
			struct hgroup *g = &hs[nhs];
			g->sec = s;
			if (name_from_section(x, s, "group:", &g->name) < 0) {
				free(g->name);
				g->name = NULL;
				continue;
			}
			nhs++;
		}
	}
	for (size_t i = 0; i < nhs; i++)
		build_hgroup(x, &hs[i], ps, nps);
	if (x->oom)
		goto out;
	for (size_t i = 0; i < nhs; i++) {
		struct hgroup *g = &hs[i];
		new_group(x, g->name, g->priority, true, g->sec);
		for (size_t j = 0; j < g->nprogs; j++)
			if (!g->progs[j]->bad)
				expand_prog(x, g->progs[j], g->name);
	}
	for (size_t i = 0; i < nps; i++) {
		struct prog *pg = &ps[i];
		if (pg->ngroups)
			continue;
		size_t first = x->c->nprocs;
		expand_prog(x, pg, pg->name);
		if (pg->bad || x->c->nprocs == first)
			continue;
		new_group(x, pg->name, x->c->procs[first].priority, false, pg->sec);
	}
	if (x->oom || x->d->nerrors > x->errors0)
		goto out;
	if (x->c->ngroups)
		qsort(x->c->groups, x->c->ngroups, sizeof(*x->c->groups), group_cmp);
	link_groups(x);
out:
	for (size_t i = 0; ps && i < nps; i++)
		free(ps[i].name);
	for (size_t i = 0; hs && i < nhs; i++) {
		free(hs[i].name);
		free(hs[i].progs);
	}
	free(ps);
	free(hs);
}

/* ---------------------------------------------------------------- the model */

static void check_sections(struct ctx *x, struct raw_conf *r)
{
	static const char *const exact[] = {"supervisord", "supd",    "supervisorctl",
					    "supctl",      "include"};
	static const char *const prefixes[] = {"program:",      "group:",        "eventlistener:",
					       "fcgi-program:", "rpcinterface:", "ctlplugin:"};
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
	x.home = env_get(x.env, "HOME");
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(x.node, sizeof(x.node), "%s", u.nodename);
	x.c = calloc(1, sizeof(*x.c));
	if (!x.c)
		return -ENOMEM;
	size_t errors_before = d->nerrors;
	x.errors0 = errors_before;
	x.c->path = xstrdup(&x, path);
	x.c->here = dir_of(path);
	if (!x.c->here)
		x.oom = true;

	check_sections(&x, r);
	build_supd(&x);
	const struct raw_kv *sv[S_N] = {0};
	for (size_t i = 0; i < r->nsecs; i++)
		if (is_supd_section(r->secs[i].name))
			gather(&x, &r->secs[i], supd_opts, S_N, sv, true);
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
		x.c->ctl.prompt = xstrdup(&x, "supervisor");
	build_programs(&x, r);

	if (x.oom || d->nerrors > errors_before) {
		conf_free(x.c);
		return x.oom ? -ENOMEM : -EINVAL;
	}
	*out = x.c;
	return 0;
}

/* ---------------------------------------------------------------- loading */

enum conf_format conf_format_for_path(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return CONF_FMT_INI;
	if (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))
		return CONF_FMT_YAML;
	if (!strcmp(dot, ".cfg"))
		return CONF_FMT_CFG;
	return CONF_FMT_INI;
}

static int read_file(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;
			free(buf);
			close(fd);
			return e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

static int add_file(struct conf *c, const char *path)
{
	char **v = realloc(c->files, (c->nfiles + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->files = v;
	v[c->nfiles] = strdup(path);
	if (!v[c->nfiles])
		return -ENOMEM;
	c->nfiles++;
	return 0;
}

/* Parses one file into r.  Errors go to d (with the file name). */
static int parse_file(struct raw_conf *r, const char *path, enum conf_format fmt, struct diags *d,
		      const char *from, int from_line)
{
	char *text = NULL;
	size_t len = 0;
	int e = read_file(path, &text, &len);
	if (e == -ENOMEM)
		return e;
	if (e < 0) {
		if (from)
			diag_error(d, from, from_line, 0, "cannot read included file %s: %s", path,
				   strerror(-e));
		else
			diag_error(d, path, 0, 0, "cannot read: %s", strerror(-e));
		return -EINVAL;
	}
	if (fmt == CONF_FMT_AUTO)
		fmt = conf_format_for_path(path);
	switch (fmt) {
	case CONF_FMT_YAML:
		e = conf_yaml_parse(r, path, text, len, d);
		break;
	case CONF_FMT_CFG:
		e = conf_cfg_parse(r, path, text, len, d);
		break;
	default:
		e = conf_ini_parse(r, path, text, len, d);
		break;
	}
	free(text);
	return e;
}

struct globs {
	char **v;
	size_t n;
};

/* [include] files=: every glob's matches, sorted, relative to the main
 * file's directory. */
static int include_files(struct raw_conf *r, const char *main_path, const char *main_dir,
			 const struct conf_load_opts *o, struct diags *d, struct conf *c)
{
	struct raw_section *inc = raw_find_section(r, "include");
	if (!inc)
		return 0;
	struct raw_kv *kv = raw_get(inc, "files");
	if (!kv) {
		diag_error(d, inc->file, inc->line, 0,
			   "[include] needs 'files' (whitespace-separated globs)");
		return -EINVAL;
	}
	struct ctx x = {.o = o, .d = d};
	x.env = o->environ ? o->environ : environ;
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(x.node, sizeof(x.node), "%s", u.nodename);
	char *here = dir_of(kv->file);
	struct names n = {.x = &x, .here = here, .host = true};
	char *text = kv_text(&x, kv, " ");
	char *files = NULL;
	char *inc_file = strdup(kv->file);
	int inc_line = kv->line;
	int r0 = 0;
	if (!here || !inc_file || x.oom || !text) {
		r0 = x.oom || !here || !inc_file ? -ENOMEM : -EINVAL;
		goto out;
	}
	r0 = expand(&n, kv, text, &files);
	if (r0 < 0)
		goto out;
	char *save = NULL;
	for (char *g = strtok_r(files, " \t\r\n", &save); g; g = strtok_r(NULL, " \t\r\n", &save)) {
		char *pat = NULL;
		if (g[0] == '/')
			pat = strdup(g);
		else if (asprintf(&pat, "%s/%s", main_dir, g) < 0)
			pat = NULL;
		if (!pat) {
			r0 = -ENOMEM;
			break;
		}
		glob_t gl;
		int gr = glob(pat, 0, NULL, &gl);
		if (gr == GLOB_NOMATCH) {
			diag_warn(d, inc_file, inc_line, 0, "[include] files: no file matches '%s'",
				  pat);
		} else if (gr != 0) {
			diag_error(d, inc_file, inc_line, 0, "[include] files: cannot expand '%s'",
				   pat);
			r0 = -EINVAL;
		} else {
			for (size_t i = 0; i < gl.gl_pathc; i++) {
				const char *f = gl.gl_pathv[i];
				if (add_file(c, f) < 0) {
					r0 = -ENOMEM;
					break;
				}
				int e = parse_file(r, f, CONF_FMT_AUTO, d, inc_file, inc_line);
				if (e == -ENOMEM) {
					r0 = e;
					break;
				}
				if (e < 0)
					r0 = -EINVAL;
				struct raw_section *s2 = raw_find_section(r, "include");
				struct raw_kv *k2 = s2 ? raw_get(s2, "files") : NULL;
				if (k2 && k2->file && !strcmp(k2->file, f))
					diag_warn(d, k2->file, k2->line, 0,
						  "[include] in an included file is not processed "
						  "(as in supervisord)");
			}
			globfree(&gl);
		}
		free(pat);
		if (r0 == -ENOMEM)
			break;
	}
out:
	free(here);
	free(text);
	free(files);
	free(inc_file);
	(void)main_path;
	return r0;
}

/* Command-line values replace the file's, in the [supervisord] section
 * (or [supd] when only that exists). */
static int apply_overrides(struct raw_conf *r, const char *const *ov)
{
	if (!ov || !ov[0])
		return 0;
	const char *name = "supervisord";
	for (size_t i = 0; i < r->nsecs; i++)
		if (is_supd_section(r->secs[i].name))
			name = r->secs[i].name;
	struct raw_section *s = raw_section(r, name, CMDLINE, 0);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; ov[i] && ov[i + 1]; i += 2)
		if (raw_set(s, ov[i], ov[i + 1], CMDLINE, 0) < 0)
			return -ENOMEM;
	return 0;
}

/* Diagnostics in reading order (by file as read, then line) rather than
 * in the order the checks ran.  Insertion sort: stable, and lists are
 * short. */
static void sort_diags(struct diags *d, size_t from, const struct conf *files)
{
	size_t n = d->n - from;
	int *rank = calloc(n ? n : 1, sizeof(*rank));
	if (!rank)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct diag *g = &d->v[from + i];
		rank[i] = -1;
		for (size_t k = 0; g->file && k < files->nfiles; k++)
			if (!strcmp(g->file, files->files[k]))
				rank[i] = (int)k;
	}
	for (size_t i = 1; i < n; i++) {
		struct diag g = d->v[from + i];
		int r = rank[i];
		size_t j = i;
		while (j > 0 && (rank[j - 1] > r ||
				 (rank[j - 1] == r && d->v[from + j - 1].line > g.line))) {
			d->v[from + j] = d->v[from + j - 1];
			rank[j] = rank[j - 1];
			j--;
		}
		d->v[from + j] = g;
		rank[j] = r;
	}
	free(rank);
}

int conf_load(const struct conf_load_opts *o, struct conf **out, struct diags *d)
{
	size_t first_diag = d->n;
	struct raw_conf r;
	raw_init(&r);
	*out = NULL;
	size_t before = d->nerrors;
	struct conf files = {0};
	char *main_dir = dir_of(o->path);
	int e = main_dir ? add_file(&files, o->path) : -ENOMEM;
	if (e == 0) {
		e = parse_file(&r, o->path, o->format, d, NULL, 0);
		if (e == -EINVAL && d->nerrors == before)
			e = 0;
	}
	/* a file that cannot be read at all: nothing more to say */
	if (e == -EINVAL && d->nerrors > before && r.nsecs == 0 && access(o->path, R_OK) != 0)
		goto out;
	if (e != -ENOMEM) {
		int e2 = include_files(&r, o->path, main_dir, o, d, &files);
		if (e2 == -ENOMEM)
			e = e2;
	}
	if (e != -ENOMEM && apply_overrides(&r, o->overrides) < 0)
		e = -ENOMEM;
	if (e != -ENOMEM && d->nerrors == before) {
		e = conf_from_raw(&r, o->path, o, out, d);
		if (e == 0) {
			(*out)->files = files.files;
			(*out)->nfiles = files.nfiles;
			files.files = NULL;
			files.nfiles = 0;
		}
	} else if (e != -ENOMEM) {
		/* still type what parsed, to report every error at once */
		struct conf *c = NULL;
		if (conf_from_raw(&r, o->path, o, &c, d) == 0)
			conf_free(c);
		e = -EINVAL;
	}
out:
	sort_diags(d, first_diag, *out ? *out : &files);
	for (size_t i = 0; i < files.nfiles; i++)
		free(files.files[i]);
	free(files.files);
	free(main_dir);
	raw_free(&r);
	if (e < 0 || d->nerrors > before) {
		if (*out) {
			conf_free(*out);
			*out = NULL;
		}
		return e == -ENOMEM ? e : -EINVAL;
	}
	return 0;
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
	for (size_t i = 0; i < c->nservers; i++) {
		struct conf_server *v = &c->servers[i];
		free(v->section);
		free(v->file);
		free(v->chown);
		free(v->host);
		free(v->username);
		free(v->password);
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
	for (size_t i = 0; i < c->nprocs; i++)
		proc_free(&c->procs[i]);
	free(c->procs);
	for (size_t i = 0; i < c->ngroups; i++) {
		free(c->groups[i].name);
		free(c->groups[i].file);
		free(c->groups[i].procs);
	}
	free(c->groups);
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
	return a->kind == b->kind && str_eq(a->path, b->path) && a->maxbytes == b->maxbytes &&
	       a->backups == b->backups && a->capture_maxbytes == b->capture_maxbytes &&
	       a->events_enabled == b->events_enabled && a->syslog == b->syslog &&
	       a->timestamps == b->timestamps;
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

bool conf_process_equal(const struct conf_process *a, const struct conf_process *b)
{
	/* program, process_num, numprocs, file and line only say where the
	 * values came from; what runs is in the expanded values */
	if (!str_eq(a->name, b->name) || !str_eq(a->group, b->group) || a->kind != b->kind ||
	    !str_eq(a->command, b->command) || a->priority != b->priority ||
	    a->autostart != b->autostart || a->startsecs != b->startsecs ||
	    a->startretries != b->startretries || a->autorestart != b->autorestart ||
	    memcmp(a->exitcodes, b->exitcodes, sizeof(a->exitcodes)) != 0 ||
	    a->stopsignal != b->stopsignal || a->stopwaitsecs != b->stopwaitsecs ||
	    a->stopasgroup != b->stopasgroup || a->killasgroup != b->killasgroup ||
	    !str_eq(a->user, b->user) || a->redirect_stderr != b->redirect_stderr ||
	    !stream_eq(&a->out, &b->out) || !stream_eq(&a->err, &b->err) ||
	    !env_eq(&a->env, &b->env) || !str_eq(a->directory, b->directory) ||
	    a->umask != b->umask || !str_eq(a->serverurl, b->serverurl) ||
	    a->forward_output != b->forward_output || a->tail_buffer != b->tail_buffer ||
	    a->nevents != b->nevents || a->buffer_size != b->buffer_size ||
	    !str_eq(a->result_handler, b->result_handler) || !str_eq(a->socket, b->socket) ||
	    a->socket_backlog != b->socket_backlog || !str_eq(a->socket_owner, b->socket_owner) ||
	    a->socket_mode != b->socket_mode)
		return false;
	for (size_t i = 0; i < a->nevents; i++)
		if (strcmp(a->events[i], b->events[i]))
			return false;
	return true;
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
	for (size_t i = 0; i < c->nprocs; i++) {
		struct conf_process *p = &c->procs[i];
		if ((!group || !strcmp(p->group, group)) && !strcmp(p->name, name))
			return p;
	}
	return NULL;
}

struct conf_group *conf_find_group(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (!strcmp(c->groups[i].name, name))
			return &c->groups[i];
	return NULL;
}

char *conf_search_default(void)
{
	static const char *const paths[] = {
		"./supd.conf",
		"./etc/supd.conf",
		"/etc/supd.conf",
		"/etc/supervisor/supervisord.conf",
		"/etc/supervisord.conf",
	};
	const char *env = getenv("SUPD_CONFIG");
	if (env && *env && access(env, F_OK) == 0)
		return strdup(env);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], F_OK) == 0)
			return strdup(paths[i]);
	return NULL;
}

bool conf_exitcode_expected(const struct conf_process *p, int code)
{
	if (code < 0 || code > 255)
		return false;
	return p->exitcodes[code / 8] & (1u << (code % 8));
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
