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

/* ---------------------------------------------------------------- the parts of an INI file */

/* supctl needs three sections of what may be a 10,000-program file.  A
 * first pass reads the file through one buffer and finds the parts the
 * INI parser must see: what comes before the first section header, and
 * each section whose name may be one supctl keeps, up to the next header
 * at the start of a line (where a section always ends).  Only those
 * parts are read into memory and parsed.  Mapping the whole 1.7 MB file
 * and scanning it had cost `supctl status ONE` 1.4 ms of its 3.6 (#18).
 * Lines are counted only up to the start of a part, where the parser's
 * messages and the limits' file:line begin. */
#define PART_CHUNK (32 * 1024)
#define PART_LOOK  256 /* a header's start is seen whole within this */

struct part {
	off_t start, end;
	int lines; /* lines before start */
};

struct parts {
	struct part *v;
	size_t n, cap;
	char *buf, *cbuf; /* the pass's buffer; lines_before's */
};

/* '\n' bytes in p[0, n), eight at a time. */
static size_t count_nl(const char *p, size_t n)
{
	const uint64_t nl = 0x0a0a0a0a0a0a0a0aull, lo7 = 0x7f7f7f7f7f7f7f7full;
	size_t k = 0, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		uint64_t x = w ^ nl;			     /* 0 where a '\n' is */
		uint64_t y = ~(((x & lo7) + lo7) | x | lo7); /* 0x80 there, else 0 */
		k += (size_t)(((y >> 7) * 0x0101010101010101ull) >> 56);
	}
	for (; i < n; i++)
		k += p[i] == '\n';
	return k;
}

/* *lines += the lines of fd in [from, to). */
static int count_lines_fd(int fd, char *buf, off_t from, off_t to, int *lines)
{
	while (from < to) {
		size_t want = to - from < PART_CHUNK ? (size_t)(to - from) : PART_CHUNK;
		ssize_t n = pread(fd, buf, want, from);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if (memchr(buf, '\r', (size_t)n))
			return 1; /* \n alone does not count these lines */
		*lines += (int)count_nl(buf, (size_t)n);
		from += n;
	}
	return 0;
}

/* Could the header whose name starts at name be one of wanted?  (The
 * parser says for sure: a yes costs a few lines parsed.) */
static bool may_want(const char *name, size_t n, const char *const *wanted)
{
	for (const char *const *w = wanted; *w; w++) {
		size_t l = strlen(*w);
		if (n >= l && !memcmp(name, *w, l))
			return true;
	}
	return false;
}

static int part_add(struct parts *ps, off_t start, off_t end, int lines)
{
	if (start >= end)
		return 0;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 4;
		struct part *v = realloc(ps->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n++] = (struct part){start, end, lines};
	return 0;
}

/* The parts of fd's INI text to parse, into ps.  Returns 1, 0 when the
 * file must be parsed whole (a \r, as \n alone does not count its
 * lines; a byte-order mark; an indented '[' line outside the parts,
 * which may open a section or continue a value, as the lines before it
 * say), or -errno. */
