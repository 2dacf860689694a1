/* supctl's own settings from the config file: the server URL, the
 * credentials, the prompt and the history file, with %(here)s and
 * %(ENV_X)s expanded as supervisorctl does. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_raw.h"
#include "conf_value.h"
#include "buf.h"
#include "supctl_int.h"

struct here_ctx {
	const char *here;
};

static int expand_lookup(void *ctx, const char *name, const char **str, long *num)
{
	struct here_ctx *h = ctx;
	if (!strcmp(name, "here")) {
		*str = h->here;
		return 1;
	}
	if (!strncmp(name, "ENV_", 4)) {
		const char *v = getenv(name + 4);
		if (v) {
			*str = v;
			return 1;
		}
	}
	return 0;
}

static char *expand(const char *v, const char *here)
{
	struct here_ctx h = {here ? here : "."};
	char *out_s = NULL, *bad = NULL;
	if (cv_expand(v, expand_lookup, &h, &out_s, &bad) < 0) {
		free(bad);
		return strdup(v);
	}
	return out_s;
}

static const char *raw_scalar(const struct raw_section *s, const char *key)
{
	struct raw_kv *kv = s ? raw_get(s, key) : NULL;
	return kv && kv->kind == RAW_SCALAR ? kv->value : NULL;
}

/* The config's bytes: a regular file is mapped rather than read, since
 * with 10,000 programs copying its 1.5 MB into fresh pages cost supctl
 * more than everything else it does for `status ONE` (#18); *mapped says
 * which, for conf_text_free.  Anything else (a pipe, /dev/stdin) is read.
 * (A file truncated while mapped would raise SIGBUS: config files are
 * replaced, not truncated, in the few hundred microseconds this lasts.) */
static int conf_text(const char *path, char **text, size_t *len, bool *mapped)
{
	*mapped = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			close(fd);
			*text = m;
			*len = (size_t)st.st_size;
			*mapped = true;
			return 0;
		}
	}
	close(fd);
	return buf_read_file(path, text, len);
}

static void conf_text_free(char *text, size_t len, bool mapped)
{
	if (mapped)
		munmap(text, len);
	else
		free(text);
}

/* Only [supervisorctl]/[supctl] (and [unix_http_server] file, for a useful
 * default URL) are read, without validating the rest: like
 * supervisorctl, a client must work with a config the daemon would
 * reject for reasons that are none of its business. */
int ctl_load_conf(struct ctl *x, const char *path, bool explicit_path)
{
	char *text = NULL;
	size_t len = 0;
	bool mapped;
	int r = conf_text(path, &text, &len, &mapped);
	if (r < 0) {
		if (explicit_path) {
			/* supervisorctl's words (and its usage hint); the reason
			 * too when it is not a missing file. */
			if (r == -ENOENT)
				fprintf(stderr, "Error: could not find config file %s\n", path);
			else
				fprintf(stderr, "Error: could not read config file %s: %s\n", path,
					strerror(-r));
			fprintf(stderr, "For help, use supctl -h\n");
			return -1;
		}
		return 0;
	}
	struct raw_conf raw;
	struct diags d;
	static const char *const wanted[] = {"supctl", "supervisorctl", "unix_http_server", NULL};
	raw_init(&raw);
	raw.only = wanted;
	diags_init(&d);
	size_t pl = strlen(path);
	if ((pl > 5 && !strcmp(path + pl - 5, ".yaml")) ||
	    (pl > 4 && !strcmp(path + pl - 4, ".yml")))
		r = conf_yaml_parse(&raw, path, text, len, &d);
	else if (pl > 4 && !strcmp(path + pl - 4, ".cfg"))
		r = conf_cfg_parse(&raw, path, text, len, &d);
	else
		r = conf_ini_parse(&raw, path, text, len, &d);
	conf_text_free(text, len, mapped);
	if (r < 0) {
		diags_print(&d, stderr);
		diags_free(&d);
		raw_free(&raw);
		return -1;
	}
	/* %(here)s: the config file's directory, absolute. */
	char *here = realpath(path, NULL);
	if (here) {
		char *slash = strrchr(here, '/');
		if (slash)
			*(slash == here ? slash + 1 : slash) = '\0';
	}
	struct raw_section *s = raw_find_section(&raw, "supctl");
	if (!s)
		s = raw_find_section(&raw, "supervisorctl");
	const char *v;
	if (!x->url && (v = raw_scalar(s, "serverurl")))
		x->url = expand(v, here);
	if (!x->url && (v = raw_scalar(raw_find_section(&raw, "unix_http_server"), "file"))) {
		char *f = expand(v, here);
		if (f) {
			size_t n = strlen(f) + 8;
			x->url = malloc(n);
			if (x->url)
				snprintf(x->url, n, "unix://%s", f);
			free(f);
		}
	}
	if (!x->user && (v = raw_scalar(s, "username")))
		x->user = strdup(v);
	if (!x->pass && (v = raw_scalar(s, "password")))
		x->pass = strdup(v);
	if (!x->prompt && (v = raw_scalar(s, "prompt")))
		x->prompt = strdup(v);
	if (!x->history && (v = raw_scalar(s, "history_file")))
		x->history = expand(v, here);
	for (int i = 0; i < CTL_LIM_N; i++) {
		if (x->lim_val[i] || !(v = raw_scalar(s, ctl_lim_names[i])))
			continue;
		struct raw_kv *kv = raw_get(s, ctl_lim_names[i]);
		x->lim_val[i] = strdup(v);
		if (asprintf(&x->lim_where[i], "%s:%d", kv->file, kv->line) < 0)
			x->lim_where[i] = NULL;
	}
	free(here);
	diags_free(&d);
	raw_free(&raw);
	return 0;
}

const char *const ctl_lim_names[CTL_LIM_N] = {"connect_timeout", "timeout", "follow_timeout",
					      "max_response"};

int ctl_set_limits(struct ctl *x)
{
	struct ctl_limits *l = &x->c.lim;
	unsigned *secs[] = {&l->connect_timeout, &l->timeout, &l->follow_timeout};
	for (int i = 0; i < CTL_LIM_N; i++) {
		const char *v = x->lim_val[i];
		if (!v)
			continue;
		const char *where = x->lim_where[i] ? x->lim_where[i] : "?";
		if (i == CTL_LIM_MAX_RESPONSE) {
			uint64_t n;
			if (cv_bytes(v, &n) < 0 || n > SIZE_MAX / 2) {
				fprintf(stderr,
					"Error: %s: bad value '%s' for %s (bytes, KB/MB/GB; 0: no "
					"limit)\n",
					where, v, ctl_lim_names[i]);
				return -1;
			}
			l->max_response = (size_t)n;
		} else {
			/* a year at most: beyond, a limit is a mistake */
			long n;
			if (cv_int(v, 0, 366L * 86400, &n) < 0) {
				fprintf(stderr,
					"Error: %s: bad value '%s' for %s (seconds, up to a year; "
					"0: no limit)\n",
					where, v, ctl_lim_names[i]);
				return -1;
			}
			*secs[i] = (unsigned)n;
		}
	}
	return 0;
}
