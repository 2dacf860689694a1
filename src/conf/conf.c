/* conf: reading a config: the main file and its [include]s, each through
 * the front-end of its format, command-line overrides, then the model
 * (conf_build.c, conf_prog.c).  Every error is collected; doc/compat.md
 * lists where supd differs from supervisord.  The model's own functions
 * (free, compare, lookups) are in conf_model.c. */
#include "config.h"

#include "buf.h"
#include "conf_int.h"
#include "conf_value.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
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

/* FNV-1a, 64 bits: a change of the inputs, not an adversary, is what
 * conf_inputs_same looks for. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

/* The hash of a load's inputs but the main file's bytes (hashed by the
 * caller, from h). */
static uint64_t inputs_hash(uint64_t h, const struct conf_load_opts *o)
{
	h = fnv_str(h, o->path);
	h = fnv(h, &o->format, sizeof(o->format));
	for (const char *const *v = o->overrides; v && *v; v++)
		h = fnv_str(h, *v);
	h = fnv(h, "", 1);
	for (char *const *v = o->environ ? o->environ : environ; v && *v; v++)
		h = fnv_str(h, *v);
	h = fnv(h, "", 1);
	struct utsname u;
	if (uname(&u) == 0)
		h = fnv_str(h, u.nodename);
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)))
		h = fnv_str(h, cwd);
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

bool conf_inputs_same(const struct conf *c, const struct conf_load_opts *o)
{
	if (!c->inputs_known || o->text)
		return false;
	char *text = NULL;
	size_t len = 0;
	if (buf_read_file(o->path, &text, &len) < 0)
		return false;
	uint64_t h = inputs_hash(fnv(FNV_BASIS, text, len), o);
	free(text);
	return h == c->inputs;
}

/* An included file larger than this is not read: a glob that matched a
 * big log or /proc/kcore (128 TiB by its size) is a mistake, not a
 * config. */
#define INCLUDE_MAX_BYTES (64 << 20)

/* Parses one file into r.  Returns 0, -EINVAL (its errors are in d), -EIO
 * (it cannot be read, said in d) or -ENOMEM.  hash: the file's bytes are
 * hashed into it (NULL: not). */
static int parse_file(struct raw_conf *r, const char *path, enum conf_format fmt, struct diags *d,
		      const char *from, int from_line, uint64_t *hash)
{
	char *text = NULL;
	size_t len = 0;
	/* an included file is matched by a glob, and read again at each
	 * reread: only a regular file is, and only as far as it was long */
	int e = from ? buf_read_regular(path, INCLUDE_MAX_BYTES, true, &text, &len)
		     : buf_read_text(path, &text, &len);
	if (e == -ENOMEM)
		return e;
	if (e == -EFBIG) {
		diag_error(d, from, from_line, 0,
			   "included file %s is larger than %d MiB (a config of 100,000 programs "
			   "is 16): not read",
			   path, INCLUDE_MAX_BYTES >> 20);
		return -EIO;
	}
	if (e == -ENODEV) {
		diag_error(d, from, from_line, 0,
			   "included file %s is not a regular file (a FIFO, device or "
			   "socket could block the load): not read",
			   path);
		return -EIO;
	}
	if (e == -EILSEQ) {
		if (from)
			diag_error(d, from, from_line, 0,
				   "included file %s is not a text file (a NUL byte in its first "
				   "8 KiB): not read",
				   path);
		else
			diag_error(d, path, 0, 0,
				   "not a text file (a NUL byte in its first 8 KiB): not read");
		return -EIO;
	}
	if (e < 0) {
		if (from)
			diag_error(d, from, from_line, 0, "cannot read included file %s: %s", path,
				   strerror(-e));
		else
			diag_error(d, path, 0, 0, "cannot read: %s", strerror(-e));
		return -EIO;
	}
	if (hash)
		*hash = fnv(*hash, text, len);
	e = parse_text(r, path, fmt, text, len, d);
	free(text);
	return e;
}

/* Errors after which no more included files are read: an [include] that
 * matched the 1837 files of /bin gave 20,842 error lines, which nobody
 * reads (each file stops at its 100th: conf_ini.c). */
