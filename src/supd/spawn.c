/* fork + exec with an error pipe.
 *
 * Everything that can be decided in the parent is (the path of the
 * program, the user's ids and groups, the environment), so the child only
 * makes system calls between fork and exec.  The child reports a failure as
 * a small record (stage, errno) on a close-on-exec pipe and _exit(127)s;
 * the parent reads EOF when exec succeeded, because exec closed the pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

extern char **environ;

/* The clone child (start_child) runs on a stack of its own in our memory,
 * a stack ASan's runtime does not know: ASan's code in it would write the
 * shadow of that stack as if it were ours and, at _exit, try to unpoison
 * a stack that is not there (a false report).  So under ASan the child's
 * side is left uninstrumented, as libc's own posix_spawn child is; every
 * byte it touches was prepared by instrumented code in the parent, whose
 * side of the clone path (the slots, the plan, the shared error record)
 * is checked.  The plain fork path runs the same functions. */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_SIDE __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_SIDE __attribute__((no_sanitize_address))
#endif
#endif
#ifndef CHILD_SIDE
#define CHILD_SIDE
#endif

enum stage {
	ST_SETPGID = 1,
	ST_STDIN,
	ST_STDIO,
	ST_CLOSE,
	ST_SIGNALS,
	ST_SETGROUPS,
	ST_SETGID,
	ST_SETUID,
	ST_CHDIR,
	ST_NICE,
	ST_EXEC,
	/* the program's own settings (conf_limits), each named in the error */
	ST_LIM_NICE,
	ST_LIM_OOM,
	ST_LIM_AFFINITY,
	ST_LIM_RLIMIT, /* + enum conf_rl: must stay last */
	ST_CGROUP,     /* cgroups: joining the process's leaf */
};

struct child_err {
	int stage;
	int err;
};

/* What the child needs, all prepared by the parent. */
struct plan {
	const char *file;
	char *const *argv;
	char **envp;
	bool switch_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	const char *dir;
	int umask;
	long nofile;	  /* 0: keep */
	int in_r;	  /* -1: /dev/null */
	int out_w, err_w; /* -1: /dev/null */
	bool redirect_stderr;
	int errfd;
	int unshare_from;      /* >0: the fd table is shared; keep only fds below */
	const uint64_t *reset; /* the dispositions to reset (bit sig - 1); NULL: all */
	/* The child shares our memory until it execs (clone path): it writes
	 * its failure here instead of to an error pipe, and we read it when
	 * the clone returns.  NULL: errfd. */
	struct child_err *shared;
	int extra_fd, extra_fd_num; /* fd:N readiness: -1 none */
	bool restore_nice;	    /* the child started boosted: set nice back to nice */
	int nice;
	/* The program's rlimit_*, nice, oom_score_adj and cpu_affinity
	 * (conf_limits), in the form the system calls take. */
	struct {
		int resource;
		int which; /* enum conf_rl, for the error */
		struct rlimit rl;
	} rlimits[CONF_RL_N];
	int nrlimits;
	bool set_nice; /* nice: the program's, set before the user switch */
	int lim_nice;
	int oom_len; /* >0: oom_text is written to /proc/self/oom_score_adj */
	char oom_text[16];
	bool set_affinity;
	cpu_set_t cpus;
	const char *cgroup_procs; /* cgroups: joined first; NULL: none */
	int cgroup_fd;		  /* cgroups: the leaf for CLONE_INTO_CGROUP; -1: none */
};

/* The kernel's sigaction, called directly: glibc's refuses the two
 * real-time signals it reserves for itself (32 and 33), which a program not
 * built on glibc may use, and which supd may have inherited ignored.  The
 * handler is the first member on the architectures supd builds for, and a
 * zeroed struct is SIG_DFL with no flags and an empty mask whatever the
 * rest of the layout. */
struct ksigaction {
	void *handler;
	unsigned long words[8];
};

static CHILD_SIDE int ksigaction(int sig, const struct ksigaction *sa, struct ksigaction *old)
{
	return (int)syscall(SYS_rt_sigaction, sig, sa, old, (size_t)(_NSIG / 8));
}

static CHILD_SIDE bool resettable(int sig)
{
	return sig != SIGKILL && sig != SIGSTOP;
}

