/* The daemon's start-up: the process made as the config's [supervisord]
 * wants it (privileges, rlimits, supd's own log), then detached from the
 * terminal (daemonizing, subreaper, pidfile).  Each step says why it
 * failed, on the terminal while there is one, and gives supervisord's
 * exit status. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_int.h"
#include "log.h"
#include "loop.h"
#include "spawn.h"

static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

/* supervisord's set_uid_or_exit.  Returns 0 or 2 after printing why. */
static int drop_privileges(const char *user, char *info, size_t infolen)
{
	info[0] = 0;
	if (!user)
		return 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		unsigned long v = strtoul(user, &end, 10);
		if (*user && !*end)
			pw = getpwuid((uid_t)v);
	}
	if (!pw) {
		fprintf(stderr, "Error: Invalid user name %s\n", user);
		return 2;
	}
	/* supervisord says so too when it had nothing to drop: user=root
	 * as root is the way to say that root is meant (no CRIT then). */
	if (getuid() == pw->pw_uid) {
		snprintf(info, infolen, "Set uid to user %u succeeded", (unsigned)pw->pw_uid);
		return 0;
	}
	if (getuid() != 0) {
		fprintf(stderr, "Error: Can't drop privilege as nonroot user\n");
		return 2;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "Error: Could not set user id to %s: %s\n", user, strerror(errno));
		return 2;
	}
	snprintf(info, infolen, "Set uid to user %u succeeded", (unsigned)pw->pw_uid);
	return 0;
}

/* supervisord's set_rlimits_or_exit: raise soft (and, as root, hard)
 * limits to minfds/minprocs. */
static int raise_limit(int res, long min, const char *name, const char *opt, char *info,
		       size_t infolen)
{
	struct rlimit rl;
	if (min <= 0 || getrlimit(res, &rl) < 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)min)
		return 0;
	rlim_t hard = rl.rlim_max;
	if (hard != RLIM_INFINITY && hard < (rlim_t)min)
		hard = (rlim_t)min;
	struct rlimit want = {(rlim_t)min, hard};
	if (setrlimit(res, &want) < 0) {
		fprintf(
		    stderr,
		    "Error: The minimum number of %s required to run this process is %ld as per "
		    "the \"%s\" command-line argument or config file setting. The current "
		    "environment will only allow you to open %llu %s.  Either raise the number "
		    "in your environment or lower the %s setting in the config file to allow "
		    "the process to start.\n",
		    res == RLIMIT_NOFILE ? "file descriptors" : "available processes", min, opt,
		    (unsigned long long)rl.rlim_max,
		    res == RLIMIT_NOFILE ? "file descriptors" : "processes", opt);
		return 2;
	}
	size_t l = strlen(info);
	snprintf(info + l, infolen - l, "%sIncreased %s limit to %ld", l ? "\n" : "", name, min);
	return 0;
}

/* Each process costs supd three or four fds: take all the fds the hard
 * limit allows, and give children the soft limit supd started with (or
 * minfds), as supervisord's children get. */
static void raise_own_nofile(struct daemon *d)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	rlim_t cur = rl.rlim_cur;
	/* root may also raise the hard limit, up to the kernel's nr_open */
	struct rlimit big = {1 << 20, 1 << 20};
	if (rl.rlim_max < big.rlim_max && setrlimit(RLIMIT_NOFILE, &big) == 0) {
		d->child_nofile = (long)cur;
		return;
	}
	if (cur >= rl.rlim_max)
		return;
	d->child_nofile = (long)cur;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* A start-up failure: in supd's log, and on stderr when the log is not
 * echoed there (daemon mode, silent), so that whoever started supd sees
 * why it did not start, whatever the mode. */
void daemon_startup_fail(const struct daemon *d, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_crit("%s", msg);
	if (!d->foreground || d->cref->c->supd.silent)
		fprintf(stderr, "Error: %s\n", msg);
}

/* fork; the child detaches like supervisord's _daemonize.  The parent
 * waits until the child's start-up is over (daemon_started): it exits 0
 * then, or with the child's status when the child failed first, whose
 * reason the child printed on the stderr they share.  (supervisord's
 * parent exits 0 at once, before the child can fail.)  Returns 0 in the
 * child, or 2. */
static int daemonize(struct daemon *d, const struct conf_supd *s)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		daemon_startup_fail(d, "could not fork to daemonize: %s", strerror(errno));
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		daemon_startup_fail(d, "could not fork to daemonize: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return 2;
	}
	if (pid > 0) {
		char c;
		ssize_t n;
		int st;
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(0);
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st))
			_exit(WEXITSTATUS(st));
		_exit(2);
	}
	close(p[0]);
	d->ready_fd = p[1];
	if (s->directory && chdir(s->directory) < 0) {
		daemon_startup_fail(d, "can't chdir into %s: %s", s->directory, strerror(errno));
		return 2;
	}
	setsid();
	umask((mode_t)s->umask);
	return 0;
}

/* Start-up is over: the waiting parent exits 0, and the terminal is let
 * go (stdin, stdout and stderr on /dev/null). */
