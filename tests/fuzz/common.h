/* Shared by the fuzz targets (one per config front-end): the front-end
 * alone on the bytes, then the whole conf_load (typing, expansion,
 * validation, printing) on the same bytes, handed to it in memory
 * (conf_load_opts.text) as if read from a file in a private temporary
 * directory.  Writing the file for each input cost more than parsing it
 * (ext4 flushes a truncated file on close): 150-300 runs a second.
 *
 * [include]s stay file-based: the directory holds one small file
 * (inc.conf) for an input's globs to find, so that the include path reads
 * a real file.  The run scripts give the targets /dev/null as stdin, in
 * case an input includes /dev/stdin. */
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

/* Configs with more processes are loaded, not printed (fuzz_one). */
#define FUZZ_PRINT_MAX 2000

typedef int (*fuzz_parse_fn)(struct raw_conf *, const char *, const char *, size_t, struct diags *);

static char fuzz_dir[64];
static char fuzz_path[96];
static char fuzz_inc[96];
static FILE *fuzz_null;

static void fuzz_cleanup(void)
{
	unlink(fuzz_inc);
	rmdir(fuzz_dir);
}

static int fuzz_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

static int fuzz_setup(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/supd-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		return -1;
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s", fuzz_dir, name);
	snprintf(fuzz_inc, sizeof(fuzz_inc), "%s/inc.conf", fuzz_dir);
	atexit(fuzz_cleanup);
	if (fuzz_write(fuzz_inc, "[program:inc]\ncommand=/bin/true\nnumprocs=2\n"
				 "process_name=%(program_name)s_%(process_num)d\n") < 0)
		return -1;
	fuzz_null = fopen("/dev/null", "we");
	if (!fuzz_null)
		return -1;
	return 0;
}

static void fuzz_diags(const struct diags *d)
{
	char buf[256];
	for (size_t i = 0; i < d->n; i++)
		diag_format(&d->v[i], buf, sizeof(buf));
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

	static char *const env[] = {"HOME=/nonexistent", "PATH=/usr/bin:/bin", "X=1", NULL};
	struct conf_load_opts o = {.path = fuzz_path,
				   .format = fmt,
				   .environ = env,
				   .text = (const char *)data,
				   .len = size};
	struct conf *c = NULL;
	diags_init(&d);
	if (conf_load(&o, &c, &d) == 0) {
		/* The printers are linear in the processes: numprocs=58660
		 * printed 130 MB in 13 s under ASan (0.9 + 2.1 s natively), past
		 * the run's 10 s timeout, and past a few thousand processes a
		 * print reaches no code a smaller one does not. */
		if (c->nprocs <= FUZZ_PRINT_MAX) {
			conf_print_ini(c, fuzz_null);
			conf_print_json(c, fuzz_null);
		}
		conf_free(c);
	}
	fuzz_diags(&d);
	diags_free(&d);
}

#endif
