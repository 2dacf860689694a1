/* conf: reading a config: the main file and its [include]s, each through
 * the front-end of its format, command-line overrides, then the model
 * (conf_build.c, conf_prog.c); and the queries on a model.  Every error is
 * collected; doc/compat.md lists where supd differs from supervisord. */
#include "config.h"

#include "buf.h"
#include "conf_int.h"
#include "conf_value.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

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

/* Parses bytes said to come from path into r, through the front-end of
 * fmt (CONF_FMT_AUTO: by the name).  Returns 0, -EINVAL (errors in d) or
 * -ENOMEM. */
static int parse_text(struct raw_conf *r, const char *path, enum conf_format fmt, const char *text,
		      size_t len, struct diags *d)
{
	if (fmt == CONF_FMT_AUTO)
		fmt = conf_format_for_path(path);
	switch (fmt) {
	case CONF_FMT_YAML:
		return conf_yaml_parse(r, path, text, len, d);
	case CONF_FMT_CFG:
		return conf_cfg_parse(r, path, text, len, d);
	default:
		return conf_ini_parse(r, path, text, len, d);
	}
}

/* Parses one file into r.  Returns 0, -EINVAL (its errors are in d), -EIO
 * (it cannot be read, said in d) or -ENOMEM. */
static int parse_file(struct raw_conf *r, const char *path, enum conf_format fmt, struct diags *d,
		      const char *from, int from_line)
{
	char *text = NULL;
	size_t len = 0;
	int e = buf_read_file(path, &text, &len);
	if (e == -ENOMEM)
		return e;
	if (e < 0) {
		if (from)
			diag_error(d, from, from_line, 0, "cannot read included file %s: %s", path,
				   strerror(-e));
		else
			diag_error(d, path, 0, 0, "cannot read: %s", strerror(-e));
		return -EIO;
	}
	e = parse_text(r, path, fmt, text, len, d);
	free(text);
	return e;
}

/* [include] files=: every glob's matches, sorted, relative to the main
 * file's directory. */
static int include_files(struct raw_conf *r, const char *main_dir, const struct conf_load_opts *o,
			 struct diags *d, struct conf *c)
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
	char *here = cb_dir_of(kv->file);
	struct names n = {.x = &x, .here = here, .host = true};
	char *text = cb_kv_text(&x, kv, " ");
	char *files = NULL;
	char *inc_file = strdup(kv->file);
	int inc_line = kv->line;
	int r0 = 0;
	if (!here || !inc_file || x.oom || !text) {
		r0 = x.oom || !here || !inc_file ? -ENOMEM : -EINVAL;
		goto out;
	}
	r0 = cb_expand(&n, kv, text, &files);
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
				/* an [include] read from f replaced the main file's */
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
		if (cb_is_supd_section(r->secs[i].name))
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
	char *main_dir = cb_dir_of(o->path);
	int e = main_dir ? add_file(&files, o->path) : -ENOMEM;
	if (e == 0 && o->text)
		e = parse_text(&r, o->path, o->format, o->text, o->len, d);
	else if (e == 0)
		e = parse_file(&r, o->path, o->format, d, NULL, 0);
	/* a main file that cannot be read: nothing more to say */
	if (e == -EIO)
		goto out;
	if (e != -ENOMEM) {
		int e2 = include_files(&r, main_dir, o, d, &files);
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
		cb_proc_free(&c->procs[i]);
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
	    a->shutdown_on != b->shutdown_on || a->nevents != b->nevents ||
	    a->buffer_size != b->buffer_size || !str_eq(a->result_handler, b->result_handler) ||
	    !str_eq(a->socket, b->socket) || a->socket_backlog != b->socket_backlog ||
	    !str_eq(a->socket_owner, b->socket_owner) || a->socket_mode != b->socket_mode)
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

char *conf_search_default(void)
{
	static const char *const paths[] = {
	    "./supd.conf",	     "./etc/supd.conf",
	    "/etc/supd.conf",	     "/etc/supervisor/supervisord.conf",
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