void spawn_slots_scan_signals(struct spawn_slots *s)
{
	s->not_default = 0;
	for (int sig = 1; sig < _NSIG && sig <= 64; sig++) {
		struct ksigaction old = {0};
		if (resettable(sig) && ksigaction(sig, NULL, &old) == 0 && old.handler != SIG_DFL)
			s->not_default |= 1ULL << (sig - 1);
	}
}

int spawn_slots_open(struct spawn_slots *s)
{
	spawn_slots_scan_signals(s);
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	s->nice = errno ? 0 : nice;
	for (int i = 0; i < 5; i++)
		s->fd[i] = -1;
	s->stack_size = 256 * 1024;
	s->stack = mmap(NULL, s->stack_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (s->stack == MAP_FAILED) {
		s->stack = NULL;
		return -errno;
	}
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0) {
		int e = errno;
		spawn_slots_close(s);
		return -e;
	}
	s->fd[4] = nul;
	for (int i = 0; i < 4; i++) {
		s->fd[i] = fcntl(nul, F_DUPFD_CLOEXEC, 0);
		if (s->fd[i] < 0) {
			int e = errno;
			spawn_slots_close(s);
			return -e;
		}
	}
	return 0;
}

void spawn_slots_close(struct spawn_slots *s)
{
	for (int i = 0; i < 5; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]);
		s->fd[i] = -1;
	}
	if (s->stack)
		munmap(s->stack, s->stack_size);
	s->stack = NULL;
}

const char *spawn_signame(int sig, char *buf, size_t len)
{
	if (sig == SIGRTMIN) {
		snprintf(buf, len, "SIGRTMIN");
	} else if (sig == SIGRTMAX) {
		snprintf(buf, len, "SIGRTMAX");
	} else {
		const char *a = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
		if (a)
			snprintf(buf, len, "SIG%s", a);
		else
			snprintf(buf, len, "signal %d", sig);
	}
	return buf;
}

/* ---------------------------------------------------------------- parent side */

static const char *env_lookup(const struct conf_env *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->keys[i], key))
			return e->vals[i];
	return NULL;
}

static bool env_has_keyn(const struct conf_env *e, const char *key, size_t klen)
{
	for (size_t i = 0; i < e->n; i++)
		if (strlen(e->keys[i]) == klen && !memcmp(e->keys[i], key, klen))
			return true;
	return false;
}

static const char *environ_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);
	for (; *env; env++)
		if (!strncmp(*env, key, klen) && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

static bool exists(const char *path, struct stat *st)
{
	return stat(path, st) == 0;
}

int spawn_find_command(const struct conf_process *p, char *const *env, char *path, size_t pathlen,
		       char *err, size_t errlen)
{
	if (!p->argv || !p->argv[0] || !p->argv[0][0]) {
		snprintf(err, errlen, "command is empty");
		return -EINVAL;
	}
	if (!env)
		env = environ;
	const char *prog = p->argv[0];
	struct stat st;
	bool found = false;
	if (strchr(prog, '/')) {
		if (snprintf(path, pathlen, "%s", prog) >= (int)pathlen) {
			snprintf(err, errlen, "can't find command '%s'", prog);
			return -ENOENT;
		}
		found = exists(path, &st);
	} else {
		const char *dirs = env_lookup(&p->s->env, "PATH");
		if (!dirs)
			dirs = environ_get(env, "PATH");
		if (!dirs)
			dirs = "/bin:/usr/bin:/usr/local/bin";
		/* supervisord stops at the first directory where the name
		 * exists, executable or not. */
		for (const char *d = dirs; !found;) {
			const char *end = strchrnul(d, ':');
			int dl = (int)(end - d);
			int n = dl ? snprintf(path, pathlen, "%.*s/%s", dl, d, prog)
				   : snprintf(path, pathlen, "%s", prog);
			if (n < (int)pathlen)
				found = exists(path, &st);
			if (!*end)
				break;
			d = end + 1;
		}
		if (!found)
			snprintf(path, pathlen, "%s", prog);
	}
	if (!found) {
		snprintf(err, errlen, "can't find command '%s'", path);
		return -ENOENT;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "command at '%s' is a directory", path);
		return -EACCES;
	}
	if (!(st.st_mode & 0111)) {
		snprintf(err, errlen, "command at '%s' is not executable", path);
		return -EACCES;
	}
	if (access(path, X_OK) != 0) {
		snprintf(err, errlen, "no permission to run command '%s'", path);
		return -EACCES;
	}
	return 0;
}

