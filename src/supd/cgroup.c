/* cgroup v2 containment: supd's subtree, a leaf per process, kill, the
 * emptiness watch, limits and resource use (cgroup.h; doc/cgroups.md). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "list.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

struct cgroups {
	enum cgroup_mode mode;
	struct loop *loop;
	char *fs;	/* the mount */
	char *own;	/* supd's cgroup as it found it (absolute path) */
	char *base;	/* the subtree's root (absolute) */
	char *self;	/* supd's own leaf; NULL: supd stays in own */
	bool made_base; /* base was made by us (host mode): removed at close */
	bool fake;	/* tests: a plain directory (cgroups_opts) */
	unsigned ctrl;	/* CGROUP_C_* the leaves get */
	/* base opened O_PATH: a leaf's files are reached from it, a walk of
	 * two names rather than of the whole path (at 10,000 programs the
	 * walks were a sixth of supd's CPU in a stop) */
	int base_fd;
	int ino; /* inotify fd for the emptiness watches; -1 until needed */
	struct cgroup *watched;
	struct cgroup *all;
};

/* One allocation per leaf, its path kept relative to the base: supd may
 * hold 10,000 of them (doc/performance.md), and the full path is needed
 * only for an error message or a spawn's fallback (cgroup_path). */
struct cgroup {
	struct cgroups *cg;
	int wd; /* inotify watch on cgroup.events; -1: none */
	void (*cb)(struct cgroup *c, void *arg);
	void *arg;
	LIST_LINK(struct cgroup) wlink, link;
	char rel[]; /* "<group>/<process>" under cg->base */
};

static const char *const ctrl_names[] = {"cpu", "memory", "pids", "io"};

const char *cgroups_controller_name(unsigned c)
{
	for (unsigned i = 0; i < 4; i++)
		if (c == 1u << i)
			return ctrl_names[i];
	return "?";
}

/* ---------------------------------------------------------------- small file i/o */

/* create: a fake cgroupfs (tests), where a file is made by its write. */
static int write_at(int dfd, const char *file, const char *s, bool create)
{
	int fd = openat(dfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, s, strlen(s));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

static int write_path(const char *path, const char *s, bool create)
{
	return write_at(AT_FDCWD, path, s, create);
}

/* Reads the small file open on fd whole (cgroup files are read in one
 * go) and closes it; fd < 0 is passed through as the error. */
static ssize_t read_whole(int fd, char *buf, size_t len)
{
	if (fd < 0)
		return fd;
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (n == 0 || (got += (size_t)n) >= len - 1)
			break;
	}
	close(fd);
	buf[got] = 0;
	return (ssize_t)got;
}

static ssize_t read_at(int dfd, const char *file, char *buf, size_t len)
{
	int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC);
	return read_whole(fd < 0 ? -errno : fd, buf, len);
}