static int find_parts(int fd, const char *const *wanted, struct parts *ps)
{
	char *buf = ps->buf;
	off_t off = 0, start = 0, counted = 0;
	int lines = 0, start_lines = 0;
	bool in = true;	   /* a part is open (the first: before any header) */
	bool blank = true; /* the bytes read since the last '\n' are blanks */
	for (;;) {
		ssize_t n = pread(fd, buf, PART_CHUNK, off);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (off == 0 && n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
			return 0;
		/* The bytes this read owns; the rest is read again next time,
		 * so that a header near the end is seen whole. */
		size_t own = (size_t)n == PART_CHUNK ? PART_CHUNK - PART_LOOK : (size_t)n;
		for (const char *b = buf; (b = memchr(b, '[', own - (size_t)(b - buf))); b++) {
			size_t i = (size_t)(b - buf), k = i;
			while (k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
				k--;
			if (!(k > 0 ? buf[k - 1] == '\n' : blank))
				continue; /* a '[' within a line */
			if (k != i) {
				if (!in)
					return 0;
				continue; /* indented, in a part: the parser decides */
			}
			/* a header: the open part ends here */
			off_t at = off + (off_t)i;
			int rc;
			if (in && (rc = part_add(ps, start, at, start_lines)) < 0)
				return rc;
			in = may_want(b + 1, (size_t)n - i - 1, wanted);
			if (in) {
				if ((rc = count_lines_fd(fd, ps->cbuf, counted, at, &lines)) != 0)
					return rc < 0 ? rc : 0;
				counted = start = at;
				start_lines = lines;
			}
		}
		/* blank: for a '[' at the start of the next read */
		size_t k = own;
		while (k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
			k--;
		blank = k > 0 ? buf[k - 1] == '\n' : blank;
		off += (off_t)own;
	}
	if (in) {
		int rc = part_add(ps, start, off, start_lines);
		if (rc < 0)
			return rc;
	}
	return 1;
}

/* Parses the parts of path that hold sections of raw->only.  Returns 1
 * (parsed: 0 or an error in r), 0 when the file must be parsed whole, or
 * -errno. */
static int ini_parts(struct raw_conf *raw, const char *path, struct diags *d, int *r)
{
	/* (O_NONBLOCK: a FIFO is left to the whole-file read, unopened by
	 * a writer or not) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	struct parts ps = {0};
	char **texts = NULL;
	int found = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	ps.buf = malloc(2 * PART_CHUNK);
	if (!ps.buf) {
		found = -ENOMEM;
		goto out;
	}
	ps.cbuf = ps.buf + PART_CHUNK;
	found = find_parts(fd, raw->only, &ps);
	if (found != 1)
		goto out;
	/* Every part read before any is parsed: one with a \r (a line end
	 * too, uncounted) sends the whole file to the parser instead. */
	texts = calloc(ps.n ? ps.n : 1, sizeof(*texts));
	if (!texts) {
		found = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ps.n; i++) {
		size_t len = (size_t)(ps.v[i].end - ps.v[i].start);
		ssize_t got;
		if (!(texts[i] = malloc(len)))
			found = -ENOMEM;
		else if ((got = pread(fd, texts[i], len, ps.v[i].start)) != (ssize_t)len)
			found = got < 0 ? -errno : -EIO;
		else if (memchr(texts[i], '\r', len))
			found = 0;
		if (found != 1)
			goto out;
	}
	*r = 0;
	for (size_t i = 0; i < ps.n; i++) {
		int e = conf_ini_parse_part(
		    raw, path, texts[i], (size_t)(ps.v[i].end - ps.v[i].start), ps.v[i].lines, d);
		if (e < 0 && e != -EINVAL) {
			found = e;
			break;
		}
		if (e < 0)
			*r = e;
	}
out:
	for (size_t i = 0; texts && i < ps.n; i++)
		free(texts[i]);
	free(texts);
	free(ps.buf);
	free(ps.v);
	close(fd);
	return found;
}

/* Only [supervisorctl]/[supctl] (and [unix_http_server] file, for a useful
 * default URL) are read, without validating the rest: like
 * supervisorctl, a client must work with a config the daemon would
 * reject for reasons that are none of its business. */
int ctl_load_conf(struct ctl *x, const char *path, bool explicit_path)
{
	struct raw_conf raw;
	struct diags d;
	static const char *const wanted[] = {"supctl", "supervisorctl", "unix_http_server", NULL};
	raw_init(&raw);
	raw.only = wanted;
	diags_init(&d);
	size_t pl = strlen(path);
	bool yaml = (pl > 5 && !strcmp(path + pl - 5, ".yaml")) ||
		    (pl > 4 && !strcmp(path + pl - 4, ".yml"));
	bool cfg = pl > 4 && !strcmp(path + pl - 4, ".cfg");
	int r = 0, got = 0;
	if (!yaml && !cfg)
		got = ini_parts(&raw, path, &d, &r);
	if (got == 0) {
		char *text = NULL;
		size_t len = 0;
		bool mapped;
		got = conf_text(path, &text, &len, &mapped);
		if (got == 0) {
			if (yaml)
				r = conf_yaml_parse(&raw, path, text, len, &d);
			else if (cfg)
				r = conf_cfg_parse(&raw, path, text, len, &d);
			else
				r = conf_ini_parse(&raw, path, text, len, &d);
			conf_text_free(text, len, mapped);
		}
	}
	if (got < 0) {
		diags_free(&d);
		raw_free(&raw);
		if (explicit_path) {
			/* supervisorctl's words (and its usage hint); the reason
			 * too when it is not a missing file. */
			if (got == -ENOENT)
				fprintf(stderr, "Error: could not find config file %s\n", path);
			else
				fprintf(stderr, "Error: could not read config file %s: %s\n", path,
					strerror(-got));
			fprintf(stderr, "For help, use supctl -h\n");
			return -1;
		}
		return 0;
	}
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