static bool is_supervisor_var(const char *kv, size_t klen, bool have_url)
{
	static const char *const names[] = {"SUPERVISOR_ENABLED", "SUPERVISOR_PROCESS_NAME",
					    "SUPERVISOR_GROUP_NAME", "SUPERVISOR_SERVER_URL"};
	for (size_t i = 0; i < 4; i++) {
		if (i == 3 && !have_url)
			break;
		if (strlen(names[i]) == klen && !memcmp(names[i], kv, klen))
			return true;
	}
	return false;
}

static bool extra_has_keyn(const struct spawn_req *r, const char *kv, size_t klen)
{
	for (size_t i = 0; r->extra_env && r->extra_env[i]; i++)
		if (!strncmp(r->extra_env[i], kv, klen) && r->extra_env[i][klen] == '=')
			return true;
	return false;
}

/* supd's environment, then SUPERVISOR_*, then the program's environment,
 * later values replacing earlier ones.  One allocation: the pointer array
 * followed by the strings it adds. */
static char **build_env(const struct spawn_req *r)
{
	const struct conf_process *p = r->p;
	char *const *env = r->environ ? r->environ : environ;
	bool have_url = r->server_url != NULL;
	size_t ne = 0;
	while (env[ne])
		ne++;
	const char *supk[4] = {"SUPERVISOR_ENABLED", "SUPERVISOR_PROCESS_NAME",
			       "SUPERVISOR_GROUP_NAME", "SUPERVISOR_SERVER_URL"};
	const char *supv[4] = {"1", p->name, p->group, r->server_url};
	size_t strbytes = 0;
	for (size_t i = 0; i < 4; i++)
		if (supv[i])
			strbytes += strlen(supk[i]) + strlen(supv[i]) + 2;
	for (size_t i = 0; i < p->s->env.n; i++)
		strbytes += strlen(p->s->env.keys[i]) + strlen(p->s->env.vals[i]) + 2;
	size_t nx = 0;
	for (; r->extra_env && r->extra_env[nx]; nx++)
		;
	size_t nptr = ne + 4 + p->s->env.n + nx + 1;
	char **out = malloc(nptr * sizeof(char *) + strbytes);
	if (!out)
		return NULL;
	char *s = (char *)(out + nptr);
	size_t n = 0;
	for (size_t i = 0; i < ne; i++) {
		const char *eq = strchr(env[i], '=');
		size_t klen = eq ? (size_t)(eq - env[i]) : strlen(env[i]);
		if (env_has_keyn(&p->s->env, env[i], klen) ||
		    is_supervisor_var(env[i], klen, have_url) || extra_has_keyn(r, env[i], klen))
			continue;
		out[n++] = env[i];
	}
	for (size_t i = 0; i < 4; i++) {
		if (!supv[i] || env_lookup(&p->s->env, supk[i]))
			continue;
		out[n++] = s;
		s += sprintf(s, "%s=%s", supk[i], supv[i]) + 1;
	}
	for (size_t i = 0; i < p->s->env.n; i++) {
		out[n++] = s;
		s += sprintf(s, "%s=%s", p->s->env.keys[i], p->s->env.vals[i]) + 1;
	}
	for (size_t i = 0; i < nx; i++)
		out[n++] = (char *)r->extra_env[i];
	out[n] = NULL;
	return out;
}

/* Resolves user= to ids and groups.  supervisord switches only when the
 * user differs from supd's, and only root can. */