void daemon_started(struct daemon *d)
{
	if (d->ready_fd < 0)
		return;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		for (int i = 0; i < 3; i++)
			dup2(fd, i);
		close(fd);
	}
	ssize_t n;
	do
		n = write(d->ready_fd, "1", 1);
	while (n < 0 && errno == EINTR);
	close(d->ready_fd);
	d->ready_fd = -1;
}

static int write_pidfile(const char *path)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	int r = 0;
	if (write(fd, buf, (size_t)n) != n)
		r = -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/* The user, then the rlimits; what was done is told in uinfo and info
 * once the log is open. */
static int set_identity(const struct conf_supd *s, char *uinfo, size_t uinfolen, char *info,
			size_t infolen)
{
	int rc = drop_privileges(s->user, uinfo, uinfolen);
	if (!rc)
		rc =
		    raise_limit(RLIMIT_NOFILE, s->minfds, "RLIMIT_NOFILE", "minfds", info, infolen);
	if (!rc)
		rc = raise_limit(RLIMIT_NPROC, s->minprocs, "RLIMIT_NPROC", "minprocs", info,
				 infolen);
	return rc;
}

static int open_log(struct daemon *d, const struct conf_supd *s)
{
	log_set_level(s->loglevel);
	log_set_echo(d->foreground && !s->silent);
	if (s->logfile_syslog)
		log_set_syslog(log_syslog_default);
	if (s->logfile_journal && log_set_journal() < 0) {
		fprintf(stderr, "Error: logfile=journal: cannot load libsystemd.so.0\n");
		return 2;
	}
	if (s->logfile) {
		int r = log_open(s->logfile, s->logfile_maxbytes, s->logfile_backups);
		if (r < 0) {
			fprintf(stderr, "Error: cannot open the log file %s: %s\n", s->logfile,
				strerror(-r));
			return 2;
		}
	}
	return 0;
}

/* supervisord says CRIT whenever root runs it without user=, even when
 * every program drops its privileges, and in a container, where root is
 * the rule: the first thing a user of the example saw was a CRIT line.
 * supd warns where it applies: as root (not PID 1), naming the programs
 * that will run as root because they set no user= either. */
static void warn_root_programs(const struct conf *c)
{
	char names[256] = "";
	size_t n = 0, off = 0;
	for (size_t i = 0; i < c->nprocs; i++) {
		if (c->procs[i].s->user)
			continue;
		if (n++ < 4 && off < sizeof(names))
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						n > 1 ? ", " : "", c->procs[i].name);
	}
	if (!n)
		return;
	if (n > 4 && off < sizeof(names))
		snprintf(names + off, sizeof(names) - off, " and %zu more", n - 4);
	log_warn("supd is running as root, and so will %s (no user= in the config): set "
		 "user= where root is not needed, or user=root in [supervisord] to say that it "
		 "is meant",
		 names);
}

static void log_identity(const struct conf *c, const char *uinfo, const char *info)
{
	if (uinfo[0])
		log_info("%s", uinfo);
	else if (getuid() == 0 && getpid() != 1)
		warn_root_programs(c);
	daemon_log_lines(LL_INFO, info);
}

int daemon_start_process(struct daemon *d, struct conf *c)
{
	char info[512] = "", uinfo[128];

	ensure_std_fds();
	/* Reserved while the fd numbers are still low (struct spawn_slots). */
	d->have_slots = spawn_slots_open(&d->slots) == 0;
	d->cref = conf_ref_new(c);
	if (!d->cref) {
		conf_free(c);
		fprintf(stderr, "supd: out of memory\n");
		return 1;
	}
	const struct conf_supd *s = &c->supd;
	int rc = set_identity(s, uinfo, sizeof(uinfo), info, sizeof(info));
	if (!rc) {
		raise_own_nofile(d);
		rc = open_log(d, s);
	}
	if (!rc) {
		log_identity(c, uinfo, info);
		int r = loop_new(&d->loop);
		if (r < 0) {
			daemon_startup_fail(d, "creating the event loop: %s", strerror(-r));
			rc = 1;
		}
	}
	if (rc) {
		conf_ref_put(d->cref);
		d->cref = NULL;
	}
	return rc;
}

/* Only after the control plane is up, so that a socket already in use is
 * still reported on the terminal with exit status 2.  The loop, signalfd
 * and listeners carry over into the child: they have no threads. */
int daemon_start_detach(struct daemon *d)
{
	const struct conf_supd *s = &d->cref->c->supd;
	/* An upgrade in place is the same process, detached already. */
	if (!d->foreground && !d->upg) {
		if (daemonize(d, s) != 0)
			return 2;
		int r = daemon_reopen_signalfd(d);
		if (r < 0) {
			daemon_startup_fail(d, "setting up signals: %s", strerror(-r));
			return 1;
		}
	}
	/* Per process, not inherited: after daemonizing. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("could not become a child subreaper: %s", strerror(errno));

	if (s->pidfile) {
		int r = write_pidfile(s->pidfile);
		if (r < 0)
			log_crit("could not write pidfile %s: %s", s->pidfile, strerror(-r));
		else
			d->pidfile = strdup(s->pidfile);
	}
	/* supervisord's words: what entrypoints and log watchers wait for */
	log_info("supervisord started with pid %d", (int)getpid());
	return 0;
}
