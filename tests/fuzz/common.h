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
 * case an input includes /dev/stdin.
 *
 * FUZZ_CHROOT=1 (long runs, as root or with user namespaces): the load
 * sees that directory as its whole file system.  Inputs grow [include]
 * globs of the root's directories, two and three levels down, which read
 * every text file of the machine: fuzz_cfg ran 100 inputs a second
 * instead of 2,000.
 * libFuzzer's relative paths (corpus, artifacts, -dict) and LSan's
 * suppressions given relatively still work, since the working directory
 * stays outside; a crash's stack is not symbolized there (run its input
 * again without FUZZ_CHROOT). */
#ifndef SUPD_FUZZ_COMMON_H
#define SUPD_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_raw.h"

/* Loads and prints are linear in the processes, and past a few dozen a
 * bigger config reaches no code a smaller one does not: an input whose
 * numprocs asks for more is parsed but not loaded, and a loaded config
 * with more processes (several programs) is not printed (fuzz_one).
 * Inputs with numprocs in the thousands were most of fuzz_ini's time. */
#define FUZZ_NUMPROCS_MAX 64
#define FUZZ_PRINT_MAX 256

typedef int (*fuzz_parse_fn)(struct raw_conf *, const char *, const char *, size_t, struct diags *);

static char fuzz_dir[64];
static char fuzz_path[96];
static char fuzz_inc[96];
static FILE *fuzz_null;
static bool fuzz_chrooted;
static char fuzz_pid[16];

/* What LSan reads at exit, bound into the new root (see fuzz_chroot). */
static const char *const fuzz_proc[] = {"maps", "status", "task"};

static void fuzz_cleanup(void)
{
	/* (FUZZ_CHROOT: LSan's leak check runs after this, and reads the
	 * mounts; the directory is left to the run's TMPDIR, short.sh's) */
	if (fuzz_chrooted)
		return;
	unlink(fuzz_inc);
	rmdir(fuzz_dir);
}

/* The directory becomes "/" for this process (see the top).  LSan reads
 * /proc/self/maps, /proc/PID/status and /proc/PID/task at exit: the new
 * root has those, bound from the real /proc in a mount namespace of its
 * own, and no more (an input's globs of all of /proc took 0.6 s, and
 * /proc/self/cwd and /proc/self/fd lead out of the root). */
static int fuzz_chroot(const char *name)
{
	if (unshare(CLONE_NEWNS) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	snprintf(fuzz_pid, sizeof(fuzz_pid), "%d", (int)getpid());
	char path[160], real[64];
	snprintf(path, sizeof(path), "%s/proc", fuzz_dir);
	if (mkdir(path, 0555) < 0)
		return -1;
	const char *ids[] = {"self", fuzz_pid};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/proc/%s", fuzz_dir, ids[i]);
		if (mkdir(path, 0555) < 0)
			return -1;
		for (size_t k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/proc/%s/%s", fuzz_dir, ids[i],
				 fuzz_proc[k]);
			snprintf(real, sizeof(real), "/proc/%s/%s", fuzz_pid, fuzz_proc[k]);
			int fd = -1;
			if (k < 2 ? (fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444)) < 0
				  : mkdir(path, 0555) < 0)
				return -1;
			if (fd >= 0)
				close(fd);
			if (mount(real, path, NULL, MS_BIND, NULL) < 0)
				return -1;
		}
	}
	if (chroot(fuzz_dir) < 0)
		return -1;
	fuzz_chrooted = true;
	snprintf(fuzz_path, sizeof(fuzz_path), "/%s", name);
	snprintf(fuzz_inc, sizeof(fuzz_inc), "/inc.conf");
	return 0;
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
	if (getenv("FUZZ_CHROOT") && fuzz_chroot(name) < 0)
		return -1;
	return 0;
}

static void fuzz_diags(const struct diags *d)
{
	char buf[256];
	for (size_t i = 0; i < d->n; i++)
		diag_format(&d->v[i], buf, sizeof(buf));
}

/* Whether some section asks for more than FUZZ_NUMPROCS_MAX processes
 * (a value out of range still loads, for its error). */
static bool fuzz_too_many(const struct raw_conf *r)
{
	for (size_t i = 0; i < r->nsecs; i++) {
		const struct raw_kv *kv = raw_get(&r->secs[i], "numprocs");
		if (!kv || kv->kind != RAW_SCALAR || !kv->value)
			continue;
		long n = strtol(kv->value, NULL, 10);
		if (n > FUZZ_NUMPROCS_MAX && n <= 100000)
			return true;
	}
	return false;
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
	bool skip = fuzz_too_many(&r);
	raw_free(&r);
	diags_free(&d);
	if (skip)
		return;

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