static int plan_user(const struct conf_process *p, struct plan *pl, char *err, size_t errlen)
{
	pl->switch_user = false;
	if (!p->s->user)
		return 0;
	struct passwd *pw = getpwnam(p->s->user);
	if (!pw) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(p->s->user, &end, 10);
		if (!errno && *p->s->user && !*end && v <= UINT_MAX)
			pw = getpwuid((uid_t)v);
	}
	if (!pw) {
		snprintf(err, errlen, "couldn't setuid to %s: no such user", p->s->user);
		return -ESRCH;
	}
	uid_t me = getuid();
	if (pw->pw_uid == me)
		return 0;
	if (me != 0) {
		snprintf(err, errlen, "couldn't setuid to %s: Can't drop privilege as nonroot user",
			 p->s->user);
		return -EPERM;
	}
	pl->switch_user = true;
	pl->uid = pw->pw_uid;
	pl->gid = pw->pw_gid;
	int ng = 32;
	for (;;) {
		gid_t *g = realloc(pl->groups, (size_t)ng * sizeof(gid_t));
		if (!g) {
			snprintf(err, errlen, "couldn't setuid to %s: %s", p->s->user,
				 strerror(ENOMEM));
			return -ENOMEM;
		}
		pl->groups = g;
		int want = ng;
		if (getgrouplist(pw->pw_name, pw->pw_gid, g, &want) >= 0) {
			pl->ngroups = want;
			break;
		}
		if (want <= ng)
			want = ng * 2;
		ng = want;
	}
	return 0;
}

/* The program's conf_limits as plan->rlimits etc.  Its rlimit_nofile
 * replaces supd's child_nofile. */
static void plan_limits(const struct conf_limits *l, struct plan *pl)
{
	for (int r = 0; r < CONF_RL_N; r++) {
		if (!(l->rl_set >> r & 1))
			continue;
		pl->rlimits[pl->nrlimits].resource = conf_rl_resource((enum conf_rl)r);
		pl->rlimits[pl->nrlimits].which = r;
		pl->rlimits[pl->nrlimits].rl.rlim_cur =
		    l->cur[r] == CONF_RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)l->cur[r];
		pl->rlimits[pl->nrlimits].rl.rlim_max =
		    l->max[r] == CONF_RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)l->max[r];
		pl->nrlimits++;
		if (r == CONF_RL_NOFILE)
			pl->nofile = 0;
	}
	pl->set_nice = l->has_nice;
	pl->lim_nice = l->nice;
	if (l->has_oom_score_adj)
		pl->oom_len =
		    snprintf(pl->oom_text, sizeof(pl->oom_text), "%d\n", l->oom_score_adj);
	pl->set_affinity = l->has_cpus;
	CPU_ZERO(&pl->cpus);
	for (int c = 0; l->has_cpus && c < CONF_CPUS_MAX && c < CPU_SETSIZE; c++)
		if (l->cpus[c / 64] >> (c % 64) & 1)
			CPU_SET(c, &pl->cpus);
}

/* ---------------------------------------------------------------- child side */

static CHILD_SIDE __attribute__((noreturn)) void child_fail(const struct plan *pl, int stage)
{
	struct child_err ce = {stage, errno};
	if (pl->shared) {
		*pl->shared = ce;
		_exit(127);
	}
	ssize_t w;
	do
		w = write(pl->errfd, &ce, sizeof(ce));
	while (w < 0 && errno == EINTR);
	_exit(127);
}

/* dup2 that also works when from == to (dup2 would then keep
 * close-on-exec set). */
static CHILD_SIDE int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

