/* conf_opt: what every section's typing uses: an option's value gathered,
 * %(name)s-expanded and typed (cb_t_*), with an error naming file:line and
 * the option on a bad value; the environment and directory helpers. */
#include "config.h"

#include "conf_int.h"
#include "conf_value.h"

#include <ctype.h>
#include <errno.h>
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

/* ---------------------------------------------------------------- helpers */

const char *cb_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (char *const *e = env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

char *cb_xstrdup(struct ctx *x, const char *s)
{
	if (!s)
		return NULL;
	char *r = strdup(s);
	if (!r)
		x->oom = true;
	return r;
}

const char *cb_intern(struct ctx *x, const char *s)
{
	const char *r = strpool_intern(&x->c->strs, s);
	if (s && !r)
		x->oom = true;
	return r;
}

/* The directory of a file, as an absolute path (Python's
 * os.path.dirname(os.path.abspath(f))). */
char *cb_dir_of(const char *file)
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

static void here_drop(struct ctx *x)
{
	free(x->here_file);
	free(x->here_dir);
	x->here_file = x->here_dir = NULL;
}

const char *cb_here(struct ctx *x, const char *file)
{
	if (x->here_file && !strcmp(x->here_file, file))
		return x->here_dir;
	here_drop(x);
	x->here_file = strdup(file);
	x->here_dir = x->here_file ? cb_dir_of(file) : NULL;
	if (!x->here_dir) {
		here_drop(x);
		x->oom = true;
	}
	return x->here_dir;
}

void cb_here_free(struct ctx *x)
{
	here_drop(x);
	free(x->dir_seen);
	x->dir_seen = NULL;
	free(x->user_seen);
	x->user_seen = NULL;
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
char *cb_kv_text(struct ctx *x, const struct raw_kv *kv, const char *sep)
{
	if (kv->kind == RAW_SCALAR)
		return cb_xstrdup(x, kv->value ? kv->value : "");
	if (kv->kind == RAW_MAP) {
		diag_error(x->d, kv->file, kv->line, 0,
			   "%s: expected a single value, not a mapping", kv->key);
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
		*str = cb_env_get(n->x->env, k);
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
int cb_expand(struct names *n, const struct raw_kv *kv, const char *value, char **out)
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
void cb_gather(struct ctx *x, const struct raw_section *s, const char *const *names, size_t n,
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
			diag_warn(x->d, kv->file, kv->line, 0,
				  "unknown option '%s' in [%s] (ignored)", kv->key, s->name);
	}
}

void cb_bad_value(struct opt *o, const char *what)
{
	diag_error(o->x->d, o->kv->file, o->kv->line, 0, "unknown value '%s' for %s (%s)", o->v,
		   o->kv->key, what);
	o->bad = true;
}

void cb_t_bool(struct opt *o, bool *out)
{
	if (cv_bool(o->v, out) < 0)
		cb_bad_value(o, "true/false, yes/no, on/off or 1/0");
}

void cb_t_int(struct opt *o, long min, long max, int *out)
{
	long v;
	int r = cv_int(o->v, min, max, &v);
	if (r == -ERANGE) {
		diag_error(o->x->d, o->kv->file, o->kv->line, 0,
			   "value '%s' for %s is out of range (%ld to %ld)", o->v, o->kv->key, min,
			   max);
		o->bad = true;
	} else if (r < 0) {
		cb_bad_value(o, "an integer");
	} else {
		*out = (int)v;
	}
}

void cb_t_long(struct opt *o, long min, long max, long *out)
{
	int v = 0;
	cb_t_int(o, min, max, &v);
	*out = v;
}

void cb_t_bytes(struct opt *o, uint64_t *out)
{
	int r = cv_bytes(o->v, out);
	if (r == -ERANGE) {
		diag_error(o->x->d, o->kv->file, o->kv->line, 0,
			   "value '%s' for %s is out of range", o->v, o->kv->key);
		o->bad = true;
	} else if (r < 0) {
		cb_bad_value(o, "a byte size like 1024, 50KB, 50MB or 1GB");
	}
}

void cb_t_octal(struct opt *o, int *out)
{
	if (cv_octal(o->v, out) < 0)
		cb_bad_value(o, "an octal number like 022 or 0700");
}

void cb_t_str(struct opt *o, char **out)
{
	free(*out);
	*out = cb_xstrdup(o->x, o->v);
}

/* A path option: ~ expanded like os.path.expanduser. */
void cb_t_path(struct opt *o, char **out)
{
	free(*out);
	*out = NULL;
	if (cv_expand_user(o->v, o->x->home, out) < 0)
		o->x->oom = true;
}

void cb_check_user(struct opt *o)
{
	const char *u = o->v;
	struct ctx *x = o->x;
	if (*u && strspn(u, "0123456789") == strlen(u))
		return;
	if (!x->user_seen || strcmp(x->user_seen, u)) {
		free(x->user_seen);
		x->user_seen = strdup(u); /* (NULL: asked again next time) */
		x->user_exists = getpwnam(u) != NULL;
	}
	if (!x->user_exists)
		diag_warn(o->x->d, o->kv->file, o->kv->line, 0,
			  "user '%s' does not exist on this machine (%s)", u, o->kv->key);
}

void cb_check_dir_of(struct ctx *x, const struct raw_kv *kv, const char *path)
{
	char *copy = strdup(path);
	if (!copy) {
		x->oom = true;
		return;
	}
	char *dir = dirname(copy);
	if (x->dir_seen && !strcmp(x->dir_seen, dir)) {
		free(copy);
		return;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		diag_warn(x->d, kv->file, kv->line, 0,
			  "%s: the directory of '%s' does not exist on this machine", kv->key,
			  path);
		free(copy);
		return;
	}
	/* dirname may return a static "." or "/", or a pointer into copy */
	char *seen = strdup(dir);
	free(copy);
	if (seen) {
		free(x->dir_seen);
		x->dir_seen = seen;
	}
}

void cb_check_dir(struct ctx *x, const struct raw_kv *kv, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		diag_warn(x->d, kv->file, kv->line, 0,
			  "%s: directory '%s' does not exist on this machine", kv->key, dir);
}

/* Expands kv (when present) into o; false when absent or broken. */
bool cb_opt_get(struct ctx *x, struct names *n, const struct raw_kv *kv, struct opt *o, char **tmp,
		const char *sep)
{
	o->x = x;
	o->kv = kv;
	o->v = NULL;
	o->bad = false;
	if (!kv)
		return false;
	char *text = cb_kv_text(x, kv, sep);
	if (!text)
		return false;
	int r = cb_expand(n, kv, text, tmp);
	free(text);
	if (r < 0)
		return false;
	o->v = *tmp;
	return true;
}

bool cb_is_supd_section(const char *name)
{
	return !strcmp(name, "supervisord") || !strcmp(name, "supd");
}

/* environment= from a scalar (supervisord's syntax) or a map. */
void cb_t_env(struct ctx *x, struct names *n, const struct raw_kv *kv, struct conf_env *env)
{
	if (kv->kind == RAW_MAP) {
		for (size_t i = 0; i < kv->nitems; i++) {
			char *v = NULL;
			if (cb_expand(n, kv, kv->items[i], &v) == 0 &&
			    conf_env_set(env, kv->mapkeys[i], v) < 0)
				x->oom = true;
			free(v);
		}
		return;
	}
	char *text = cb_kv_text(x, kv, ",");
	char *v = NULL;
	if (!text || cb_expand(n, kv, text, &v) < 0) {
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
