/* Shared by the fuzz targets (one per config front-end): the front-end
 * alone on the bytes, then the whole conf_load (typing, expansion,
 * validation, printing) on the same bytes read from a file.
 *
 * The file lives in a private temporary directory so that an input's
 * [include] globs relative to it find nothing but the input itself.  The
 * run scripts give the targets /dev/null as stdin, in case an input
 * includes /dev/stdin. */
#ifndef SUPD_FUZZ_COMMON_H
#define SUPD_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_raw.h"

typedef int (*fuzz_parse_fn)(struct raw_conf *, const char *, const char *, size_t, struct diags *);

static char fuzz_dir[64];
static char fuzz_path[96];
static FILE *fuzz_null;

static void fuzz_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

static int fuzz_setup(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/supd-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		return -1;
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s", fuzz_dir, name);
	fuzz_null = fopen("/dev/null", "we");
	if (!fuzz_null)
		return -1;
	atexit(fuzz_cleanup);
	return 0;
}

static void fuzz_diags(const struct diags *d)
{
	char buf[256];
	for (size_t i = 0; i < d->n; i++)
		diag_format(&d->v[i], buf, sizeof(buf));
}

static int fuzz_write(const uint8_t *data, size_t size)
{
	int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t k = write(fd, data + off, size - off);
		if (k <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)k;
	}
	close(fd);
	return 0;
}

static void fuzz_one(const uint8_t *data, size_t size, fuzz_parse_fn parse, enum conf_format fmt)
{
	struct raw_conf r;
	struct diags d;

	raw_init(&r);
	diags_init(&d);
	int rc = parse(&r, "fuzz", (const char *)data, size, &d);
	/* The contract every caller relies on: an error is always explained. */
	if (rc == -EINVAL && d.nerrors == 0)
		abort();
	fuzz_diags(&d);
	raw_free(&r);
	diags_free(&d);

	if (fuzz_write(data, size) < 0)
		abort();
	static char *const env[] = {"HOME=/nonexistent", "PATH=/usr/bin:/bin", "X=1", NULL};
	struct conf_load_opts o = {.path = fuzz_path, .format = fmt, .environ = env};
	struct conf *c = NULL;
	diags_init(&d);
	if (conf_load(&o, &c, &d) == 0) {
		conf_print_ini(c, fuzz_null);
		conf_print_json(c, fuzz_null);
		conf_free(c);
	}
	fuzz_diags(&d);
	diags_free(&d);
}

#endif