static CHILD_SIDE int close_others(int keep)
{
	/* The error pipe is already close-on-exec: mark every other fd so
	 * too, and exec closes them all. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	(void)keep;
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
	return 0;
}

static CHILD_SIDE __attribute__((noreturn)) void child(const struct plan *pl)
{
	if (pl->unshare_from > 0) {
		/* First, before anything touches an fd: our own table with
		 * only 0 .. unshare_from-1 in it. */
		if (close_range((unsigned)pl->unshare_from, ~0U, CLOSE_RANGE_UNSHARE) < 0)
			child_fail(pl, ST_CLOSE);
	}
	if (pl->cgroup_procs) {
		/* Into the process's cgroup before anything of the program
		 * runs: what it forks is born there. */
		int cfd = open(pl->cgroup_procs, O_WRONLY | O_CLOEXEC);
		if (cfd < 0 || write(cfd, "0", 1) != 1)
			child_fail(pl, ST_CGROUP);
		close(cfd);
	}
	if (setpgid(0, 0) < 0)
		child_fail(pl, ST_SETPGID);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0)
		child_fail(pl, ST_STDIN);
	int in = pl->in_r >= 0 ? pl->in_r : nul;
	int out = pl->out_w >= 0 ? pl->out_w : nul;
	int errw = pl->redirect_stderr ? out : (pl->err_w >= 0 ? pl->err_w : nul);
	/* The sources are all above 2 (supd keeps 0..2 open), so the order
	 * of these cannot clobber one another. */
	if (move_fd(in, 0) < 0)
		child_fail(pl, ST_STDIN);
	if (move_fd(out, 1) < 0 || move_fd(errw, 2) < 0)
		child_fail(pl, ST_STDIO);
	if (close_others(pl->errfd) < 0)
		child_fail(pl, ST_CLOSE);
	if (pl->extra_fd >= 0 && move_fd(pl->extra_fd, pl->extra_fd_num) < 0)
		child_fail(pl, ST_STDIO);
	static const struct ksigaction dfl;
	for (int s = 1; s < _NSIG; s++)
		if (resettable(s) && (!pl->reset || (s <= 64 && (*pl->reset >> (s - 1) & 1))))
			ksigaction(s, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_fail(pl, ST_SIGNALS);
	/* Before the user switch: raising a hard limit, lowering nice or
	 * oom_score_adj need the privilege supd may have and the user not. */
	for (int i = 0; i < pl->nrlimits; i++)
		if (setrlimit(pl->rlimits[i].resource, &pl->rlimits[i].rl) < 0)
			child_fail(pl, ST_LIM_RLIMIT + pl->rlimits[i].which);
	if (pl->set_nice && setpriority(PRIO_PROCESS, 0, pl->lim_nice) < 0)
		child_fail(pl, ST_LIM_NICE);
	if (pl->oom_len > 0) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pl->oom_text, (size_t)pl->oom_len) != pl->oom_len)
			child_fail(pl, ST_LIM_OOM);
		close(fd);
	}
	if (pl->set_affinity && sched_setaffinity(0, sizeof(pl->cpus), &pl->cpus) < 0)
		child_fail(pl, ST_LIM_AFFINITY);
	if (pl->switch_user) {
		if (setgroups((size_t)pl->ngroups, pl->groups) < 0)
			child_fail(pl, ST_SETGROUPS);
		if (setgid(pl->gid) < 0)
			child_fail(pl, ST_SETGID);
		if (setuid(pl->uid) < 0)
			child_fail(pl, ST_SETUID);
	}
	if (pl->dir && chdir(pl->dir) < 0)
		child_fail(pl, ST_CHDIR);
	if (pl->umask >= 0)
		umask((mode_t)pl->umask);
	if (pl->nofile > 0) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > (rlim_t)pl->nofile) {
			rl.rlim_cur = (rlim_t)pl->nofile;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (pl->restore_nice && !pl->set_nice && setpriority(PRIO_PROCESS, 0, pl->nice) < 0)
		child_fail(pl, ST_NICE);
	execve(pl->file, pl->argv, pl->envp);
	child_fail(pl, ST_EXEC);
}

/* ---------------------------------------------------------------- spawn */

static void child_error_text(const struct conf_process *p, const struct child_err *ce, char *err,
			     size_t errlen)
{
	const char *e = strerror(ce->err);
	switch (ce->stage) {
	case ST_SETPGID:
		snprintf(err, errlen, "couldn't set process group: %s", e);
		break;
	case ST_STDIN:
	case ST_STDIO:
		snprintf(err, errlen, "couldn't set up stdin/stdout/stderr: %s", e);
		break;
	case ST_CLOSE:
		snprintf(err, errlen, "couldn't close inherited fds: %s", e);
		break;
	case ST_SIGNALS:
		snprintf(err, errlen, "couldn't reset the signal mask: %s", e);
		break;
	case ST_SETGROUPS:
	case ST_SETGID:
	case ST_SETUID:
		snprintf(err, errlen, "couldn't setuid to %s: %s", p->s->user, e);
		break;
	case ST_NICE:
		snprintf(err, errlen, "couldn't restore supd's nice value: %s", e);
		break;
	case ST_CHDIR:
		snprintf(err, errlen, "couldn't chdir to %s: %s", p->s->directory, e);
		break;
	case ST_EXEC:
		snprintf(err, errlen, "couldn't exec %s: %s", p->argv[0], e);
		break;
	case ST_LIM_NICE:
		snprintf(err, errlen, "nice: %s", e);
		break;
	case ST_LIM_OOM:
		snprintf(err, errlen, "oom_score_adj: %s", e);
		break;
	case ST_LIM_AFFINITY:
		snprintf(err, errlen, "cpu_affinity: %s", e);
		break;
	case ST_CGROUP:
		snprintf(err, errlen, "couldn't join its cgroup: %s", e);
		break;
	default:
		if (ce->stage >= ST_LIM_RLIMIT && ce->stage < ST_LIM_RLIMIT + CONF_RL_N)
			snprintf(err, errlen, "rlimit_%s: %s",
				 conf_rl_name((enum conf_rl)(ce->stage - ST_LIM_RLIMIT)), e);
		else
			snprintf(err, errlen, "child failed before exec: %s", e);
	}
}