#define INCLUDE_MAX_ERRORS 1000

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
	bool stop = false;
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
				if (d->nerrors >= INCLUDE_MAX_ERRORS) {
					diag_error(d, inc_file, inc_line, 0,
						   "%zu errors: the files from %s on are not read "
						   "(fix these first)",
						   d->nerrors, f);
					r0 = -EINVAL;
					stop = true;
					break;
				}
				if (add_file(c, f) < 0) {
					r0 = -ENOMEM;
					break;
				}
				int e =
				    parse_file(r, f, CONF_FMT_AUTO, d, inc_file, inc_line, NULL);
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
		if (r0 == -ENOMEM || stop)
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
 * in the order the checks ran; stable (the index breaks ties).  It was an
 * insertion sort, "lists are short": a fuzzed YAML file gave 36,250
 * diagnostics, which took it seconds. */
struct diag_key {
	int rank;
	int line;
	size_t i;
};

static int diag_key_cmp(const void *a, const void *b)
{
	const struct diag_key *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void sort_diags(struct diags *d, size_t from, const struct conf *files)
{
	size_t n = d->n - from;
	if (n < 2)
		return;
	struct diag_key *key = malloc(n * sizeof(*key));
	struct diag *v = malloc(n * sizeof(*v));
	if (!key || !v) {
		free(key);
		free(v);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct diag *g = &d->v[from + i];
		key[i] = (struct diag_key){-1, g->line, i};
		for (size_t k = 0; g->file && k < files->nfiles; k++)
			if (!strcmp(g->file, files->files[k]))
				key[i].rank = (int)k;
	}
	qsort(key, n, sizeof(*key), diag_key_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = d->v[from + key[i].i];
	memcpy(d->v + from, v, n * sizeof(*v));
	diags_changed(d);
	free(key);
	free(v);
}

/* env_file= reads files the hash does not cover: such a model's inputs
 * are not known. */
static void set_inputs(struct conf *c, const struct conf_load_opts *o, uint64_t h, bool known)
{
	if (c->supd.nenv_files)
		known = false;
	for (size_t i = 0; i < c->nprocs && known; i++)
		if (c->procs[i].s->kinds && c->procs[i].s->kinds->nenv_files)
			known = false;
	c->inputs_known = known;
	if (known)
		c->inputs = inputs_hash(h, o);
}

int conf_load(const struct conf_load_opts *o, struct conf **out, struct diags *d)
{
	size_t first_diag = d->n;
	struct raw_conf r;
	raw_init(&r);
	*out = NULL;
	size_t before = d->nerrors;
	struct conf files = {0};
	uint64_t hash = FNV_BASIS;
	char *main_dir = cb_dir_of(o->path);
	int e = main_dir ? add_file(&files, o->path) : -ENOMEM;
	if (e == 0 && o->text)
		e = parse_text(&r, o->path, o->format, o->text, o->len, d);
	else if (e == 0)
		e = parse_file(&r, o->path, o->format, d, NULL, 0, &hash);
	/* a main file that cannot be read: nothing more to say */
	if (e == -EIO)
		goto out;
	/* the files an [include] names are read as well: not known */
	bool known = !o->text && !raw_find_section(&r, "include");
	if (e != -ENOMEM) {
		int e2 = include_files(&r, main_dir, o, d, &files);
		if (e2 == -ENOMEM)
			e = e2;
	}
	/* Before the command line's overrides add a [supervisord]: an empty
	 * or truncated file must not pass for a config that runs nothing. */
	if (e == 0 && r.nsecs == 0 && d->nerrors == before)
		diag_error(d, o->path, 0, 0,
			   "the config has no section: the file is empty or holds only comments "
			   "(a config needs at least one [section])");
	if (e != -ENOMEM && apply_overrides(&r, o->overrides) < 0)
		e = -ENOMEM;
	if (e != -ENOMEM && d->nerrors == before) {
		e = conf_from_raw(&r, o->path, o, out, d);
		if (e == 0) {
			(*out)->files = files.files;
			(*out)->nfiles = files.nfiles;
			files.files = NULL;
			files.nfiles = 0;
			set_inputs(*out, o, hash, known);
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
