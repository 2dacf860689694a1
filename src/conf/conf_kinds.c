/* conf_kinds: typing the options of issue #14's kinds of services that need
 * more than a value parser: env_file= reads files at load time (so a reload
 * sees a changed file as a changed program). */
#include "config.h"

#include "conf_int.h"
#include "buf.h"
#include "conf_value.h"
#include "envfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An env file larger than this is a mistake (a log, a binary), not an
 * environment: execve's own limit on the whole environment is lower. */
#define ENV_FILE_MAX (1024 * 1024)

static int env_set(void *arg, const char *key, const char *val)
{
	return conf_env_set(arg, key, val);
}

static int add_file(char ***files, size_t *n, const char *s)
{
	char *c = strdup(s);
	char **v = c ? realloc(*files, (*n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(c);
		return -ENOMEM;
	}
	*files = v;
	v[(*n)++] = c;
	return 0;
}

/* One env file (path absolute, optional: a leading '-' was given). */
static void read_one(struct ctx *x, struct opt *o, const char *path, bool optional,
		     struct conf_env *env)
{
	char *text = NULL;
	size_t len = 0;
	int r = buf_read_regular(path, ENV_FILE_MAX, false, &text, &len);
	if (r == -ENOENT && optional)
		return;
	if (r == -ENOMEM) {
		x->oom = true;
		return;
	}
	if (r < 0) {
		diag_error(x->d, o->kv->file, o->kv->line, 0, "env_file: %s: %s%s", path,
			   r == -EFBIG	  ? "larger than 1 MB"
			   : r == -ENODEV ? "not a regular file (a FIFO, device or socket "
					    "could block the load)"
					  : strerror(-r),
			   r == -ENOENT ? " (a leading '-' makes a file optional)" : "");
		o->bad = true;
		return;
	}
	int line = 0;
	const char *why = NULL;
	r = envfile_parse(text, len, env_set, env, &line, &why);
	free(text);
	if (r == -ENOMEM) {
		x->oom = true;
	} else if (r < 0) {
		diag_error(x->d, path, line, 0, "%s (env_file at %s:%d)", why, o->kv->file,
			   o->kv->line);
		o->bad = true;
	}
}

void cb_t_env_files(struct ctx *x, struct opt *o, const char *here, char ***files, size_t *nfiles,
		    struct conf_env *env)
{
	char *copy = cb_xstrdup(x, o->v);
	if (!copy)
		return;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t += strspn(t, " \t\n");
		size_t l = strlen(t);
		while (l && strchr(" \t\n", t[l - 1]))
			t[--l] = '\0';
		if (!l)
			continue;
		bool optional = *t == '-';
		const char *rel = optional ? t + 1 : t;
		if (!*rel) {
			cb_bad_value(o, "a comma list of files (-FILE: may be missing)");
			break;
		}
		/* relative to the file that names it, as docker compose does */
		char *abs = NULL;
		if (asprintf(&abs, "%s%s%s%s", optional ? "-" : "", *rel == '/' ? "" : here,
			     *rel == '/' ? "" : "/", rel) < 0) {
			x->oom = true;
			break;
		}
		if (add_file(files, nfiles, abs) < 0)
			x->oom = true;
		else
			read_one(x, o, abs + optional, optional, env);
		free(abs);
	}
	free(copy);
}