int spawn_exec_result(int fd, const struct conf_process *p, char *err, size_t errlen)
{
	struct child_err ce;
	ssize_t n;
	do
		n = read(fd, &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	/* Any other read error cannot happen on a pipe we own; the reaper
	 * will still report how the child ended. */
	if (n < 0)
		return errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	/* A pipe write this small is atomic: a short record means a
	 * child that died mid-write. */
	if (n != (ssize_t)sizeof(ce))
		ce = (struct child_err){0, EIO};
	child_error_text(p, &ce, err, errlen);
	return ce.err ? -ce.err : -EIO;
}

static void close_if(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A close-on-exec pipe whose end supd keeps (0: read, 1: write) does not
 * block. */
static int pipe_for_supd(int fds[2], int ours)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	int fl = fcntl(fds[ours], F_GETFL);
	if (fl < 0 || fcntl(fds[ours], F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
		return -e;
	}
	return 0;
}

static CHILD_SIDE int child_entry(void *arg)
{
	child(arg);
}

static void refill_slots(const struct spawn_slots *sl)
{
	for (int i = 0; i < 4; i++)
		dup3(sl->fd[4], sl->fd[i], O_CLOEXEC);
}

/* Whether a spawn with these slots takes the clone path (the child shares
 * our memory until it execs; we wait meanwhile). */
static bool spawn_shares_memory(const struct spawn_slots *sl)
{
	return sl != NULL;
}

#if defined(__x86_64__) && defined(SYS_clone3)
/* clone3 on the clone path, for CLONE_INTO_CGROUP: the child is born in
 * its cgroup, no migration (the write to cgroup.procs costs supd's wait).
 * glibc has no clone3 wrapper, and a child on a stack of its own must not
 * return into our frames: the child side is in assembly, calling fn(arg)
 * on the new stack and exiting with what it returns (it never does). */
#define HAVE_CLONE3_RUN 1
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
	    set_tid_size, cgroup;
};
/* Returns the child's pid, or a negative errno. */
long supd_clone3_run(struct clone3_args *a, size_t size, int (*fn)(void *), void *arg)
    __attribute__((visibility("hidden")));
__asm__(".text\n"
	".globl supd_clone3_run\n"
	".hidden supd_clone3_run\n"
	".type supd_clone3_run, @function\n"
	"supd_clone3_run:\n"
	"\tendbr64\n"
	"\tmov %rdx, %r9\n"  /* fn: r8 and r9 survive the syscall, rcx does not */
	"\tmov %rcx, %r8\n"  /* arg */
	"\tmov $435, %eax\n" /* SYS_clone3 */
	"\tsyscall\n"
	"\ttest %rax, %rax\n"
	"\tjnz 1f\n"
	"\txor %ebp, %ebp\n" /* the child, on its stack (16-byte aligned) */
	"\tmov %r8, %rdi\n"
	"\tcall *%r9\n"
	"\tmov %eax, %edi\n"
	"\tmov $60, %eax\n" /* SYS_exit */
	"\tsyscall\n"
	"\thlt\n"
	"1:\tret\n"
	".size supd_clone3_run, .-supd_clone3_run\n");
#endif

/* fork, or with slots a fork sharing our fd table (see struct
 * spawn_slots): the pipes move to the slots first.  Returns the pid (0 in
 * the child never returns) or -1 with errno. */
static pid_t start_child(const struct spawn_slots *sl, struct plan *pl)
{
	if (sl) {
		int src[4] = {pl->in_r, pl->out_w, pl->err_w, pl->errfd};
		int top = 0;
		for (int i = 0; i < 4; i++) {
			if (src[i] >= 0 && dup3(src[i], sl->fd[i], O_CLOEXEC) < 0) {
				refill_slots(sl);
				return -1;
			}
			if (sl->fd[i] > top)
				top = sl->fd[i];
		}
		pl->in_r = pl->in_r >= 0 ? sl->fd[0] : -1;
		pl->out_w = pl->out_w >= 0 ? sl->fd[1] : -1;
		pl->err_w = pl->err_w >= 0 ? sl->fd[2] : -1;
		pl->errfd = pl->errfd >= 0 ? sl->fd[3] : -1;
		pl->unshare_from = top + 1;
		pl->reset = &sl->not_default;
		/* As posix_spawn: the child borrows our memory (no page
		 * tables copied) and our fd table (none copied: it unshares
		 * only the fds below the slots), while we sleep until it has
		 * exec'd or exited.  It only reads the plan and makes system
		 * calls, on a stack of its own. */
#ifdef HAVE_CLONE3_RUN
		if (pl->cgroup_fd >= 0) {
			struct clone3_args a = {
			    .flags = CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_INTO_CGROUP,
			    .exit_signal = SIGCHLD,
			    .stack = (uint64_t)(uintptr_t)sl->stack,
			    .stack_size = sl->stack_size,
			    .cgroup = (uint64_t)pl->cgroup_fd,
			};
			const char *procs = pl->cgroup_procs;
			pl->cgroup_procs = NULL; /* born there: nothing to join */
			long r = supd_clone3_run(&a, sizeof(a), child_entry, pl);
			if (r >= 0) {
				refill_slots(sl);
				return (pid_t)r;
			}
			/* A kernel without clone3 (5.3) or CLONE_INTO_CGROUP
			 * (5.7): the child joins before exec. */
			pl->cgroup_procs = procs;
			if (r != -ENOSYS && r != -EINVAL && r != -E2BIG) {
				refill_slots(sl);
				errno = (int)-r;
				return -1;
			}
		}
#endif
		pid_t pid = clone(child_entry, (char *)sl->stack + sl->stack_size,
				  CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, pl);
		int e = errno;
		refill_slots(sl); /* the table is ours alone again */
		errno = e;
		return pid;
	}
	pid_t pid = fork();
	if (pid == 0)
		child(pl);
	return pid;
}

int spawn_start(const struct spawn_req *r, struct spawn_child *c, char *err, size_t errlen)
{
	const struct conf_process *p = r->p;
	char file[PATH_MAX];
	struct plan pl = {.in_r = -1,
			  .out_w = -1,
			  .err_w = -1,
			  .errfd = -1,
			  .extra_fd = r->slots || r->extra_fd_num < 3 ? -1 : r->extra_fd,
			  .extra_fd_num = r->extra_fd_num};
	int inp[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1}, ep[2] = {-1, -1};
	int ret;

	c->pid = -1;
	c->fd_in = c->fd_out = c->fd_err = c->fd_exec = -1;
	c->exec_err[0] = '\0';
	ret = spawn_find_command(p, r->environ, file, sizeof(file), err, errlen);
	if (ret < 0)
		return ret;
	ret = plan_user(p, &pl, err, errlen);
	if (ret < 0)
		goto out;
	pl.file = file;
	pl.argv = p->argv;
	pl.dir = p->s->directory;
	pl.umask = p->s->umask;
	pl.nofile = r->child_nofile;
	if (p->s->limits)
		plan_limits(p->s->limits, &pl);
	pl.redirect_stderr = p->s->redirect_stderr;
	pl.cgroup_procs = r->cgroup_procs;
	pl.cgroup_fd = r->cgroup_procs ? r->cgroup_fd : -1;
	pl.envp = build_env(r);
	if (!pl.envp) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory spawning '%s'", p->name);
		goto out;
	}
	if (!r->no_pipes) {
		ret = pipe_for_supd(outp, 0);
		if (ret == 0 && !p->s->redirect_stderr)
			ret = pipe_for_supd(errp, 0);
	}
	/* Sharing our memory, the child reports a failure in it; a forked
	 * child needs the error pipe. */
	struct child_err shared_err = {0, 0};
	if (spawn_shares_memory(r->slots))
		pl.shared = &shared_err;
	else if (ret == 0 && pipe2(ep, O_CLOEXEC) < 0)
		ret = -errno;
	if (ret == 0 && ep[0] >= 0 && fcntl(ep[0], F_SETFL, O_NONBLOCK) < 0)
		ret = -errno;
	/* stdin is a pipe even without output pipes: supervisord's children
	 * all have one, held open until they exit.  It costs supd one fd per
	 * process, so it is made last and is the one thing given up when fds
	 * run out: the process still starts, with stdin /dev/null (fd_in -1). */
	int rin = ret == 0 && !r->no_stdin_pipe && !r->fcgi ? pipe_for_supd(inp, 1) : 0;
	if (rin < 0 && rin != -EMFILE && rin != -ENFILE)
		ret = rin;
	if (ret < 0) {
		if (ret == -EMFILE || ret == -ENFILE)
			snprintf(err, errlen, "too many open files to spawn '%s'", p->name);
		else
			snprintf(err, errlen, "unknown error making dispatchers for '%s': %s",
				 p->name, strerror(-ret));
		goto out;
	}
	pl.in_r = r->fcgi ? r->fcgi_fd : inp[0];
	pl.out_w = outp[1];
	pl.err_w = errp[1];
	pl.errfd = ep[1];

	/* No signal handler of ours may run in the child before it resets the
	 * dispositions: block everything across fork (as posix_spawn does). */
	sigset_t all, saved;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &saved);
	/* On the clone path we sleep until the child has exec'd, and a child
	 * waits its turn for a CPU behind every program already starting up:
	 * on a busy machine that wait, not our work, was most of a spawn
	 * (0.5 ms of 0.7, 1000 programs on 2 CPUs).  So the child starts with
	 * a raised priority, inherited from us for the moment of the clone,
	 * and sets supd's own nice value back just before it execs: the
	 * program runs as it would have.  Without CAP_SYS_NICE (a container,
	 * an unprivileged supd) there is no boost and nothing changes. */
	if (spawn_shares_memory(r->slots)) {
		int boosted =
		    r->slots->nice - SPAWN_BOOST < -20 ? -20 : r->slots->nice - SPAWN_BOOST;
		pl.nice = r->slots->nice;
		pl.restore_nice = boosted < pl.nice && setpriority(PRIO_PROCESS, 0, boosted) == 0;
	}
	pid_t pid = start_child(r->slots, &pl);
	if (pl.restore_nice) {
		int e = errno;
		setpriority(PRIO_PROCESS, 0, pl.nice);
		errno = e;
	}
	int fork_errno = errno;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	errno = fork_errno;
	if (pid < 0) {
		ret = -errno;
		if (ret == -EAGAIN)
			snprintf(err, errlen, "Too many processes in process table to spawn '%s'",
				 p->name);
		else
			snprintf(err, errlen, "unknown error during fork for '%s': %s", p->name,
				 strerror(-ret));
		goto out;
	}
	close_if(&ep[1]);
	close_if(&inp[0]);
	close_if(&outp[1]);
	close_if(&errp[1]);
	c->pid = pid;
	c->fd_in = inp[1];
	c->fd_out = outp[0];
	c->fd_err = errp[0];
	c->fd_exec = ep[0];
	inp[1] = outp[0] = errp[0] = ep[0] = -1;
	/* With a shared memory the clone returned after the exec or the
	 * child's failure: the outcome is known now. */
	if (pl.shared && shared_err.stage)
		child_error_text(p, &shared_err, c->exec_err, sizeof(c->exec_err));
	ret = 0;
out:
	close_if(&ep[0]);
	close_if(&ep[1]);
	close_if(&inp[0]);
	close_if(&inp[1]);
	close_if(&outp[0]);
	close_if(&outp[1]);
	close_if(&errp[0]);
	close_if(&errp[1]);
	free(pl.envp);
	free(pl.groups);
	return ret;
}