/* The number after "key " in a flat-keyed file's text. */
static bool keyed(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (!strncmp(l, key, kl) && l[kl] == ' ') {
			*out = strtoull(l + kl + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

static char *path_join(const char *a, const char *b)
{
	char *s;
	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

/* ---------------------------------------------------------------- detection */

static bool is_cgroup2(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* supd's path in the v2 hierarchy ("0::/x" of /proc/self/cgroup). */
/* Not inlined: its line buffer would stay in cgroups_open's frame (see
 * there). */
static __attribute__((noinline)) int own_cgroup(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	char line[PATH_MAX + 16];
	int r = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "%s", line + 3);
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

/* Which of ours the controllers file at dfd lists. */
static unsigned read_controllers(int dfd, const char *file)
{
	char buf[512];
	if (read_at(dfd, file, buf, sizeof(buf)) < 0)
		return 0;
	unsigned m = 0;
	for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
		for (unsigned i = 0; i < 4; i++)
			if (!strcmp(t, ctrl_names[i]))
				m |= 1u << i;
	return m;
}

/* Enables each of want in dir's subtree_control (one at a time: one the
 * kernel refuses does not stop the others); returns those enabled. */
static unsigned enable_controllers(const char *dir, unsigned want, bool fake)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		if (!(want & 1u << i))
			continue;
		char w[16];
		snprintf(w, sizeof(w), "+%s", ctrl_names[i]);
		write_at(dfd, "cgroup.subtree_control", w, fake);
	}
	unsigned got = read_controllers(dfd, "cgroup.subtree_control") & want;
	close(dfd);
	return got;
}

static int make_dir_at(int dfd, const char *path)
{
	if (mkdirat(dfd, path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int make_dir(const char *path)
{
	return make_dir_at(AT_FDCWD, path);
}

static int open_inotify(struct cgroups *cg);

static void cgroups_free(struct cgroups *cg)
{
	if (!cg)
		return;
	if (cg->ino >= 0) {
		if (cg->loop)
			loop_unwatch_fd(cg->loop, cg->ino);
		close(cg->ino);
	}
	free(cg->fs);
	free(cg->own);
	free(cg->base);
	free(cg->self);
	if (cg->base_fd >= 0)
		close(cg->base_fd);
	free(cg);
}

int cgroups_open(struct cgroups **out, const struct cgroups_opts *o, char *why, size_t whylen)
{
	*out = NULL;
	if (o->off) {
		snprintf(why, whylen, "cgroups=off in the config");
		return -ECANCELED;
	}
	const char *fs = o->fs;
	if (fs) {
		if (!o->fake && !is_cgroup2(fs)) {
			snprintf(why, whylen, "%s is not a cgroup2 filesystem", fs);
			return -ENOENT;
		}
	} else if (is_cgroup2("/sys/fs/cgroup")) {
		fs = "/sys/fs/cgroup";
	} else if (is_cgroup2("/sys/fs/cgroup/unified")) {
		fs = "/sys/fs/cgroup/unified";
	} else {
		snprintf(why, whylen,
			 "no cgroup2 filesystem at /sys/fs/cgroup or /sys/fs/cgroup/unified");
		return -ENOENT;
	}
	char rel[PATH_MAX + 16];
	int r = 0;
	if (o->self)
		snprintf(rel, sizeof(rel), "%s", o->self);
	else
		r = own_cgroup(rel, sizeof(rel));
	if (r < 0) {
		snprintf(why, whylen, "supd is in no cgroup v2 hierarchy (/proc/self/cgroup)");
		return r;
	}
	struct cgroups *cg = calloc(1, sizeof(*cg));
	if (!cg) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	cg->ino = -1;
	cg->base_fd = -1;
	cg->loop = o->loop;
	cg->fake = o->fake;
	bool root = !strcmp(rel, "/");
	cg->fs = strdup(fs);
	if (asprintf(&cg->own, "%s%s", fs, root ? "" : rel) < 0)
		cg->own = NULL;
	if (!cg->fs || !cg->own) {
		cgroups_free(cg);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	/* One buffer for the files' paths below: this runs once, but what
	 * its frame touches of the stack stays resident for supd's life. */
	char procs[PATH_MAX + 16];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->own);
	if (access(procs, F_OK) < 0) {
		snprintf(why, whylen,
			 "supd's cgroup %s is not visible at %s (a container without a cgroup "
			 "namespace of its own?)",
			 rel, fs);
		cgroups_free(cg);
		return -ENOENT;
	}
	if (access(cg->own, W_OK) < 0 || access(procs, W_OK) < 0) {
		r = -errno;
		snprintf(why, whylen,
			 "cannot write to supd's cgroup %s (%s): not delegated, or mounted "
			 "read-only",
			 cg->own, strerror(-r));
		cgroups_free(cg);
		return r;
	}
	unsigned avail = 0;
	{
		int dfd = open(cg->own, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			avail = read_controllers(dfd, "cgroup.controllers");
			close(dfd);
		}
	}
	/* The hierarchy's true root has no cgroup.events; the root of a
	 * cgroup namespace (a container's own cgroup) has. */
	char *evp = procs;
	snprintf(evp, sizeof(procs), "%s/cgroup.events", cg->own);
	bool host_root = root && access(evp, F_OK) < 0;
	bool given = !host_root && (o->pid1 || o->delegated);
	if (!given) {
		/* The host's root, or a cgroup supd shares with others (a
		 * shell's session, a container's PID 1 that is not supd): a
		 * subtree of supd's own, named after its config; supd stays
		 * where it is. */
		cg->mode = CGROUP_HOST;
		cg->base = path_join(cg->own, o->name ? o->name : "supd");
		if (!cg->base || (r = make_dir(cg->base)) < 0) {
			r = cg->base ? r : -ENOMEM;
			snprintf(why, whylen, "cannot make %s: %s", cg->base ? cg->base : "cgroup",
				 strerror(-r));
			cgroups_free(cg);
			return r;
		}
		cg->made_base = true;
		unsigned en = enable_controllers(cg->own, avail, o->fake);
		cg->ctrl = enable_controllers(cg->base, en, o->fake);
		if (o->fake)
			cg->ctrl = avail;
		if (host_root)
			snprintf(why, whylen,
				 "host: supd's cgroup is the root of the cgroup2 hierarchy at %s; "
				 "programs go under %s",
				 fs, cg->base);
		else
			snprintf(why, whylen,
				 "nested: supd's cgroup %s is shared (not PID 1, not a systemd "
				 "service), hierarchy at %s; programs go under %s",
				 rel, fs, cg->base);
	} else {
		/* A cgroup given to supd: it moves into a leaf of its own
		 * ("no internal processes"), the programs beside it. */
		cg->mode = root ? CGROUP_CONTAINER : CGROUP_DELEGATED;
		cg->base = strdup(cg->own);
		cg->self = path_join(cg->own, "supd.self");
		if (!cg->base || !cg->self) {
			cgroups_free(cg);
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		char *sp = procs;
		snprintf(sp, sizeof(procs), "%s/cgroup.procs", cg->self);
		if ((r = make_dir(cg->self)) < 0 || (r = write_path(sp, "0", o->fake)) < 0) {
			snprintf(why, whylen, "cannot move supd into %s: %s", cg->self,
				 strerror(-r));
			rmdir(cg->self);
			cgroups_free(cg);
			return r;
		}
		cg->ctrl = enable_controllers(cg->base, avail, o->fake);
		if (o->fake)
			cg->ctrl = avail;
		if (root)
			snprintf(why, whylen,
				 "container: PID 1 at the root of its cgroup namespace (%s); supd "
				 "moved to %s",
				 fs, cg->self);
		else
			snprintf(why, whylen,
				 "delegated: supd's cgroup %s is its own; supd moved to %s", rel,
				 cg->self);
	}
	cg->base_fd = open(cg->base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg->base_fd < 0) {
		r = -errno;
		snprintf(why, whylen, "cannot open %s: %s", cg->base, strerror(-r));
		cgroups_close(cg);
		return r;
	}
	/* Made now rather than at the first stop: supd's fd count stays what
	 * it was at start (a failure is retried then). */
	open_inotify(cg);
	*out = cg;
	return 0;
}

enum cgroup_mode cgroups_mode(const struct cgroups *cg)
{
	return cg ? cg->mode : CGROUP_OFF;
}

const char *cgroups_base(const struct cgroups *cg)
{
	return cg ? cg->base : NULL;
}

unsigned cgroups_controllers(const struct cgroups *cg)
{
	return cg ? cg->ctrl : 0;
}

/* rmdir of each empty directory under dir (depth 2: groups, leaves). */
static void remove_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char *sub = path_join(dir, e->d_name);
		if (!sub)
			continue;
		if (depth > 1)
			remove_tree(sub, depth - 1);
		rmdir(sub);
		free(sub);
	}
	closedir(d);
}

void cgroups_close(struct cgroups *cg)
{
	if (!cg)
		return;
	while (cg->all)
		cgroup_close(cg->all);
	if (cg->self) {
		/* Back where it came from, so that its leaf can go. */
		char p[PATH_MAX + 16];
		snprintf(p, sizeof(p), "%s/cgroup.procs", cg->own);
		if (write_path(p, "0", cg->fake) == 0)
			rmdir(cg->self);
	}
	remove_tree(cg->base, 2);
	if (cg->made_base)
		rmdir(cg->base);
	cgroups_free(cg);
}

int cgroups_leftovers(struct cgroups *cg,
		      void (*cb)(const char *group, const char *process, void *arg), void *arg)
{
	DIR *d = opendir(cg->base);
	if (!d)
		return -errno;
	int n = 0;
	struct dirent *g;
	while ((g = readdir(d))) {
		if (g->d_type != DT_DIR || g->d_name[0] == '.' ||
		    (cg->self && !strcmp(g->d_name, "supd.self")))
			continue;
		char *gp = path_join(cg->base, g->d_name);
		DIR *gd = gp ? opendir(gp) : NULL;
		struct dirent *e;
		while (gd && (e = readdir(gd))) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			char ev[PATH_MAX + 64], buf[256];
			uint64_t pop = 0;
			snprintf(ev, sizeof(ev), "%s/%s/cgroup.events", gp, e->d_name);
			if (read_at(AT_FDCWD, ev, buf, sizeof(buf)) > 0 &&
			    keyed(buf, "populated", &pop) && pop) {
				n++;
				if (cb)
					cb(g->d_name, e->d_name, arg);
			}
		}
		if (gd)
			closedir(gd);
		free(gp);
	}
	closedir(d);
	return n;
}

/* ---------------------------------------------------------------- leaves */

static int leaf_open(struct cgroups *cg, const char *group, const char *process,
		     struct cgroup **out, bool known)
{
	*out = NULL;
	size_t gl = strlen(group), pl = strlen(process);
	struct cgroup *c = calloc(1, sizeof(*c) + gl + 1 + pl + 1);
	if (!c)
		return -ENOMEM;
	c->cg = cg;
	c->wd = -1;
	memcpy(c->rel, group, gl);
	c->rel[gl] = '/';
	memcpy(c->rel + gl + 1, process, pl + 1);
	char path[PATH_MAX];
	int r = -ENAMETOOLONG;
	/* the longest of its paths must fit (cgroup_procs_path at each spawn) */
	if (!cgroup_procs_path(c, path, sizeof(path)) || !cgroup_path(c, path, sizeof(path)))
		goto fail;
	/* Known to exist (an upgrade's process still in it: a populated
	 * cgroup cannot be removed): no path walk of cgroupfs, which costs
	 * tens of microseconds a leaf on a VM, during the upgrade's silence. */
	if (known)
		goto done;
	/* the group's directory (c->rel cut at its '/'), then the leaf */
	c->rel[gl] = 0;
	bool fresh = faccessat(cg->base_fd, c->rel, F_OK, 0) < 0;
	r = make_dir_at(cg->base_fd, c->rel);
	c->rel[gl] = '/';
	if (r < 0)
		goto fail;
	/* The leaves get the controllers the base has. */
	if (fresh && cg->ctrl) {
		char *slash = path + strlen(path) - pl - 1;
		*slash = 0;
		enable_controllers(path, cg->ctrl, cg->fake);
		*slash = '/';
	}
	if ((r = make_dir_at(cg->base_fd, c->rel)) < 0)
		goto fail;
done:
	list_push(&cg->all, c, link);
	*out = c;
	return 0;
fail:
	free(c);
	return r;
}

int cgroup_open(struct cgroups *cg, const char *group, const char *process, struct cgroup **out)
{
	return leaf_open(cg, group, process, out, false);
}

int cgroup_reopen(struct cgroups *cg, const char *group, const char *process, struct cgroup **out)
{
	return leaf_open(cg, group, process, out, true);
}

void cgroup_close(struct cgroup *c)
{
	if (!c)
		return;
	cgroup_unwatch(c);
	list_unlink(c, link);
	if (unlinkat(c->cg->base_fd, c->rel, AT_REMOVEDIR) == 0) {
		/* The group's directory goes with its last leaf. */
		*strrchr(c->rel, '/') = 0;
		unlinkat(c->cg->base_fd, c->rel, AT_REMOVEDIR);
	}
	free(c);
}

const char *cgroup_path(const struct cgroup *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", c->cg->base, c->rel);
	return n >= 0 && (size_t)n < len ? buf : NULL;
}

const char *cgroup_procs_path(const struct cgroup *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/cgroup.procs", c->cg->base, c->rel);
	return n >= 0 && (size_t)n < len ? buf : NULL;
}

/* A leaf's directory, opened when needed: a descriptor kept open for
 * each leaf would double supd's per-program descriptors, which at 10,000
 * programs is past common hard limits (doc/cgroups.md). */
int cgroup_dir(const struct cgroup *c)
{
	int fd = openat(c->cg->base_fd, c->rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* openat of one of the leaf's files: one walk from the base, not an open
 * of the leaf's directory and another from it. */
static int leaf_openat(const struct cgroup *c, const char *file, int flags)
{
	char rel[PATH_MAX];
	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", c->rel, file) >= sizeof(rel))
		return -ENAMETOOLONG;
	int fd = openat(c->cg->base_fd, rel, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Reads one of the leaf's small files whole. */
static ssize_t leaf_read(const struct cgroup *c, const char *file, char *buf, size_t len)
{
	return read_whole(leaf_openat(c, file, O_RDONLY), buf, len);
}

int cgroup_populated(const struct cgroup *c)
{
	char buf[256];
	ssize_t n = leaf_read(c, "cgroup.events", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	uint64_t v = 0;
	if (!keyed(buf, "populated", &v))
		return -EIO;
	return v ? 1 : 0;
}

int cgroup_pids(const struct cgroup *c, pid_t *v, size_t n)
{
	int fd = leaf_openat(c, "cgroup.procs", O_RDONLY);
	if (fd < 0)
		return fd;
	/* Digits summed across reads, so a number cut at a read's end needs
	 * no carrying over: one read for the usual leaf. */
	char buf[4096];
	long pid = 0;
	int count = 0;
	for (bool end = false; !end;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (r == 0) { /* the file's end ends its last number */
			buf[0] = '\n';
			r = 1;
			end = true;
		}
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
			} else if (pid) {
				if ((size_t)count < n)
					v[count] = (pid_t)pid;
				count++;
				pid = 0;
			}
		}
	}
	close(fd);
	return count;
}

int cgroup_signal(struct cgroup *c, int sig)
{
	pid_t v[256];
	int n = cgroup_pids(c, v, 256);
	if (n < 0)
		return n;
	int sent = 0;
	if (n > 256) {
		/* Many: read again, whole. */
		pid_t *w = malloc(sizeof(*w) * (size_t)n * 2);
		if (w) {
			int m = cgroup_pids(c, w, (size_t)n * 2);
			for (int i = 0; i < m && i < n * 2; i++)
				sent += kill(w[i], sig) == 0;
			free(w);
			return sent;
		}
		n = 256;
	}
	for (int i = 0; i < n; i++)
		sent += kill(v[i], sig) == 0;
	return sent;
}

int cgroup_kill(struct cgroup *c)
{
	/* Each member, again while new ones appear (a fork racing the first
	 * pass); bounded, the caller's deadline repeats.  Not cgroup.kill:
	 * on the kernels seen here (6.18) a leaf once killed that way kills
	 * every child later cloned into it with CLONE_INTO_CGROUP (the fork's
	 * kill sequence is compared with the parent's cgroup's), so the next
	 * start of the program died at once, over and over. */
	for (int pass = 0; pass < 16; pass++)
		if (cgroup_signal(c, SIGKILL) <= 0)
			break;
	return 0;
}

/* ---------------------------------------------------------------- the emptiness watch */

static void on_inotify(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	struct cgroups *cg = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			struct cgroup *c, *next;
			list_foreach_safe (c, cg->watched, wlink, next) {
				if (c->wd == ev->wd)
					break;
			}
			if (!c || cgroup_populated(c) != 0)
				continue;
			void (*cb)(struct cgroup *, void *) = c->cb;
			void *cba = c->arg;
			cgroup_unwatch(c);
			cb(c, cba);
		}
	}
}

/* The one inotify fd of every emptiness watch, in the loop. */
static int open_inotify(struct cgroups *cg)
{
	if (cg->ino >= 0)
		return 0;
	cg->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (cg->ino < 0)
		return -errno;
	if (cg->loop) {
		int r = loop_watch_fd(cg->loop, cg->ino, EPOLLIN, on_inotify, cg);
		if (r < 0) {
			close(cg->ino);
			cg->ino = -1;
			return r;
		}
	}
	return 0;
}

int cgroup_watch_empty(struct cgroup *c, void (*cb)(struct cgroup *c, void *arg), void *arg)
{
	struct cgroups *cg = c->cg;
	int r = open_inotify(cg);
	if (r < 0)
		return r;
	cgroup_unwatch(c);
	char ev[PATH_MAX + 32];
	snprintf(ev, sizeof(ev), "%s/%s/cgroup.events", cg->base, c->rel);
	c->wd = inotify_add_watch(cg->ino, ev, IN_MODIFY);
	if (c->wd < 0)
		return -errno;
	c->cb = cb;
	c->arg = arg;
	list_push(&cg->watched, c, wlink);
	/* Empty before the watch began: no event will come; say it now
	 * through the same path (an IN_MODIFY of our own is not possible,
	 * so the caller checks cgroup_populated first; see proc.c). */
	return 0;
}

void cgroup_unwatch(struct cgroup *c)
{
	if (c->wd < 0)
		return;
	inotify_rm_watch(c->cg->ino, c->wd);
	list_unlink(c, wlink);
	c->wd = -1;
	c->cb = NULL;
}

/* ---------------------------------------------------------------- limits */

unsigned cgroup_limits_need(const struct conf_cgroup *l)
{
	if (!l)
		return 0;
	unsigned m = 0;
	if (l->set & (CONF_CG_MEMORY_MAX | CONF_CG_MEMORY_HIGH | CONF_CG_MEMORY_SWAP_MAX))
		m |= CGROUP_C_MEMORY;
	if (l->set & (CONF_CG_CPU_MAX | CONF_CG_CPU_WEIGHT))
		m |= CGROUP_C_CPU;
	if (l->set & CONF_CG_PIDS_MAX)
		m |= CGROUP_C_PIDS;
	if (l->set & CONF_CG_IO_WEIGHT)
		m |= CGROUP_C_IO;
	return m;
}

static void fmt_max(char *b, size_t n, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(b, n, "max");
	else
		snprintf(b, n, "%" PRIu64, v);
}

int cgroup_set_limits(struct cgroup *c, const struct conf_cgroup *l, unsigned *missing, char *err,
		      size_t errlen)
{
	static const struct conf_cgroup none = {0};
	if (!l)
		l = &none;
	unsigned have = c->cg->ctrl;
	unsigned need = cgroup_limits_need(l);
	*missing = need & ~have;
	struct {
		unsigned ctrl, bit;
		const char *file;
		char val[64];
	} w[7] = {
	    {CGROUP_C_MEMORY, CONF_CG_MEMORY_MAX, "memory.max", "max"},
	    {CGROUP_C_MEMORY, CONF_CG_MEMORY_HIGH, "memory.high", "max"},
	    {CGROUP_C_MEMORY, CONF_CG_MEMORY_SWAP_MAX, "memory.swap.max", "max"},
	    {CGROUP_C_CPU, CONF_CG_CPU_MAX, "cpu.max", "max 100000"},
	    {CGROUP_C_CPU, CONF_CG_CPU_WEIGHT, "cpu.weight", "100"},
	    {CGROUP_C_PIDS, CONF_CG_PIDS_MAX, "pids.max", "max"},
	    {CGROUP_C_IO, CONF_CG_IO_WEIGHT, "io.weight", "default 100"},
	};
	if (l->set & CONF_CG_MEMORY_MAX)
		fmt_max(w[0].val, sizeof(w[0].val), l->memory_max);
	if (l->set & CONF_CG_MEMORY_HIGH)
		fmt_max(w[1].val, sizeof(w[1].val), l->memory_high);
	if (l->set & CONF_CG_MEMORY_SWAP_MAX)
		fmt_max(w[2].val, sizeof(w[2].val), l->memory_swap_max);
	if (l->set & CONF_CG_CPU_MAX) {
		if (l->cpu_quota_us < 0)
			snprintf(w[3].val, sizeof(w[3].val), "max %" PRId64, l->cpu_period_us);
		else
			snprintf(w[3].val, sizeof(w[3].val), "%" PRId64 " %" PRId64,
				 l->cpu_quota_us, l->cpu_period_us);
	}
	if (l->set & CONF_CG_CPU_WEIGHT)
		snprintf(w[4].val, sizeof(w[4].val), "%d", l->cpu_weight);
	if (l->set & CONF_CG_PIDS_MAX)
		fmt_max(w[5].val, sizeof(w[5].val), l->pids_max);
	if (l->set & CONF_CG_IO_WEIGHT)
		snprintf(w[6].val, sizeof(w[6].val), "default %d", l->io_weight);
	int first = 0;
	int d = cgroup_dir(c);
	if (d < 0) {
		snprintf(err, errlen, "%s/%s: %s", c->cg->base, c->rel, strerror(-d));
		return d;
	}
	for (int i = 0; i < 7; i++) {
		if (!(have & w[i].ctrl))
			continue;
		int r = write_at(d, w[i].file, w[i].val, c->cg->fake);
		/* memory.swap.max is absent without swap accounting: only a
		 * limit asked for is an error. */
		if (r < 0 && (l->set & w[i].bit) && !first) {
			first = r;
			snprintf(err, errlen, "%s/%s/%s: %s", c->cg->base, c->rel, w[i].file,
				 strerror(-r));
		}
	}
	close(d);
	return first;
}

/* ---------------------------------------------------------------- resource use */

int cgroup_oom_kills(const struct cgroup *c, uint64_t *out)
{
	char buf[512];
	*out = 0;
	ssize_t n = leaf_read(c, "memory.events", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	keyed(buf, "oom_kill", out);
	return 0;
}

void cgroup_statfds_init(struct cgroup_statfds *f)
{
	for (int i = 0; i < CGROUP_STATFDS; i++)
		f->fd[i] = -1;
}

void cgroup_statfds_close(struct cgroup_statfds *f)
{
	for (int i = 0; i < CGROUP_STATFDS; i++)
		if (f->fd[i] >= 0) {
			close(f->fd[i]);
			f->fd[i] = -1;
		}
}

/* One statistic file's text: pread() of the kept descriptor (the kernel
 * makes the text again at offset 0; one syscall instead of three), else
 * openat/read/close, keeping the descriptor when *budget allows.  A kept
 * descriptor of a leaf removed and made again reads ENODEV: opened anew.
 * With lines, the whole file is read in buf-sized pieces and its lines
 * counted (cgroup.procs of a tree of any size, on a small stack). */
static ssize_t stat_read(const struct cgroup *c, const char *file, int *kept, int *budget,
			 char *buf, size_t len, int64_t *lines)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = kept ? *kept : -1;
		bool keep = false;
		if (fd < 0) {
			fd = leaf_openat(c, file, O_RDONLY);
			if (fd < 0)
				return fd;
			keep = kept && budget && *budget > 0;
		}
		size_t got = 0;
		ssize_t n = 0;
		off_t off = 0;
		if (lines)
			*lines = 0;
		while (got < len - 1) {
			size_t want = len - 1 - got;
			n = pread(fd, buf + got, want, off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += n;
			if (lines) {
				for (const char *q = buf;
				     (q = memchr(q, '\n', (size_t)(buf + n - q))); q++)
					++*lines;
			} else {
				got += (size_t)n;
			}
			/* A short read is the end (these are seq files, filled
			 * whole): no second call to be told so. */
			if ((size_t)n < want)
				break;
		}
		int e = n < 0 ? errno : 0;
		if (keep && !e) {
			*kept = fd;
			--*budget;
		} else if (kept && fd == *kept && e) {
			close(fd);
			*kept = -1;
			continue; /* once more, opened anew */
		} else if (!kept || fd != *kept) {
			close(fd);
		}
		if (e)
			return -e;
		buf[got] = 0;
		return (ssize_t)off;
	}
	return -EIO;
}

int cgroup_stats_kept(const struct cgroup *c, struct cgroup_statfds *f, int *budget,
		      struct cgroup_stats *s)
{
	char buf[512];
	uint64_t v;
	int *fd = f ? f->fd : NULL;
	memset(s, 0, sizeof(*s));
	s->mem_current = s->mem_peak = s->nprocs = -1;
	ssize_t n = stat_read(c, "cpu.stat", fd ? &fd[0] : NULL, budget, buf, sizeof(buf), NULL);
	if (n < 0)
		return (int)n;
	if (keyed(buf, "usage_usec", &v))
		s->cpu_usec = v;
	/* Only the files the leaf's controllers give: a failed openat of a
	 * missing one costs as much as a read. */
	unsigned ctrl = c->cg->ctrl;
	if (ctrl & CGROUP_C_MEMORY) {
		if (stat_read(c, "memory.current", fd ? &fd[1] : NULL, budget, buf, sizeof(buf),
			      NULL) > 0)
			s->mem_current = (int64_t)strtoull(buf, NULL, 10);
		if (stat_read(c, "memory.peak", fd ? &fd[2] : NULL, budget, buf, sizeof(buf),
			      NULL) > 0)
			s->mem_peak = (int64_t)strtoull(buf, NULL, 10);
		if (stat_read(c, "memory.events", fd ? &fd[3] : NULL, budget, buf, sizeof(buf),
			      NULL) > 0)
			keyed(buf, "oom_kill", &s->oom_kills);
	}
	int64_t lines;
	if ((ctrl & CGROUP_C_PIDS) &&
	    stat_read(c, "pids.current", fd ? &fd[4] : NULL, budget, buf, sizeof(buf), NULL) > 0)
		s->nprocs = (int64_t)strtoull(buf, NULL, 10);
	else if (stat_read(c, "cgroup.procs", fd ? &fd[5] : NULL, budget, buf, sizeof(buf),
			   &lines) >= 0)
		s->nprocs = lines;
	return 0;
}

int cgroup_stats(const struct cgroup *c, struct cgroup_stats *s)
{
	return cgroup_stats_kept(c, NULL, NULL, s);
}
